import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRegctlError, RegctlError } from '../../src/errors.js';
import { HttpClient } from '../../src/transport/http.js';
import { displayUrl, nextHop, redirectHeaders } from '../../src/transport/redirect.js';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  retryDelay,
  shouldRetry,
} from '../../src/transport/retry.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
interface TestServer {
  url: string;
  hits: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
}

const servers: Server[] = [];
const clients: HttpClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

async function serve(handler: Handler): Promise<TestServer> {
  const hits: TestServer['hits'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      hits.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

function client(opts: ConstructorParameters<typeof HttpClient>[0] = {}): HttpClient {
  const c = new HttpClient({ retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...opts });
  clients.push(c);
  return c;
}

function memoryLogger() {
  const lines: string[] = [];
  return { lines, logger: { debug: (m: string) => lines.push(m), info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) } };
}

describe('retry policy', () => {
  it('backoff grows exponentially inside a full-jitter window and is capped', () => {
    const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, p, () => 0.999)).toBe(99);
    expect(backoffDelay(1, p, () => 0.999)).toBe(199);
    expect(backoffDelay(3, p, () => 0.5)).toBe(400);
    expect(backoffDelay(10, p, () => 0.999)).toBe(999);
    expect(backoffDelay(2, p, () => 0)).toBe(0);
  });

  it.each<[string | undefined, number | undefined]>([
    ['1', 1000],
    ['0', 0],
    [' 120 ', 120_000],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0], // in the past
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('parseRetryAfter(%j)', (value, expected) => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('retryDelay prefers Retry-After, capped, and falls back to backoff', () => {
    const p = { ...DEFAULT_RETRY_POLICY, retryAfterCapMs: 5000 };
    expect(retryDelay(0, p, '2', 0, () => 0.5)).toBe(2000);
    expect(retryDelay(0, p, '3600', 0, () => 0.5)).toBe(5000);
    expect(retryDelay(1, p, 'garbage', 0, () => 0.5)).toBe(200);
  });

  it.each<[string, Parameters<typeof shouldRetry>[0], number, boolean, boolean]>([
    ['503', { status: 503 }, 0, true, true],
    ['429', { status: 429 }, 0, true, true],
    ['408', { status: 408 }, 3, true, true],
    ['404', { status: 404 }, 0, true, false],
    ['501', { status: 501 }, 0, true, false],
    ['401', { status: 401 }, 0, true, false],
    ['503 one-shot body', { status: 503 }, 0, false, false],
    ['503 after max', { status: 503 }, 4, true, false],
    ['ECONNRESET', { error: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }, 0, true, true],
    ['undici socket', { error: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }) }, 1, true, true],
    ['wrapped cause', { error: new Error('x', { cause: Object.assign(new Error('y'), { code: 'EPIPE' }) }) }, 0, true, true],
    ['ENOTFOUND', { error: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) }, 0, true, false],
    ['plain error', { error: new Error('x') }, 0, true, false],
  ])('shouldRetry %s', (_n, outcome, attempt, replayable, expected) => {
    expect(shouldRetry(outcome, attempt, DEFAULT_RETRY_POLICY, replayable)).toBe(expected);
  });
});

describe('redirect rules', () => {
  const here = new URL('https://reg.example/v2/a/blobs/sha256:1');
  it.each<[number, string, string, string, boolean, boolean]>([
    [307, '/v2/b', 'GET', 'https://reg.example/v2/b', false, false],
    [302, 'https://s3.example/x?X-Amz-Signature=1', 'GET', 'https://s3.example/x?X-Amz-Signature=1', true, false],
    [301, 'https://reg.example:8443/x', 'HEAD', 'https://reg.example:8443/x', true, false],
    [308, 'http://reg.example/x', 'GET', 'http://reg.example/x', true, true],
  ])('%i %s', (status, location, method, url, crossOrigin, downgrade) => {
    const hop = nextHop(status, location, here, method as 'GET')!;
    expect(hop.url.toString()).toBe(url);
    expect(hop.crossOrigin).toBe(crossOrigin);
    expect(hop.downgrade).toBe(downgrade);
  });

  it('303 turns a PUT into a GET without body; 307 keeps the body', () => {
    expect(nextHop(303, '/x', here, 'PUT')).toMatchObject({ method: 'GET', keepBody: false });
    expect(nextHop(307, '/x', here, 'PUT')).toMatchObject({ method: 'PUT', keepBody: true });
    expect(nextHop(200, '/x', here, 'GET')).toBeUndefined();
    expect(nextHop(302, undefined, here, 'GET')).toBeUndefined();
    expect(nextHop(302, 'ftp://x/y', here, 'GET')).toBeUndefined();
  });

  it('drops credentials only across origins', () => {
    const headers = { Authorization: 'Bearer t', cookie: 'c', 'Proxy-Authorization': 'p', accept: 'a' };
    const cross = nextHop(302, 'https://other/x', here, 'GET')!;
    const same = nextHop(302, '/x', here, 'GET')!;
    expect(redirectHeaders(headers, cross)).toEqual({ accept: 'a' });
    expect(redirectHeaders(headers, same)).toEqual(headers);
  });

  it('displayUrl strips query, fragment and userinfo', () => {
    expect(displayUrl('https://u:p@s3.example/x?X-Amz-Signature=abc#f')).toBe('https://s3.example/x');
  });
});

