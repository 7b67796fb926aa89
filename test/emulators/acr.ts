/**
 * Azure Container Registry emulator: `<name>.azurecr.io` and an Entra ID authority
 * (acr-entra.ts, reached by the SDK at `https://127.0.0.1:<port>` through AZURE_AUTHORITY_HOST),
 * on one TLS port in front of a real distribution registry. Each behaviour follows REGISTRIES.md,
 * "Azure Container Registry":
 * - `Bearer realm="https://<reg>/oauth2/token",service="<reg>"`;
 * - `POST /oauth2/exchange` (`grant_type=access_token&service&tenant&access_token`) trades an
 *   Entra token (ARM audience) for a refresh token (3 h JWT);
 * - `POST /oauth2/token` (`grant_type=refresh_token&service&scope&refresh_token`) returns
 *   `{"access_token"}` with no `expires_in`: the expiry is the JWT's `exp`;
 * - admin users and repository-scoped tokens log in with Basic (`GET /oauth2/token`); scoped
 *   tokens cannot list the catalog;
 * - `/v2` DELETE by tag is unsupported; untag with `DELETE /acr/v1/<repo>/_tags/<tag>`;
 * - `/v2/_catalog` pages with `Link` (regsync stopped at 100 ACR repos, RC#404).
 */
import { randomBytes } from 'node:crypto';
import type { RunningRegistry } from '../harness/registry.js';
import { EntraTenant, claimsOf, jwt } from './acr-entra.js';
import { removeUpstreamTag, startEmulator, upstreamRepositories, v2Access, type Emulator, type EmulatorCall } from './proxy.js';
import { allows, parseScopes, type Access } from './tokens.js';

export const ACR_HOST = 'myreg.azurecr.io';
const ARM = 'https://management.azure.com';
export const NULL_GUID = '00000000-0000-0000-0000-000000000000';

/** A Basic login: the admin user (everything) or a repository-scoped token. */
export interface AcrBasicUser {
  password: string;
  /** Repositories and actions a scoped token may use; absent: admin, everything. */
  scope?: Access[];
}

/** Options of {@link startAcr}. */
export interface AcrOptions {
  users?: Record<string, AcrBasicUser>;
  /** Access token lifetime (JWT `exp`, real time); default 3600 s. */
  accessTokenTtlSeconds?: number;
  /** Refresh token lifetime; default 3 h, as ACR's. */
  refreshTokenTtlSeconds?: number;
  /** Entra access token lifetime; default 3600 s. */
  entraTokenTtlSeconds?: number;
  /** Catalog page size; default 100. */
  catalogPageSize?: number;
  /** Delay before each blob PUT is answered. */
  uploadDelayMs?: number;
  upstream?: RunningRegistry;
}

