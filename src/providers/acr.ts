/**
 * Azure Container Registry: an Entra ID token from DefaultAzureCredential exchanged at
 * `/oauth2/exchange` for an ACR refresh token, which the auth layer trades at `/oauth2/token`
 * for access tokens per scope; `az acr login --expose-token` logins (null-GUID user); untag
 * through ACR's own API; tokens per repository. REGISTRIES.md, "Azure Container Registry".
 */
import { repositoryScope } from '../auth/scope.js';
import { jwtExpiry } from '../auth/token-reply.js';
import { formatRegistryErrors, parseRegistryErrors } from '../auth/registry-errors.js';
import type { Credential } from '../credentials/types.js';
import { RegctlError } from '../errors.js';
import { readText, readTextQuietly } from '../transport/read-body.js';
import { parseAcrHost } from './acr-host.js';
import { entraToken } from './acr-identity.js';
import { cachedSecret } from './expiring-secret.js';
import type { Provider, ProviderContext, ProviderRegistryApi } from './types.js';

/**
 * The user name that marks an ACR refresh token as the password (`az acr login --expose-token`,
 * docker's `identitytoken` for ACR). REGISTRIES.md, "Azure Container Registry".
 */
export const ACR_NULL_GUID = '00000000-0000-0000-0000-000000000000';

/** ACR refresh tokens live 3 hours; used when the token's own `exp` cannot be read. */
const REFRESH_LIFETIME_MS = 3 * 3600_000;

/**
 * Trades an Entra access token for an ACR refresh token:
 * `POST https://<registry>/oauth2/exchange` with `grant_type=access_token&service=<registry>
 * &tenant=<tid>&access_token=<token>` -> `{"refresh_token"}`.
 */
async function exchange(host: string, aad: { token: string; tenant?: string }, ctx: ProviderContext): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'access_token', service: host, access_token: aad.token });
  if (aad.tenant) form.set('tenant', aad.tenant);
  const body = form.toString();
  const res = await ctx.http.send({
    method: 'POST',
    url: `https://${host}/oauth2/exchange`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: () => body,
  });
  if (res.status !== 200) {
    const errors = parseRegistryErrors(await readTextQuietly(res.body));
    const detail = errors ? formatRegistryErrors(errors) : `HTTP ${res.status}`;
    throw new RegctlError(res.status === 401 || res.status === 403 ? 'UNAUTHORIZED' : 'REGISTRY_ERROR',
      `${host} refused the Entra ID token at /oauth2/exchange: ${detail}`, {
        status: res.status,
        hint: 'the identity needs a role on the registry (AcrPull to pull, AcrPush to push)',
      });
  }
  let refresh: unknown;
  try {
    refresh = (JSON.parse(await readText(res.body)) as { refresh_token?: unknown }).refresh_token;
  } catch {
    refresh = undefined;
  }
  if (typeof refresh !== 'string' || !refresh) throw new RegctlError('INVALID_INPUT', `${host}/oauth2/exchange returned no refresh_token`);
  return refresh;
}

async function credentials(host: string, ctx: ProviderContext): Promise<Credential | undefined> {
  const acr = parseAcrHost(host);
  if (!acr) return undefined;
  const s = await cachedSecret(`acr:${host}`, async () => {
    const aad = await entraToken(acr.cloud, ctx.env, ctx.logger);
    if (!aad) return undefined;
    const refresh = await exchange(host, aad, ctx);
    return { secret: refresh, expiresAt: jwtExpiry(refresh) ?? Date.now() + REFRESH_LIFETIME_MS };
  });
  if (!s) return undefined;
  return { username: ACR_NULL_GUID, identityToken: s.secret, expiresAt: s.expiresAt, source: 'Azure DefaultAzureCredential via /oauth2/exchange' };
}

/**
 * A null-GUID login's password is an ACR refresh token: the auth layer must send it in the
 * refresh_token grant to `/oauth2/token`, not as a Basic password.
 */
function normalizeCredential(_host: string, c: Credential): Credential {
  if (c.username !== ACR_NULL_GUID || !c.password || c.identityToken) return c;
  const { password, ...rest } = c;
  return { ...rest, identityToken: password };
}

/**
 * Removes one tag with ACR's own API, `DELETE /acr/v1/<repo>/_tags/<tag>`: `/v2` DELETE by tag
 * is not supported there (REGISTRIES.md). The repository must allow deletes (`deleteEnabled`).
 */
async function untag(api: ProviderRegistryApi, repo: string, tag: string): Promise<boolean> {
  const res = await api.send({ method: 'DELETE', path: `/acr/v1/${repo}/_tags/${encodeURIComponent(tag)}` }, [repositoryScope(repo, ['delete'])]);
  if (res.status === 202 || res.status === 200 || res.status === 204) {
    await res.body.dump().catch(() => undefined);
    return true;
  }
  const errors = parseRegistryErrors(await readTextQuietly(res.body)) ?? [];
  const detail = errors.length ? formatRegistryErrors(errors) : `HTTP ${res.status}`;
  const what = `DELETE ${api.host}/${repo}:${tag}: ${detail}`;
  if (res.status === 404) throw new RegctlError('MANIFEST_UNKNOWN', what, { status: 404, registryErrors: errors });
  if (res.status === 403 || res.status === 405) {
    throw new RegctlError('DENIED', what, { status: res.status, registryErrors: errors, hint: 'the repository may have deleteEnabled=false (az acr repository update --delete-enabled true)' });
  }
  throw new RegctlError('REGISTRY_ERROR', what, { status: res.status, registryErrors: errors });
}

/** Azure Container Registry: `<name>.azurecr.io`, `.azurecr.cn`, `.azurecr.us`. */
export const acr: Provider = {
  name: 'acr',
  matches: (host) => parseAcrHost(host) !== undefined,
  credentials,
  normalizeCredential,
  untag,
  // One token for very many repositories can overflow ACR's header limit (REGISTRIES.md, ACR).
  // Nothing to configure: the auth layer asks for a token per request's own scopes (one
  // repository, two for a mount), never one token for a whole copy or sync.
};
