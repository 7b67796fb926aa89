/**
 * Docker Hub emulator: `registry-1.docker.io`, its token service `auth.docker.io` and the Hub
 * API `hub.docker.com`, on one TLS port in front of a real distribution registry. Every
 * behaviour follows REGISTRIES.md, "Docker Hub":
 * - challenge `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"` with no
 *   scope; tokens by GET, anonymous (pull) or Basic with a personal access token (push to the
 *   user's own namespace); `expires_in` 300 s;
 * - `ratelimit-limit`/`ratelimit-remaining` (`N;w=21600`) and `docker-ratelimit-source` on
 *   manifest responses; a manifest GET counts as a pull, a HEAD does not; 429 when used up;
 * - no catalog; DELETE of a manifest by tag is refused, by digest refused (403) while a tag
 *   still points at it;
 * - Hub API: `POST /v2/auth/token {identifier, secret}` -> JWT; `DELETE
 *   /v2/repositories/{ns}/{repo}/tags/{tag}`; `GET /v2/repositories/{ns}/` paged with `next`.
 */
import type { RunningRegistry } from '../harness/registry.js';
import {
  removeUpstreamTag, startEmulator, upstreamRepositories, upstreamTags, v2Access,
  type Emulator, type EmulatorCall,
} from './proxy.js';
import { TokenIssuer, allows, parseScopes, type Access } from './tokens.js';

export const HUB_REGISTRY = 'registry-1.docker.io';
export const HUB_AUTH = 'auth.docker.io';
export const HUB_API = 'hub.docker.com';
const SERVICE = 'registry.docker.io';
const WINDOW = 21600;

/** Options of {@link startDockerHub}. */
export interface DockerHubOptions {
  /** Hub users and their personal access tokens. */
  users?: Record<string, string>;
  /** Registry token lifetime; default 300 s, as Hub's. */
  tokenTtlSeconds?: number;
  /** Pull quota per window; default 100. */
  pullLimit?: number;
  /** Moves the emulator's clock on by this much after every completed blob upload (a long copy). */
  advancePerUploadMs?: number;
  /** Largest page of the Hub repository listing; default 100, as Hub's. */
  maxPageSize?: number;
  upstream?: RunningRegistry;
}

/** A running Docker Hub emulator. */
export interface DockerHubEmulator extends Emulator {
  /** Registry tokens (its clock is the emulator's clock). */
  tokens: TokenIssuer;
  /**
   * Changeable while running. With a clock step per upload, concurrent uploads can meet a token
   * that expired a moment ago in the middle of a one-shot PUT (an artifact of the jump, which
   * real clocks do not make): run such copies with `--concurrency 1`.
   */
  settings: { advancePerUploadMs: number };
  /** Pulls left in the window. */
  remaining: number;
  /** Token requests seen, with the user (or '' for anonymous). */
  tokenRequests: Array<{ user: string; scopes: string[] }>;
}