/** A running emulator. */
export interface AcrEmulator extends Emulator {
  entra: EntraTenant;
  /** `AZURE_AUTHORITY_HOST` */
  authorityHost: string;
  /** Issues a refresh token as `az acr login --expose-token` prints it. */
  exposeToken(): string;
  /** Calls seen: `exchange`, `refresh_token`, `password`, `basic`, `untag`. */
  calls: string[];
  /** Environment with an Entra service principal in env vars (EnvironmentCredential). */
  azureEnv: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// JWT validators allow some clock skew; one second keeps the expiry test independent of how
// fast a busy machine schedules a request between the client's check and the server's.
const SKEW_MS = 1000;

/** Starts the emulator. */
export async function startAcr(opts: AcrOptions = {}): Promise<AcrEmulator> {
  const users = opts.users ?? {};
  const accessTtl = opts.accessTokenTtlSeconds ?? 3600;
  const refreshTtl = opts.refreshTokenTtlSeconds ?? 3 * 3600;
  const pageSize = opts.catalogPageSize ?? 100;
  const refreshTokens = new Map<string, { expiresAt: number; subject: string }>();
  const accessTokens = new Map<string, { expiresAt: number; access: Access[]; catalog: boolean }>();
  const calls: string[] = [];
  let origin = '';
  const entra = new EntraTenant(() => origin, opts.entraTokenTtlSeconds ?? 3600);
  let upstream!: RunningRegistry;

  const issueRefresh = (subject: string) => {
    const now = Math.floor(Date.now() / 1000);
    const token = jwt({ iss: 'Azure Container Registry', aud: ACR_HOST, sub: subject, grant_type: 'refresh_token', iat: now, exp: now + refreshTtl });
    refreshTokens.set(token, { expiresAt: Date.now() + refreshTtl * 1000, subject });
    return token;
  };

  const issueAccess = (call: EmulatorCall, scopes: string[], limit?: Access[]) => {
    let access = parseScopes(scopes);
    const catalog = scopes.join(' ').split(' ').includes('registry:catalog:*') && !limit;
    if (limit) {
      access = access.map((a) => ({ repo: a.repo, actions: a.actions.filter((x) => allows({ subject: '', access: limit, issuedAt: 0, expiresAt: 0 }, a.repo, x)) }));
    }
    const now = Math.floor(Date.now() / 1000);
    const token = jwt({ iss: 'Azure Container Registry', aud: ACR_HOST, access: access.map((a) => ({ type: 'repository', name: a.repo, actions: a.actions })), iat: now, exp: now + accessTtl });
    accessTokens.set(token, { expiresAt: Date.now() + accessTtl * 1000, access, catalog });
    // No expires_in: clients read `exp` from the JWT (REGISTRIES.md).
    return call.json(200, { access_token: token });
  };

  const oauth = async (call: EmulatorCall) => {
    const path = call.url.pathname;
    if (path === '/oauth2/exchange' && call.method === 'POST') {
      const form = new URLSearchParams((await call.body()).toString('utf8'));
      const aad = form.get('access_token') ?? '';
      if (form.get('grant_type') !== 'access_token' || form.get('service') !== ACR_HOST) return call.error(400, 'UNSUPPORTED', 'bad exchange request');
      if (form.get('tenant') !== null && form.get('tenant') !== entra.tenantId) return call.error(401, 'UNAUTHORIZED', 'tenant mismatch');
      if (!entra.check(aad, ARM)) return call.error(401, 'UNAUTHORIZED', 'The access token is invalid or expired');
      calls.push('exchange');
      return call.json(200, { refresh_token: issueRefresh(String(claimsOf(aad)?.oid ?? 'sp')) });
    }
    if (path !== '/oauth2/token') return call.error(404, 'NOT_FOUND', 'not found');
    if (call.method === 'POST') {
      const form = new URLSearchParams((await call.body()).toString('utf8'));
      if (form.get('service') !== ACR_HOST) return call.error(400, 'UNSUPPORTED', 'bad service');
      const scopes = form.getAll('scope');
      if (form.get('grant_type') === 'refresh_token') {
        const r = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!r || Date.now() >= r.expiresAt + SKEW_MS) return call.error(401, 'UNAUTHORIZED', 'The refresh token is invalid or expired');
        calls.push('refresh_token');
        return issueAccess(call, scopes);
      }
      if (form.get('grant_type') === 'password') {
        const u = users[form.get('username') ?? ''];
        if (!u || u.password !== form.get('password')) return call.error(401, 'UNAUTHORIZED', 'Invalid username or password');
        calls.push('password');
        return issueAccess(call, scopes, u.scope);
      }
      return call.error(400, 'UNSUPPORTED', 'unsupported grant_type');
    }
    // GET with Basic: admin user or scoped token.
    const a = call.authorization;
    const u = a?.scheme === 'basic' ? users[a.user] : undefined;
    if (!u || a?.scheme !== 'basic' || u.password !== a.password) return call.error(401, 'UNAUTHORIZED', 'Invalid username or password');
    calls.push('basic');
    return issueAccess(call, call.url.searchParams.getAll('scope'), u.scope);
  };

