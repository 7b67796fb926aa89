import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryAuth } from '../../src/auth/auth-client.js';
import { TokenCache, tokenCacheKey } from '../../src/auth/token-cache.js';
import { jwtExpiry, parseTokenReply } from '../../src/auth/token-reply.js';
import { fetchToken } from '../../src/auth/token.js';
import type { Credential } from '../../src/credentials/types.js';
import { isRegctlError, RegctlError, redact } from '../../src/errors.js';
import { HttpClient } from '../../src/transport/http.js';

// ---------------------------------------------------------------- pure parts

const NOW = Date.parse('2024-05-01T12:00:00Z');
const jwt = (claims: object) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('parseTokenReply', () => {
  it.each<[string, unknown, { token: string; expiresAt: number; refreshToken?: string }]>([
    ['token + expires_in', { token: 'tok-aaaaaa', expires_in: 300 }, { token: 'tok-aaaaaa', expiresAt: NOW + 300_000 }],
    ['access_token only', { access_token: 'acc-aaaaaa', expires_in: 120 }, { token: 'acc-aaaaaa', expiresAt: NOW + 120_000 }],
    ['token preferred over access_token', { token: 't-aaaaaa', access_token: 'a-aaaaaa', expires_in: 60 }, { token: 't-aaaaaa', expiresAt: NOW + 60_000 }],
    ['empty token falls back to access_token', { token: '', access_token: 'a-aaaaaa' }, { token: 'a-aaaaaa', expiresAt: NOW + 60_000 }],
    ['missing expires_in -> 60 s', { token: 'tok-aaaaaa' }, { token: 'tok-aaaaaa', expiresAt: NOW + 60_000 }],
    ['short expires_in raised to 60 s', { token: 'tok-aaaaaa', expires_in: 10 }, { token: 'tok-aaaaaa', expiresAt: NOW + 60_000 }],
    ['issued_at respected', { token: 'tok-aaaaaa', expires_in: 300, issued_at: '2024-05-01T11:58:00Z' }, { token: 'tok-aaaaaa', expiresAt: NOW + 180_000 }],
    ['issued_at in the future is clamped to now', { token: 'tok-aaaaaa', expires_in: 300, issued_at: '2024-05-01T13:00:00Z' }, { token: 'tok-aaaaaa', expiresAt: NOW + 300_000 }],
    ['bad issued_at ignored', { token: 'tok-aaaaaa', expires_in: 300, issued_at: 'yesterday' }, { token: 'tok-aaaaaa', expiresAt: NOW + 300_000 }],
    ['JWT exp when expires_in is missing (ACR)', { access_token: jwt({ exp: NOW / 1000 + 3 * 3600 }) }, { token: jwt({ exp: NOW / 1000 + 3 * 3600 }), expiresAt: NOW + 3 * 3600_000 }],
    ['refresh_token kept', { token: 'tok-aaaaaa', refresh_token: 'ref-aaaaaa' }, { token: 'tok-aaaaaa', expiresAt: NOW + 60_000, refreshToken: 'ref-aaaaaa' }],
  ])('%s', (_n, body, expected) => {
    expect(parseTokenReply(body, NOW)).toEqual(expected);
  });

  it.each([null, 'str', [], {}, { token: 5 }, { expires_in: 60 }])('rejects %j with INVALID_INPUT', (body) => {
    expect(() => parseTokenReply(body, NOW)).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('registers the token as a secret', () => {
    parseTokenReply({ token: 'opaque-token-value-123' }, NOW);
    expect(redact('got opaque-token-value-123 back')).toBe('got *** back');
  });

  it('jwtExpiry ignores non-JWTs and JWTs without exp', () => {
    expect(jwtExpiry('abc')).toBeUndefined();
    expect(jwtExpiry(jwt({ sub: 'x' }))).toBeUndefined();
    expect(jwtExpiry('a.!!!.c')).toBeUndefined();
  });
});

describe('TokenCache', () => {
  it('expires entries a margin before expiresAt (min of 30 s and 10 %)', async () => {
    let now = 0;
    const cache = new TokenCache({ now: () => now });
    cache.set('long', { token: 'a', expiresAt: 3600_000 });
    cache.set('short', { token: 'b', expiresAt: 60_000 });
    now = 3600_000 - 30_001;
    expect(cache.peek('long')?.token).toBe('a');
    now = 3600_000 - 30_000;
    expect(cache.peek('long')).toBeUndefined();
    now = 54_000 - 1;
    expect(cache.peek('short')?.token).toBe('b');
    now = 54_000;
    expect(cache.peek('short')).toBeUndefined();
  });

  it('shares one fetch between concurrent callers and does not cache failures', async () => {
    const cache = new TokenCache();
    let calls = 0;
    const fetch = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { token: `t${calls}`, expiresAt: Date.now() + 300_000 };
    };
    const tokens = await Promise.all([1, 2, 3].map(() => cache.get('k', fetch)));
    expect(tokens.map((t) => t.token)).toEqual(['t1', 't1', 't1']);
    expect(calls).toBe(1);
    cache.invalidate('k');
    expect((await cache.get('k', fetch)).token).toBe('t2');
    await expect(cache.get('f', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await cache.get('f', fetch)).token).toBe('t3');
  });

  it('keys ignore scope order but not account, service or realm', () => {
    const k = (o: Partial<Parameters<typeof tokenCacheKey>[0]>) => tokenCacheKey({ realm: 'r', scopes: [], ...o });
    expect(k({ scopes: ['repository:a:pull', 'repository:b:pull'] })).toBe(k({ scopes: ['repository:b:pull', 'repository:a:pull'] }));
    expect(k({ account: 'x' })).not.toBe(k({ account: 'y' }));
    expect(k({ service: 'x' })).not.toBe(k({}));
    expect(k({ realm: 'q' })).not.toBe(k({}));
  });
});

// ---------------------------------------------------------------- against tiny servers

const servers: Server[] = [];
const clients: HttpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString()));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const USER = 'alice';
const PASSWORD = 'wonderland-pw';
const REFRESH = 'refresh-secret-value';