/** Starts the emulator; point clients at it with `emulator.env` or `emulator.connectTo`. */
export async function startDockerHub(opts: DockerHubOptions = {}): Promise<DockerHubEmulator> {
  const users = opts.users ?? {};
  const ttl = opts.tokenTtlSeconds ?? 300;
  const limit = opts.pullLimit ?? 100;
  const settings = { advancePerUploadMs: opts.advancePerUploadMs ?? 0 };
  const tokens = new TokenIssuer('hub');
  const jwts = new TokenIssuer('hubjwt');
  const state = { remaining: limit };
  const tokenRequests: DockerHubEmulator['tokenRequests'] = [];
  let upstream!: RunningRegistry;

  const challenge = (extra = '') => ({ 'www-authenticate': `Bearer realm="https://${HUB_AUTH}/token",service="${SERVICE}"${extra}` });
  const rateHeaders = () => ({
    'ratelimit-limit': `${limit};w=${WINDOW}`,
    'ratelimit-remaining': `${Math.max(0, state.remaining)};w=${WINDOW}`,
    'docker-ratelimit-source': '192.0.2.10',
  });

  const token = (call: EmulatorCall) => {
    if (call.method !== 'GET' || call.url.pathname !== '/token') return call.error(404, 'NOT_FOUND', 'no such endpoint');
    if (call.url.searchParams.get('service') !== SERVICE) return call.error(400, 'INVALID_REQUEST', 'unknown service');
    const a = call.authorization;
    let user = '';
    if (a) {
      if (a.scheme !== 'basic' || users[a.user] === undefined || users[a.user] !== a.password) {
        return call.json(401, { details: 'incorrect username or password' });
      }
      user = a.user;
    }
    const asked = parseScopes(call.url.searchParams.getAll('scope'));
    tokenRequests.push({ user, scopes: call.url.searchParams.getAll('scope') });
    // Anyone may pull (every emulated repository is public); a user may also push and delete
    // in their own namespace. Hub grants less than asked without an error.
    const granted: Access[] = asked.map((s) => ({
      repo: s.repo,
      actions: s.actions.filter((x) => x === 'pull' || (user !== '' && s.repo.startsWith(`${user}/`))),
    }));
    const { token: t, grant } = tokens.issue(user, granted, ttl);
    call.json(200, { token: t, access_token: t, expires_in: ttl, issued_at: new Date(grant.issuedAt).toISOString() });
  };

  const registry = async (call: EmulatorCall): Promise<boolean | void> => {
    const path = call.url.pathname;
    const grant = call.authorization?.scheme === 'bearer' ? tokens.check(call.authorization.token) : undefined;
    if (!grant) return call.error(401, 'UNAUTHORIZED', 'authentication required', challenge());
    if (path === '/v2/' || path === '/v2') return call.json(200, {});
    const access = v2Access(call.method, path);
    if (!access) return call.error(404, 'NOT_FOUND', 'the catalog is not offered');
    if (!allows(grant, access.repo, access.action)) {
      return call.error(401, 'DENIED', 'requested access to the resource is denied',
        challenge(`,scope="repository:${access.repo}:${access.action}",error="insufficient_scope"`));
    }
    const manifest = /\/manifests\/([^/]+)$/.exec(path)?.[1];
    if (manifest && call.method === 'DELETE') {
      if (!manifest.startsWith('sha256:')) return call.error(405, 'UNSUPPORTED', 'deleting by tag is not supported; use the Hub API');
      const tagged = [...(await upstreamTags(upstream, access.repo)).values()].includes(manifest);
      if (tagged) return call.error(403, 'DENIED', 'the manifest is still tagged');
    }
    if (manifest && (call.method === 'GET' || call.method === 'HEAD')) {
      if (call.method === 'GET') {
        if (state.remaining <= 0) return call.error(429, 'TOOMANYREQUESTS', 'You have reached your pull rate limit.', rateHeaders());
        state.remaining--;
      }
      for (const [k, v] of Object.entries(rateHeaders())) call.res.setHeader(k, v);
    }
    await call.proxy();
    if (call.method === 'PUT' && /\/blobs\/uploads\//.test(path) && call.res.statusCode === 201 && settings.advancePerUploadMs > 0) {
      tokens.clock.advance(settings.advancePerUploadMs);
    }
  };

  const hubApi = async (call: EmulatorCall): Promise<void> => {
    const path = call.url.pathname;
    if (call.method === 'POST' && path === '/v2/auth/token') {
      const body = JSON.parse((await call.body()).toString('utf8') || '{}') as { identifier?: string; secret?: string };
      if (!body.identifier || users[body.identifier] === undefined || users[body.identifier] !== body.secret) {
        return call.json(401, { detail: 'Incorrect authentication credentials' });
      }
      return call.json(200, { access_token: jwts.issue(body.identifier, [], 600).token });
    }
    const jwt = call.authorization?.scheme === 'bearer' ? jwts.check(call.authorization.token) : undefined;
    const del = /^\/v2\/repositories\/([^/]+)\/([^/]+)\/tags\/([^/]+)\/?$/.exec(path);
    if (call.method === 'DELETE' && del) {
      const [ns, name, tag] = del.slice(1).map(decodeURIComponent) as [string, string, string];
      if (!jwt) return call.json(401, { detail: 'Authentication credentials were not provided.' });
      if (jwt.subject !== ns) return call.json(403, { detail: 'You do not have permission to perform this action.' });
      return (await removeUpstreamTag(upstream, `${ns}/${name}`, tag)) ? void call.res.writeHead(204).end() : call.json(404, { message: 'tag not found' });
    }
    const list = /^\/v2\/repositories\/([^/]+)\/?$/.exec(path);
    if (call.method === 'GET' && list) {
      const ns = decodeURIComponent(list[1]!);
      const size = Math.min(Number(call.url.searchParams.get('page_size') ?? 10) || 10, opts.maxPageSize ?? 100);
      const page = Number(call.url.searchParams.get('page') ?? 1) || 1;
      const all = (await upstreamRepositories(upstream)).filter((r) => r.startsWith(`${ns}/`) && r.split('/').length === 2).sort();
      const results = all.slice((page - 1) * size, page * size).map((r) => ({ name: r.split('/')[1], namespace: ns }));
      const next = page * size < all.length ? `https://${HUB_API}/v2/repositories/${ns}/?page=${page + 1}&page_size=${size}` : null;
      return call.json(200, { count: all.length, next, previous: null, results });
    }
    call.json(404, { message: 'object not found' });
  };

  const emulator = await startEmulator({
    names: [HUB_REGISTRY, HUB_AUTH, HUB_API],
    ...(opts.upstream && { upstream: opts.upstream }),
    handler: (call) => (call.host === HUB_AUTH ? token(call) : call.host === HUB_API ? hubApi(call) : registry(call)),
  });
  upstream = emulator.upstream;
  const hub = Object.assign(emulator, { tokens, tokenRequests, settings }) as DockerHubEmulator;
  Object.defineProperty(hub, 'remaining', { get: () => state.remaining, set: (n: number) => { state.remaining = n; } });
  return hub;
}
