import { repositoryScope } from '../auth/scope.js';
import { RegctlError, isRegctlError } from '../errors.js';
import { parseDigest } from '../ref/digest.js';
import { header } from '../transport/types.js';
import type { RegistryConnection } from './connection.js';
import { getManifest } from './manifests.js';
import { MAX_MANIFEST_BYTES, parseManifest, type Descriptor } from './manifest.js';
import { isIndexType } from './media-types.js';
import { readBytes } from '../transport/read-body.js';
import { responseError } from './response-error.js';

/** Referrers of a manifest and how they were found. */
export interface Referrers {
  manifests: Descriptor[];
  /** `api`: the registry's referrers API; `tag`: the `sha256-<hex>` fallback tag. */
  source: 'api' | 'tag';
}

/** The fallback tag that holds the referrers index where the API is missing (OCI distribution 1.1). */
export function referrersTag(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex}`;
}

/**
 * Lists the manifests whose `subject` is `digest`: through `GET /v2/<repo>/referrers/<digest>`,
 * or, when the registry answers 404 (no API, as in distribution 2.8), through the fallback tag.
 */
export async function listReferrers(conn: RegistryConnection, repo: string, digest: string, artifactType?: string): Promise<Referrers> {
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
  const res = await conn.send({ method: 'GET', path: `/v2/${repo}/referrers/${digest}${query}` }, [repositoryScope(repo, ['pull'])]);
  const what = `referrers of ${conn.host}/${repo}@${digest}`;
  const filter = (ds: Descriptor[]) => (artifactType ? ds.filter((d) => d.artifactType === artifactType) : ds);
  if (res.status === 200 && isIndexType(header(res, 'content-type')?.split(';')[0]?.trim())) {
    const { parsed } = parseManifest(await readBytes(res.body, MAX_MANIFEST_BYTES, what));
    if (!('manifests' in parsed)) throw new RegctlError('INVALID_INPUT', `${what}: the reply is not an index`);
    return { manifests: filter(parsed.manifests), source: 'api' };
  }
  if (res.status !== 404 && res.status !== 200) throw await responseError(res, what);
  await res.body.dump().catch(() => undefined);
  try {
    const m = await getManifest(conn, repo, referrersTag(digest));
    return { manifests: 'manifests' in m.parsed ? filter(m.parsed.manifests) : [], source: 'tag' };
  } catch (e) {
    if (isRegctlError(e, 'MANIFEST_UNKNOWN', 'NOT_FOUND')) return { manifests: [], source: 'tag' };
    throw e;
  }
}
