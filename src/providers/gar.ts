/**
 * Google Artifact Registry and gcr.io: an OAuth2 access token from Application Default
 * Credentials, sent as Basic `oauth2accesstoken:<token>` to the registry's token endpoint;
 * monolithic uploads; listing through the Artifact Registry API; digest deletes that untag
 * first. REGISTRIES.md, "Google Artifact Registry / gcr.io".
 */
import { formatRegistryErrors, parseRegistryErrors } from '../auth/registry-errors.js';
import { repositoryScope } from '../auth/scope.js';
import type { Credential } from '../credentials/types.js';
import { RegctlError } from '../errors.js';
import { readBytes, readTextQuietly } from '../transport/read-body.js';
import { adcAccessToken, OAUTH2_USER } from './gar-auth.js';
import { parseGoogleHost } from './gar-host.js';
import { listGoogleRepositories } from './gar-list.js';
import type { Provider, ProviderContext, ProviderRegistryApi } from './types.js';

async function credentials(host: string, ctx: ProviderContext): Promise<Credential | undefined> {
  if (!parseGoogleHost(host)) return undefined;
  const t = await adcAccessToken(ctx.env, ctx.logger);
  return t && { username: OAUTH2_USER, password: t.secret, expiresAt: t.expiresAt, source: 'Google Application Default Credentials' };
}

/** The tags Google's tags/list reports for each digest (its extra `manifest` field). */
async function tagsOf(api: ProviderRegistryApi, repo: string, digest: string): Promise<string[]> {
  const res = await api.send({ method: 'GET', path: `/v2/${repo}/tags/list` }, [repositoryScope(repo, ['pull'])]);
  const text = (await readBytes(res.body, 16 * 1024 * 1024, `tags of ${api.host}/${repo}`)).toString('utf8');
  if (res.status !== 200) throw new RegctlError(res.status === 404 ? 'NAME_UNKNOWN' : 'REGISTRY_ERROR', `GET tags of ${api.host}/${repo}: HTTP ${res.status}`, { status: res.status });
  try {
    const doc = JSON.parse(text) as { manifest?: Record<string, { tag?: unknown }> };
    const tags = doc.manifest?.[digest]?.tag;
    return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    throw new RegctlError('INVALID_INPUT', `GET tags of ${api.host}/${repo}: the reply is not JSON`);
  }
}

async function deleteRef(api: ProviderRegistryApi, repo: string, ref: string): Promise<void> {
  const res = await api.send({ method: 'DELETE', path: `/v2/${repo}/manifests/${ref}` }, [repositoryScope(repo, ['pull', 'delete'])]);
  if (res.status === 202 || res.status === 200) {
    await res.body.dump().catch(() => undefined);
    return;
  }
  const errors = parseRegistryErrors(await readTextQuietly(res.body)) ?? [];
  const what = `DELETE ${api.host}/${repo} ${ref}: ${errors.length ? formatRegistryErrors(errors) : `HTTP ${res.status}`}`;
  const code = res.status === 404 ? 'MANIFEST_UNKNOWN' : res.status === 403 ? 'DENIED' : 'REGISTRY_ERROR';
  throw new RegctlError(code, what, { status: res.status, registryErrors: errors });
}

/**
 * Deletes a manifest by digest. Artifact Registry refuses that while tags point at it (400
 * `GOOGLE_MANIFEST_DANGLING_TAG`, REGISTRIES.md), so each of its tags goes first, found in the
 * `manifest` map Google adds to tags/list.
 */
async function deleteManifest(api: ProviderRegistryApi, repo: string, digest: string, ctx: ProviderContext): Promise<boolean> {
  const tags = await tagsOf(api, repo, digest);
  for (const tag of tags) {
    ctx.logger.info(`untagging ${api.host}/${repo}:${tag} before deleting ${digest}`);
    await deleteRef(api, repo, tag);
  }
  await deleteRef(api, repo, digest);
  return true;
}

/** Artifact Registry (`*-docker.pkg.dev`) and Container Registry (`gcr.io` and its regions). */
export const gar: Provider = {
  name: 'gar',
  matches: (host) => parseGoogleHost(host) !== undefined,
  credentials,
  listRepositories: listGoogleRepositories,
  deleteManifest,
  // Artifact Registry has no chunked uploads: one streamed PUT (REGISTRIES.md).
  uploadRules: { mode: 'monolithic' },
};
