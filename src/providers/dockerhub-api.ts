/**
 * Docker Hub's own API on hub.docker.com (REGISTRIES.md, "Docker Hub"): a login JWT from
 * `POST /v2/auth/token` with the user name and a personal access token, tag removal, and the
 * repository listing of a namespace (the registry offers no catalog).
 */
import type { Credential } from '../credentials/types.js';
import { RegctlError, isRegctlError, registerSecret } from '../errors.js';
import type { HttpSender } from '../transport/types.js';
import { apiJson, apiSend, jsonBody } from './generic-api.js';

/** The Hub API origin. */
export const HUB_API = 'https://hub.docker.com';

/** Listing pages followed at most (100 repositories each). */
const MAX_PAGES = 1000;

const jwts = new Map<string, Promise<string>>();

/**
 * A Hub login JWT for the credential, fetched once per process and user. Hub documents the
 * reply's `access_token`; its older `/v2/users/login` answered `token`, so either is taken.
 */
export function hubJwt(http: HttpSender, cred: Credential): Promise<string> {
  if (!cred.username || !cred.password) {
    throw new RegctlError('UNAUTHORIZED', 'the Docker Hub API needs a login with a user name and a personal access token', { hint: 'regctl login docker.io -u <user>' });
  }
  const key = cred.username;
  let jwt = jwts.get(key);
  if (!jwt) {
    jwt = apiJson(http, {
      method: 'POST', url: `${HUB_API}/v2/auth/token`,
      ...jsonBody({ identifier: cred.username, secret: cred.password }),
    }, `Docker Hub login of ${cred.username}`, 'check the Docker Hub user name and personal access token with `regctl login docker.io`').then(({ body }) => {
      const b = body as { access_token?: unknown; token?: unknown };
      const t = typeof b.access_token === 'string' ? b.access_token : b.token;
      if (typeof t !== 'string' || t === '') throw new RegctlError('INVALID_INPUT', 'Docker Hub login: the reply carries no token');
      registerSecret(t);
      return t;
    });
    jwt.catch(() => jwts.delete(key));
    jwts.set(key, jwt);
  }
  return jwt;
}

/** Splits a Hub repository (`ns/name`) into URL-encoded parts. */
function repoPath(repo: string): string {
  const parts = repo.split('/');
  if (parts.length !== 2) throw new RegctlError('INVALID_REFERENCE', `Docker Hub repositories are <namespace>/<name>, not ${JSON.stringify(repo)}`);
  return parts.map(encodeURIComponent).join('/');
}

/** Removes one tag with `DELETE /v2/repositories/{ns}/{repo}/tags/{tag}`. */
export async function hubDeleteTag(http: HttpSender, jwt: string, repo: string, tag: string): Promise<void> {
  const what = `Docker Hub: untag docker.io/${repo}:${tag}`;
  try {
    const res = await apiSend(http, {
      method: 'DELETE', url: `${HUB_API}/v2/repositories/${repoPath(repo)}/tags/${encodeURIComponent(tag)}`,
      headers: { authorization: `Bearer ${jwt}` },
    }, what);
    await res.body.dump().catch(() => undefined);
  } catch (e) {
    if (isRegctlError(e, 'NOT_FOUND')) throw new RegctlError('MANIFEST_UNKNOWN', `docker.io/${repo}:${tag}: no such tag`, { status: 404 });
    throw e;
  }
}

/**
 * The repositories of a namespace, `ns/name` each, following the paged reply's `next` link. The
 * JWT, when given, shows private repositories too; it is only ever sent to hub.docker.com.
 */
export async function hubListRepositories(http: HttpSender, namespace: string, jwt?: string): Promise<string[]> {
  const out: string[] = [];
  let url: string | undefined = `${HUB_API}/v2/repositories/${encodeURIComponent(namespace)}/?page_size=100`;
  for (let page = 0; url !== undefined; page++) {
    if (page >= MAX_PAGES) throw new RegctlError('INVALID_INPUT', `Docker Hub: more than ${MAX_PAGES} pages of repositories in ${namespace}`);
    const { body } = await apiJson(http, { method: 'GET', url, ...(jwt && { headers: { authorization: `Bearer ${jwt}` } }) }, `Docker Hub: list repositories of ${namespace}`);
    const b = body as { results?: unknown; next?: unknown };
    if (!Array.isArray(b.results)) throw new RegctlError('INVALID_INPUT', 'Docker Hub: the repository listing has no "results"');
    for (const r of b.results as Array<{ name?: unknown; namespace?: unknown }>) {
      if (typeof r?.name === 'string') out.push(`${typeof r.namespace === 'string' ? r.namespace : namespace}/${r.name}`);
    }
    const next: URL | undefined = typeof b.next === 'string' && b.next !== '' ? new URL(b.next, url) : undefined;
    // The JWT must not follow a link to another host.
    if (next && next.origin !== new URL(HUB_API).origin) throw new RegctlError('INSECURE', `Docker Hub: refusing a listing page on ${next.origin}`);
    url = next?.toString();
  }
  return out;
}
