/**
 * A registry that lies: a small node:http(s) server speaking just enough of the distribution
 * API (`GET /v2/`, then whatever routes a test installs) to serve hostile answers: oversized or
 * deeply nested manifests, digests that do not match, endless or looping pagination, odd token
 * realms, redirects to other origins. Every request is recorded with its headers, so tests can
 * prove what the client did or did not send. Imports nothing from src/.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import type { CertPaths } from '../certs.js';
import type { RequestInfo } from '../fault-proxy.js';

/** Answers one request; `url` is the parsed request URL. */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** Options of {@link startHostileRegistry}. */
export interface HostileOptions {
  /** Serve https with the harness server certificate (names localhost, 127.0.0.1, ::1). */
  tls?: CertPaths;
  /** A `WWW-Authenticate` value: `GET /v2/` and requests without Authorization get 401 with it. */
  challenge?: string | (() => string);
}

/** A running hostile registry. */
export interface HostileRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  requests: RequestInfo[];
  /** Installs a route; later routes win over earlier ones. `path` matches pathname + search. */
  route(method: string, path: string | RegExp, handler: Handler): void;
  close(): Promise<void>;
}

/** `sha256:<hex>` of some bytes. */
export const digestOf = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Sends a JSON document (or raw text) with a status and headers. */
export function send(res: ServerResponse, status: number, body: string | Buffer | object, headers: Record<string, string> = {}): void {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)), ...headers });
  res.end(data);
}

/** Serves manifest bytes as a registry would (HEAD without the body), with a chosen digest header. */
export function sendManifest(req: IncomingMessage, res: ServerResponse, bytes: Buffer, mediaType: string, digestHeader = digestOf(bytes)): void {
  res.writeHead(200, { 'content-type': mediaType, 'content-length': String(bytes.length), 'docker-content-digest': digestHeader });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startHostileRegistry(opts: HostileOptions = {}): Promise<HostileRegistry> {
  const routes: Array<{ method: string; path: string | RegExp; handler: Handler }> = [];
  const requests: RequestInfo[] = [];
  const sockets = new Set<Socket>();
  const challenge = () => (typeof opts.challenge === 'function' ? opts.challenge() : opts.challenge);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    const url = new URL(path, 'http://hostile.invalid');
    const c = challenge();
    if (c && req.headers.authorization === undefined) {
      req.resume();
      return send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': c });
    }
    const route = [...routes].reverse().find((r) => (r.method === req.method || (r.method === 'GET' && req.method === 'HEAD'))
      && (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname + url.search)));
    if (route) {
      return void Promise.resolve(route.handler(req, res, url)).catch(() => res.socket?.destroy());
    }
    req.resume();
    if (url.pathname === '/v2/') return send(res, 200, {});
    send(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'nothing here' }] });
  };
  const server = opts.tls
    ? createHttpsServer({ cert: await readFile(opts.tls.serverCert), key: await readFile(opts.tls.serverKey) }, handle)
    : createHttpServer(handle);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    route: (method, path, handler) => void routes.push({ method, path, handler }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