interface TokenRequest {
  method: string;
  query: URLSearchParams;
  form?: URLSearchParams;
  authorization?: string;
}

/** A token service (GET, optional POST) and a registry that checks the tokens' scopes. */
async function setup(opts: { allowPost?: boolean; delayMs?: number } = {}) {
  const tokenRequests: TokenRequest[] = [];
  const grants = new Map<string, string[]>();
  const registryHits: Array<{ method: string; url: string; authorization?: string }> = [];
  const issue = (res: ServerResponse, scopes: string[], field = 'token') => {
    const token = `tok-${tokenRequests.length}-${Math.random().toString(36).slice(2)}`;
    grants.set(token, scopes);
    setTimeout(() => res.end(JSON.stringify({ [field]: token, expires_in: 300 })), opts.delayMs ?? 0);
  };
  const tokenUrl = await listen((req, res, body) => {
    const url = new URL(req.url!, 'http://x');
    const tr: TokenRequest = { method: req.method!, query: url.searchParams, ...(req.headers.authorization && { authorization: req.headers.authorization }) };
    tokenRequests.push(tr);
    if (req.method === 'POST') {
      if (!opts.allowPost) return void res.writeHead(405).end();
      tr.form = new URLSearchParams(body);
      if (tr.form.get('grant_type') !== 'refresh_token' || tr.form.get('refresh_token') !== REFRESH) return void res.writeHead(401).end();
      return issue(res, (tr.form.get('scope') ?? '').split(' ').filter(Boolean), 'access_token');
    }
    const auth = req.headers.authorization;
    if (auth) {
      const [user, pass] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString().split(':');
      const ok = (user === USER && pass === PASSWORD) || (user === '<token>' && pass === REFRESH);
      if (!ok) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad creds"}]}');
    }
    issue(res, url.searchParams.getAll('scope'));
  });
  const realm = `${tokenUrl}/token`;
  const registry = await listen((req, res) => {
    registryHits.push({ method: req.method!, url: req.url!, ...(req.headers.authorization && { authorization: req.headers.authorization }) });
    const m = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(req.url!);
    if (req.url === '/v2/') {
      if (req.headers.authorization?.startsWith('Bearer ') && grants.has(req.headers.authorization.slice(7))) return void res.end('{}');
      return void res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="test-registry"` }).end();
    }
    if (!m) return void res.writeHead(404).end();
    const repo = m[1]!;
    if (repo === 'forbidden') return void res.writeHead(403).end();
    const action = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push';
    const granted = grants.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const needed = action === 'push' ? `repository:${repo}:push,pull` : `repository:${repo}:pull`;
    if (!granted) {
      // gcr.io may answer 401 without WWW-Authenticate (REGISTRIES.md).
      const noHeader = repo === 'gcr-style';
      return void res.writeHead(401, noHeader ? {} : { 'www-authenticate': `Bearer realm="${realm}",service="test-registry",scope="${needed}"` }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    const has = granted.some((s) => s.startsWith(`repository:${repo}:`) && s.split(':').at(-1)!.split(',').includes(action));
    if (!has) {
      return void res
        .writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="test-registry",scope="${needed}",error="insufficient_scope"` })
        .end();
    }
    res.writeHead(action === 'push' ? 201 : 200).end('content');
  });
  const http = new HttpClient({ retry: { max: 0 } });
  clients.push(http);
  const auth = (credential?: Credential, extra: Partial<ConstructorParameters<typeof RegistryAuth>[0]> = {}) =>
    new RegistryAuth({ http, host: new URL(registry).host, secure: false, credentials: { get: async () => credential }, ...extra });
  return { registry, realm, tokenRequests, registryHits, auth, http };
}