  const catalog = async (call: EmulatorCall) => {
    const all = (await upstreamRepositories(upstream)).sort();
    const last = call.url.searchParams.get('last');
    const n = Math.min(Number(call.url.searchParams.get('n') ?? pageSize), pageSize);
    const rest = last ? all.filter((r) => r > last) : all;
    const page = rest.slice(0, n);
    const headers: Record<string, string> = {};
    if (rest.length > n) headers.link = `</v2/_catalog?last=${encodeURIComponent(page.at(-1)!)}&n=${n}>; rel="next"`;
    return call.json(200, { repositories: page }, headers);
  };

  const registry = async (call: EmulatorCall): Promise<boolean | void> => {
    const path = call.url.pathname;
    if (path.startsWith('/oauth2/')) return oauth(call);
    const challenge = { 'www-authenticate': `Bearer realm="https://${ACR_HOST}/oauth2/token",service="${ACR_HOST}"` };
    const token = call.authorization?.scheme === 'bearer' ? accessTokens.get(call.authorization.token) : undefined;
    const live = token && Date.now() < token.expiresAt + SKEW_MS ? token : undefined;
    if (!live) return call.error(401, 'UNAUTHORIZED', 'authentication required', challenge);
    const grant = { subject: '', access: live.access, issuedAt: 0, expiresAt: 0 };
    if (path === '/v2/' || path === '/v2') return call.json(200, {});
    if (path === '/v2/_catalog') {
      if (!live.catalog) return call.error(401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': `${challenge['www-authenticate']},scope="registry:catalog:*"` });
      return catalog(call);
    }
    const untag = /^\/acr\/v1\/(.+)\/_tags\/([^/]+)$/.exec(path);
    if (untag) {
      const [, repo, tag] = untag as unknown as [string, string, string];
      if (call.method !== 'DELETE') return call.error(405, 'UNSUPPORTED', 'method not allowed');
      if (!allows(grant, repo, 'delete')) return call.error(401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': `${challenge['www-authenticate']},scope="repository:${repo}:delete"` });
      if (!(await removeUpstreamTag(upstream, repo, decodeURIComponent(tag)))) return call.error(404, 'TAG_UNKNOWN', 'the specified tag does not exist');
      calls.push('untag');
      call.res.writeHead(202, { 'content-length': '0' });
      call.res.end();
      return;
    }
    const access = v2Access(call.method, path);
    if (!access) return call.error(404, 'NOT_FOUND', 'not found');
    if (!allows(grant, access.repo, access.action)) {
      return call.error(401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': `${challenge['www-authenticate']},scope="repository:${access.repo}:${access.action}",error="insufficient_scope"` });
    }
    if (access.action === 'delete' && /\/manifests\/(?!sha256:)/.test(path)) {
      return call.error(405, 'UNSUPPORTED', 'The operation is unsupported.');
    }
    if (call.method === 'PUT' && path.includes('/blobs/uploads/')) await sleep(opts.uploadDelayMs ?? 0);
    return false;
  };

  const emulator = await startEmulator({
    names: [ACR_HOST],
    ...(opts.upstream && { upstream: opts.upstream }),
    handler: (call) => (call.host === ACR_HOST ? registry(call) : call.host === '127.0.0.1' ? entra.handle(call) : call.error(404, 'NOT_FOUND', `unknown host ${call.host}`)),
  });
  upstream = emulator.upstream;
  origin = `https://127.0.0.1:${emulator.port}`;
  return {
    ...emulator,
    entra,
    authorityHost: origin,
    exposeToken: () => issueRefresh('cli-user'),
    calls,
    azureEnv: {
      ...emulator.env,
      NODE_EXTRA_CA_CERTS: emulator.caFile,
      AZURE_AUTHORITY_HOST: origin,
      AZURE_TENANT_ID: entra.tenantId,
      AZURE_CLIENT_ID: entra.clientId,
      AZURE_CLIENT_SECRET: entra.clientSecret,
    },
  };
}

/** A random password for Basic users. */
export const acrPassword = () => randomBytes(16).toString('base64url');
