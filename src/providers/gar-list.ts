/**
 * Listing Google registries through the Artifact Registry REST API: `/v2/_catalog` is absent or
 * empty on Artifact Registry and gcr.io (REGISTRIES.md, "Google Artifact Registry / gcr.io").
 * `repositories.list` finds a project's Docker repositories in the host's location and
 * `dockerImages.list` their images, one entry per digest, named by `uri`.
 */
import { RegctlError } from '../errors.js';
import { readBytes } from '../transport/read-body.js';
import type { HttpSender } from '../transport/types.js';
import { apiAccessToken } from './gar-auth.js';
import { parseGoogleHost } from './gar-host.js';
import type { ProviderContext, ProviderRegistryApi } from './types.js';

/** The Artifact Registry API (`artifactregistry.googleapis.com`, v1). */
export const ARTIFACT_REGISTRY_API = 'https://artifactregistry.googleapis.com/v1';

const MAX_PAGE_BYTES = 16 * 1024 * 1024;
const MAX_PAGES = 10_000;

/** GETs every page of a list method (`pageToken`/`nextPageToken`), collecting `field`. */
async function listAll<T>(http: HttpSender, url: string, field: string, token: string): Promise<T[]> {
  const out: T[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const u = new URL(url);
    u.searchParams.set('pageSize', '1000');
    if (pageToken) u.searchParams.set('pageToken', pageToken);
    const res = await http.send({ method: 'GET', url: u, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    const text = (await readBytes(res.body, MAX_PAGE_BYTES, `Artifact Registry ${u.pathname}`)).toString('utf8');
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(text || '{}') as Record<string, unknown>;
    } catch {
      throw new RegctlError('INVALID_INPUT', `Artifact Registry ${u.pathname}: the reply is not JSON (HTTP ${res.status})`);
    }
    if (res.status !== 200) throw apiError(res.status, doc, u.pathname);
    const items = doc[field];
    if (Array.isArray(items)) out.push(...(items as T[]));
    pageToken = typeof doc.nextPageToken === 'string' && doc.nextPageToken ? doc.nextPageToken : undefined;
    if (!pageToken) return out;
  }
  throw new RegctlError('INVALID_INPUT', `Artifact Registry ${url}: more than ${MAX_PAGES} pages; stopping`);
}

/** Google's JSON error (`{"error":{"code","message","status"}}`) as a {@link RegctlError}. */
function apiError(status: number, doc: Record<string, unknown>, path: string): RegctlError {
  const err = (doc.error ?? {}) as { message?: unknown; status?: unknown };
  const detail = [err.status, err.message].filter((x) => typeof x === 'string' && x).join(': ') || `HTTP ${status}`;
  const message = `Artifact Registry ${path}: ${detail}`;
  if (status === 401) return new RegctlError('UNAUTHORIZED', message, { status, hint: 'gcloud auth application-default login, or set GOOGLE_APPLICATION_CREDENTIALS' });
  if (status === 403) return new RegctlError('DENIED', message, { status, hint: 'listing needs artifactregistry.repositories.list and artifactregistry.dockerimages.list' });
  if (status === 404) return new RegctlError('NAME_UNKNOWN', message, { status });
  return new RegctlError('REGISTRY_ERROR', message, { status });
}

/**
 * Lists the images of `<host>/<project>[/<repository>...]` (`namespace` is the part after the
 * host), as repository paths under the host, sorted.
 */
export async function listGoogleRepositories(api: ProviderRegistryApi, ctx: ProviderContext, namespace?: string): Promise<string[]> {
  const g = parseGoogleHost(api.host);
  const ns = (namespace ?? '').replace(/^\/+|\/+$/g, '');
  if (!g || !ns) {
    throw new RegctlError('USAGE', `${api.host} lists images per project: regctl list ${api.host}/<project>`, {
      hint: 'Artifact Registry and gcr.io have no registry-wide catalog',
    });
  }
  const [project, arRepo] = ns.split('/') as [string, string | undefined];
  const token = await apiAccessToken(ctx.credential, ctx.env, ctx.logger);
  if (!token) {
    throw new RegctlError('UNAUTHORIZED', `listing ${api.host}/${project} needs Google credentials`, {
      hint: 'gcloud auth application-default login, set GOOGLE_APPLICATION_CREDENTIALS, or regctl login with _json_key',
    });
  }
  const parent = `${ARTIFACT_REGISTRY_API}/projects/${encodeURIComponent(project)}/locations/${g.location}`;
  let repoIds: string[];
  if (g.kind === 'gcr') {
    // gcr.io names live in Artifact Registry repositories named after the host (Google's gcr.io
    // transition guide: repository `gcr.io`, `eu.gcr.io`, ...).
    repoIds = [api.host];
  } else if (arRepo) {
    repoIds = [arRepo];
  } else {
    const repos = await listAll<{ name?: string; format?: string }>(ctx.http, `${parent}/repositories`, 'repositories', token);
    repoIds = repos.filter((r) => r.format === 'DOCKER' && r.name).map((r) => r.name!.slice(r.name!.lastIndexOf('/') + 1));
  }
  const found = new Set<string>();
  const prefix = `${api.host}/`;
  for (const id of repoIds) {
    const images = await listAll<{ uri?: string }>(ctx.http, `${parent}/repositories/${encodeURIComponent(id)}/dockerImages`, 'dockerImages', token);
    for (const img of images) {
      // `uri` is `<host>/<project>/<repo>/<image>@sha256:...`; one entry per digest.
      if (!img.uri?.startsWith(prefix)) continue;
      const path = img.uri.slice(prefix.length).replace(/@.*$/, '');
      if (path === ns || path.startsWith(`${ns}/`)) found.add(path);
    }
  }
  return [...found].sort();
}