describe('RegistryAuth', () => {
  it('gets an anonymous token after a 401 and replays', async () => {
    const t = await setup();
    const res = await t.auth().send({ method: 'GET', url: `${t.registry}/v2/library/alpine/manifests/latest` }, ['repository:library/alpine:pull']);
    expect(res.status).toBe(200);
    expect(await res.body.text()).toBe('content');
    expect(t.tokenRequests).toHaveLength(1);
    const q = t.tokenRequests[0]!;
    expect(q.authorization).toBeUndefined();
    expect(q.query.get('account')).toBeNull();
    expect(q.query.get('service')).toBe('test-registry');
    expect(q.query.getAll('scope')).toEqual(['repository:library/alpine:pull']);
    expect(t.registryHits).toHaveLength(2);
  });

  it('sends Basic credentials and account to the token service', async () => {
    const t = await setup();
    const res = await t.auth({ username: USER, password: PASSWORD }).send({ method: 'GET', url: `${t.registry}/v2/a/manifests/1` }, ['repository:a:pull']);
    expect(res.status).toBe(200);
    const q = t.tokenRequests[0]!;
    expect(q.authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
    expect(q.query.get('account')).toBe(USER);
  });

  it('uses the OAuth2 refresh-token grant by POST', async () => {
    const t = await setup({ allowPost: true });
    const a = t.auth({ identityToken: REFRESH });
    const res = await a.send({ method: 'GET', url: `${t.registry}/v2/b/manifests/1` }, ['repository:b:pull', 'repository:c:pull']);
    expect(res.status).toBe(200);
    expect(t.tokenRequests).toHaveLength(1);
    const form = t.tokenRequests[0]!.form!;
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: REFRESH,
      service: 'test-registry',
      client_id: 'regctl',
      scope: 'repository:b:pull repository:c:pull',
    });
  });

  it('falls back from POST to GET with Basic <token>:<identitytoken> on 405 (Harbor)', async () => {
    const t = await setup({ allowPost: false });
    const res = await t.auth({ identityToken: REFRESH }).send({ method: 'GET', url: `${t.registry}/v2/b/manifests/1` }, ['repository:b:pull']);
    expect(res.status).toBe(200);
    expect(t.tokenRequests.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(t.tokenRequests[1]!.authorization).toBe(`Basic ${Buffer.from(`<token>:${REFRESH}`).toString('base64')}`);
  });

  it('caches the token across requests and authenticates up front', async () => {
    const t = await setup();
    const a = t.auth();
    for (let i = 0; i < 3; i++) {
      const res = await a.send({ method: 'GET', url: `${t.registry}/v2/a/blobs/sha256:${i}` }, ['repository:a:pull']);
      expect(res.status).toBe(200);
      await res.body.dump();
    }
    expect(t.tokenRequests).toHaveLength(1);
    expect(t.registryHits).toHaveLength(4); // one 401, then three authenticated requests
  });

  it('concurrent requests share one token fetch', async () => {
    const t = await setup({ delayMs: 50 });
    const a = t.auth();
    a.setChallenges([`Bearer realm="${t.realm}",service="test-registry"`]);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => a.send({ method: 'GET', url: `${t.registry}/v2/a/blobs/sha256:${i}` }, ['repository:a:pull'])),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await Promise.all(results.map((r) => r.body.dump()));
    expect(t.tokenRequests).toHaveLength(1);
    expect(t.registryHits).toHaveLength(6);
  });

  it('on insufficient_scope fetches a token with the added scope and replays once', async () => {
    const t = await setup();
    const a = t.auth();
    a.setChallenges([`Bearer realm="${t.realm}",service="test-registry"`]);
    const res = await a.send({ method: 'PUT', url: `${t.registry}/v2/a/manifests/1`, body: () => '{}' }, ['repository:a:pull']);
    expect(res.status).toBe(201);
    expect(t.tokenRequests).toHaveLength(2);
    expect(t.tokenRequests[1]!.query.getAll('scope')).toEqual(['repository:a:push,pull']);
    expect(t.registryHits.map((h) => h.method)).toEqual(['PUT', 'PUT']);
  });

  it('reuses the known challenge when a 401 has no WWW-Authenticate (gcr.io), with a fresh token', async () => {
    const t = await setup();
    const cache = new TokenCache();
    const scopes = ['repository:gcr-style:pull'];
    // A token the registry no longer accepts sits in the cache.
    cache.set(tokenCacheKey({ realm: t.realm, service: 'test-registry', scopes }), { token: 'revoked-token', expiresAt: Date.now() + 600_000 });
    const a = t.auth(undefined, { cache });
    a.setChallenges([`Bearer realm="${t.realm}",service="test-registry"`]);
    const res = await a.send({ method: 'GET', url: `${t.registry}/v2/gcr-style/manifests/1` }, scopes);
    expect(res.status).toBe(200);
    expect(t.registryHits.map((h) => h.authorization?.slice(0, 10))).toEqual(['Bearer rev', 'Bearer tok']);
    expect(t.tokenRequests).toHaveLength(1);
    expect(t.tokenRequests[0]!.query.getAll('scope')).toEqual(scopes);
  });

  it('without any challenge, a 401 lacking WWW-Authenticate is UNAUTHORIZED', async () => {
    const t = await setup();
    const err = await t.auth().send({ method: 'GET', url: `${t.registry}/v2/gcr-style/manifests/1` }, []).catch((e: unknown) => e);
    expect(isRegctlError(err, 'UNAUTHORIZED')).toBe(true);
    expect((err as RegctlError).registryErrors?.[0]?.message).toBe('authentication required');
    expect(t.tokenRequests).toHaveLength(0);
  });

  it('a one-shot body that meets a 401 throws UNAUTHORIZED without replaying', async () => {
    const t = await setup();
    let calls = 0;
    const err = await t
      .auth()
      .send({ method: 'PUT', url: `${t.registry}/v2/a/blobs/uploads/1`, replayable: false, body: () => (calls++, 'x') }, ['repository:a:push,pull'])
      .catch((e: unknown) => e);
    expect(isRegctlError(err, 'UNAUTHORIZED')).toBe(true);
    expect(calls).toBe(1);
    expect(t.registryHits).toHaveLength(1);
  });

  it('returns 403 unchanged', async () => {
    const t = await setup();
    const res = await t.auth().send({ method: 'GET', url: `${t.registry}/v2/forbidden/manifests/1` }, ['repository:forbidden:pull']);
    expect(res.status).toBe(403);
  });

  it('rejected credentials at the token service give UNAUTHORIZED without the secret', async () => {
    const t = await setup();
    const err = (await t
      .auth({ username: USER, password: 'wrong-password-123' })
      .send({ method: 'GET', url: `${t.registry}/v2/a/manifests/1` }, ['repository:a:pull'])
      .catch((e: unknown) => e)) as RegctlError;
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.message).toContain('rejected the credentials');
    expect(err.registryErrors?.[0]?.code).toBe('UNAUTHORIZED');
    expect(JSON.stringify(err.toJSON())).not.toContain('wrong-password-123');
  });

  it('refuses an http realm for an https registry', async () => {
    const t = await setup();
    const a = t.auth(undefined, { secure: true });
    a.setChallenges([`Bearer realm="${t.realm}",service="test-registry"`]);
    const err = await a.send({ method: 'GET', url: `${t.registry}/v2/a/manifests/1` }, ['repository:a:pull']).catch((e: unknown) => e);
    expect(isRegctlError(err, 'INSECURE')).toBe(true);
    expect(t.tokenRequests).toHaveLength(0);
    await expect(fetchToken(t.http, { realm: t.realm, scopes: [], registrySecure: true })).rejects.toMatchObject({ code: 'INSECURE' });
  });
});