describe('HttpClient', () => {
  it('retries connection resets and then succeeds', async () => {
    let resets = 2;
    const srv = await serve((req, res) => {
      if (resets-- > 0) return req.socket.destroy();
      res.end('ok');
    });
    const res = await client().send({ method: 'GET', url: `${srv.url}/v2/` });
    expect(res.status).toBe(200);
    expect(await res.body.text()).toBe('ok');
    expect(srv.hits).toHaveLength(3);
  });

  it('honours Retry-After on 429', async () => {
    const srv = await serve((_req, res) => {
      if (srv.hits.length === 1) {
        res.writeHead(429, { 'retry-after': '1' });
        return res.end('slow down');
      }
      res.end('ok');
    });
    const started = Date.now();
    const res = await client().send({ method: 'GET', url: `${srv.url}/v2/` });
    expect(res.status).toBe(200);
    await res.body.dump();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(srv.hits).toHaveLength(2);
  });

  it('does not retry a 503 when the body cannot be recreated', async () => {
    const srv = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    let calls = 0;
    const res = await client().send({
      method: 'PUT',
      url: `${srv.url}/upload`,
      body: () => {
        calls++;
        return Readable.from([Buffer.from('layer bytes')]);
      },
      replayable: false,
    });
    expect(res.status).toBe(503);
    expect(srv.hits).toHaveLength(1);
    expect(srv.hits[0]!.body).toBe('layer bytes');
    expect(calls).toBe(1);
  });

  it('retries a replayable 503 up to max, re-creating the body, then returns the status', async () => {
    const srv = await serve((_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const res = await client({ retry: { max: 2, baseDelayMs: 1 } }).send({ method: 'PUT', url: `${srv.url}/m`, body: () => 'manifest' });
    expect(res.status).toBe(503);
    await res.body.dump();
    expect(srv.hits.map((h) => h.body)).toEqual(['manifest', 'manifest', 'manifest']);
  });

  it('drops Authorization on a cross-origin redirect, keeps it on the same origin', async () => {
    const storage = await serve((_req, res) => res.end('blob'));
    const reg = await serve((req, res) => {
      if (req.url === '/v2/a/blobs/d') {
        res.writeHead(307, { location: '/v2/a/blobs/d2' });
        return res.end();
      }
      res.writeHead(302, { location: `${storage.url}/bucket/d?X-Amz-Signature=secretsig` });
      res.end();
    });
    const { lines, logger } = memoryLogger();
    const res = await client({ logger }).send({
      method: 'GET',
      url: `${reg.url}/v2/a/blobs/d`,
      headers: { Authorization: 'Bearer sekrit-token', Cookie: 'c=1', accept: '*/*' },
    });
    expect(await res.body.text()).toBe('blob');
    expect(res.url).toBe(`${storage.url}/bucket/d?X-Amz-Signature=secretsig`);
    expect(reg.hits.map((h) => h.headers.authorization)).toEqual(['Bearer sekrit-token', 'Bearer sekrit-token']);
    expect(storage.hits).toHaveLength(1);
    expect(storage.hits[0]!.headers.authorization).toBeUndefined();
    expect(storage.hits[0]!.headers.cookie).toBeUndefined();
    expect(storage.hits[0]!.headers.accept).toBe('*/*');
    expect(storage.hits[0]!.url).toBe('/bucket/d?X-Amz-Signature=secretsig');
    const log = lines.join('\n');
    expect(log).toContain(`GET ${storage.url}/bucket/d`);
    expect(log).not.toContain('secretsig');
    expect(log).not.toContain('sekrit-token');
  });

  it('does not follow redirects of a PUT by default, and turns a followed 303 into a bodiless GET', async () => {
    const srv = await serve((req, res) => {
      if (req.url === '/done') return res.end('done');
      res.writeHead(303, { location: '/done' });
      res.end();
    });
    const c = client();
    const put = await c.send({ method: 'PUT', url: `${srv.url}/x`, body: () => 'data' });
    expect(put.status).toBe(303);
    await put.body.dump();
    const post = await c.send({ method: 'POST', url: `${srv.url}/x`, body: () => 'data', headers: { 'content-type': 'text/plain' }, followRedirects: true });
    expect(post.status).toBe(200);
    expect(await post.body.text()).toBe('done');
    const last = srv.hits.at(-1)!;
    expect(last).toMatchObject({ method: 'GET', url: '/done', body: '' });
    expect(last.headers['content-type']).toBeUndefined();
  });

  it('gives up after maxRedirects with REGISTRY_ERROR', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(302, { location: '/loop' });
      res.end();
    });
    const err = await client({ maxRedirects: 3 }).send({ method: 'GET', url: `${srv.url}/loop` }).catch((e: unknown) => e);
    expect(isRegctlError(err, 'REGISTRY_ERROR')).toBe(true);
    expect(srv.hits).toHaveLength(4);
  });

  it('ends a request whose headers never come with TIMEOUT', async () => {
    const srv = await serve(() => {
      /* never answers */
    });
    const err = await client({ headersTimeoutMs: 150, retry: { max: 1, baseDelayMs: 1 } })
      .send({ method: 'GET', url: `${srv.url}/v2/?token=abc` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegctlError);
    expect((err as RegctlError).code).toBe('TIMEOUT');
    expect((err as RegctlError).message).toMatch(new RegExp(`^GET ${srv.url}/v2/: `));
    expect((err as RegctlError).message).not.toContain('token=abc');
    expect(srv.hits).toHaveLength(2);
  });

  it('reports a refused connection as NETWORK after retrying', async () => {
    const srv = await serve(() => undefined);
    const port = new URL(srv.url).port;
    for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
    const { lines, logger } = memoryLogger();
    const err = await client({ logger, retry: { max: 2, baseDelayMs: 1 } })
      .send({ method: 'HEAD', url: `http://127.0.0.1:${port}/v2/` })
      .catch((e: unknown) => e);
    expect(isRegctlError(err, 'NETWORK')).toBe(true);
    expect((err as Error).message).toContain('ECONNREFUSED');
    expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(2);
  });

  it('stops retrying when the signal aborts', async () => {
    const srv = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const ac = new AbortController();
    const c = client({ retry: { max: 10, baseDelayMs: 200, maxDelayMs: 200 } });
    const p = c.send({ method: 'GET', url: `${srv.url}/x`, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(srv.hits.length).toBeLessThanOrEqual(2);
  });
});

describe('HttpClient per-request retries', () => {
  it('retries: 0 sends once', async () => {
    const srv = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const res = await client().send({ method: 'GET', url: `${srv.url}/v2/`, retries: 0 });
    expect(res.status).toBe(503);
    expect(srv.hits).toHaveLength(1);
  });
});

describe('HttpClient over TLS', () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'regctl-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    key = readFileSync(join(dir, 'key.pem'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function serveTls(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server = createHttpsServer({ cert, key }, handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('rejects an unknown CA with a hint, trusts a given CA, and skips verification when insecure', async () => {
    const url = await serveTls((_req, res) => res.end('tls ok'));
    const err = await client().send({ method: 'GET', url: `${url}/v2/` }).catch((e: unknown) => e);
    expect(isRegctlError(err, 'NETWORK')).toBe(true);
    expect((err as RegctlError).hint).toContain('--ca-file');
    const withCa = await client({ ca: cert }).send({ method: 'GET', url: `${url}/v2/` });
    expect(await withCa.body.text()).toBe('tls ok');
    const insecure = await client({ insecure: true }).send({ method: 'GET', url: `${url}/v2/` });
    expect(await insecure.body.text()).toBe('tls ok');
  });

  it('refuses a redirect from https to plain http', async () => {
    const plain = await serve((_req, res) => res.end('should not be reached'));
    const url = await serveTls((_req, res) => {
      res.writeHead(302, { location: `${plain.url}/blob` });
      res.end();
    });
    const err = await client({ ca: cert }).send({ method: 'GET', url: `${url}/v2/a/blobs/d`, headers: { authorization: 'Bearer x' } }).catch((e: unknown) => e);
    expect(isRegctlError(err, 'INSECURE')).toBe(true);
    expect(plain.hits).toHaveLength(0);
  });
});