describe('RegistryAuth with Basic challenges and registry tokens', () => {
  async function basicRegistry() {
    const seen: Array<string | undefined> = [];
    const url = await listen((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` || req.headers.authorization === 'Bearer registry-token-xyz') {
        return void res.end('ok');
      }
      res.writeHead(401, { 'www-authenticate': 'Basic realm="ecr-like",service="ecr.amazonaws.com"', 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"nope"}]}');
    });
    const http = new HttpClient({ retry: { max: 0 } });
    clients.push(http);
    const auth = (credential?: Credential) => new RegistryAuth({ http, host: 'reg.test', secure: false, credentials: { get: async () => credential } });
    return { url, seen, auth };
  }

  it('answers a Basic challenge with the password and then sends it up front', async () => {
    const r = await basicRegistry();
    const a = r.auth({ username: USER, password: PASSWORD });
    expect((await a.send({ method: 'GET', url: `${r.url}/v2/` })).status).toBe(200);
    expect((await a.send({ method: 'GET', url: `${r.url}/v2/x/tags/list` })).status).toBe(200);
    expect(r.seen.map((s) => s?.split(' ')[0])).toEqual([undefined, 'Basic', 'Basic']);
  });

  it('sends a registry token as Bearer', async () => {
    const r = await basicRegistry();
    const res = await r.auth({ registryToken: 'registry-token-xyz' }).send({ method: 'GET', url: `${r.url}/v2/` });
    expect(res.status).toBe(200);
  });

  it('says whether credentials were sent when the replay is refused', async () => {
    const r = await basicRegistry();
    const anon = (await r.auth().send({ method: 'GET', url: `${r.url}/v2/` }).catch((e: unknown) => e)) as RegctlError;
    expect(anon.code).toBe('UNAUTHORIZED');
    expect(anon.message).toMatch(/^reg\.test requires authentication/);
    expect(anon.hint).toBe('regctl login reg.test');
    const bad = (await r
      .auth({ username: USER, password: 'bad-password-456' })
      .send({ method: 'GET', url: `${r.url}/v2/` })
      .catch((e: unknown) => e)) as RegctlError;
    expect(bad.code).toBe('UNAUTHORIZED');
    expect(bad.message).toMatch(/^authentication failed for reg\.test/);
    expect(bad.message).toContain('UNAUTHORIZED: nope');
    expect(bad.message).not.toContain('bad-password-456');
    expect(r.seen).toHaveLength(3);
  });
});
