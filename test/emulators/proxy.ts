/**
 * Shared plumbing of the provider emulators: one TLS server on 127.0.0.1 that answers for a set
 * of provider host names (a certificate for all of them, signed by the harness CA), dispatches
 * each request on its `Host` header to the emulator's handler, and proxies what the handler does
 * not answer to a REAL distribution registry from the harness (anonymous, plain http). The
 * emulator authenticates clients itself; the upstream never sees their credentials.
 *
 * Clients reach the names with regctl's own `--connect-to`/`REGCTL_CONNECT_TO` (see
 * {@link Emulator.connectTo}) and trust the CA with `--ca-file` or `NODE_EXTRA_CA_CERTS`.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serverCertFor } from '../harness/certs.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

/** A request as the emulator saw it, for assertions. */
export interface RecordedRequest {
  method: string;
  host: string;
  /** Path and query. */
  path: string;
  /** `basic`, `bearer`, or undefined when no Authorization came. */
  auth?: string;
  status?: number;
}

/** Credentials a request carried. */
export type Authorization =
  | { scheme: 'basic'; user: string; password: string }
  | { scheme: 'bearer'; token: string };

/** One request being handled. */
export interface EmulatorCall {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Host name the client asked for (lower case, no port). */
  host: string;
  /** `https://<host><path>` as the client sent it. */
  url: URL;
  authorization?: Authorization;
  /** The whole request body. */
  body(): Promise<Buffer>;
  json(status: number, body: unknown, headers?: Record<string, string>): void;
  /** A distribution-style `{"errors":[...]}` reply. */
  error(status: number, code: string, message: string, headers?: Record<string, string>): void;
  /**
   * Sends the request on to the upstream registry and streams its answer back; `status` may
   * change the upstream's status code (a provider answering 201 where distribution says 202).
   */
  proxy(opts?: ProxyOptions): Promise<void>;
}

/** Changes to a proxied reply. */
export interface ProxyOptions {
  status?(upstreamStatus: number): number;
}

/**
 * Answers a call, or returns `false` to have it proxied to the upstream registry as is; any
 * other return value means "answered".
 */
export type EmulatorHandler = (call: EmulatorCall) => unknown;

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions {
  /** Host names served (certificate SANs). */
  names: string[];
  handler: EmulatorHandler;
  /** The registry behind; an anonymous one is started (and stopped on close) when absent. */
  upstream?: RunningRegistry;
}

/** A running emulator. */
export interface Emulator {
  port: number;
  names: string[];
  upstream: RunningRegistry;
  /** The harness CA that signs the emulator's certificate (for `--ca-file`). */
  caFile: string;
  requests: RecordedRequest[];
  /** `HOST:443:127.0.0.1:PORT` for every name: regctl's `--connect-to` rules. */
  connectTo: string[];
  /** Environment for a CLI run: `REGCTL_CONNECT_TO` for every name. */
  env: Record<string, string>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** Parses an Authorization header. */
export function parseAuthorization(value: string | undefined): Authorization | undefined {
  const m = /^(\w+)\s+(\S+)$/.exec(value ?? '');
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'bearer') return { scheme: 'bearer', token: m[2]! };
  if (m[1]!.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { scheme: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Streams a request to the upstream registry; `Location`s pointing at it are rewritten to `publicOrigin`. */
function proxyTo(upstream: RunningRegistry, publicOrigin: string, req: IncomingMessage, res: ServerResponse, opts: ProxyOptions = {}): Promise<void> {
  const target = new URL(upstream.url);
  const headers: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(k) && k !== 'authorization' && k !== 'host') headers[k] = v;
  }
  // distribution builds absolute Locations from these (registry/api/v2/urls.go).
  headers.host = new URL(publicOrigin).host;
  headers['x-forwarded-proto'] = 'https';
  return new Promise((resolve) => {
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (upRes) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(upRes.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      if (typeof out.location === 'string' && out.location.startsWith(upstream.url)) out.location = publicOrigin + out.location.slice(upstream.url.length);
      const status = upRes.statusCode ?? 502;
      res.writeHead(opts.status ? opts.status(status) : status, out);
      upRes.pipe(res);
      upRes.on('end', () => resolve());
      upRes.on('error', () => resolve());
    });
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream: ${e.message}`);
      resolve();
    });
    req.pipe(up);
  });
}

/** Starts an emulator on an ephemeral 127.0.0.1 port. */
export async function startEmulator(opts: StartEmulatorOptions): Promise<Emulator> {
  const ownUpstream = !opts.upstream;
  const upstream = opts.upstream ?? (await startRegistry({ mode: 'anonymous' }));
  const cert = await serverCertFor(upstream.certs, opts.names);
  const requests: RecordedRequest[] = [];
  const server = createServer({ cert: await readFile(cert.cert), key: await readFile(cert.key) }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const url = new URL(req.url ?? '/', `https://${host || 'unknown'}`);
    const authorization = parseAuthorization(req.headers.authorization);
    const record: RecordedRequest = { method: req.method ?? 'GET', host, path: req.url ?? '/', ...(authorization && { auth: authorization.scheme }) };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const call: EmulatorCall = {
      req, res, host, url, method: record.method,
      ...(authorization && { authorization }),
      body: () => readAll(req),
      json: (status, body, headers = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      },
      error: (status, code, message, headers = {}) => call.json(status, { errors: [{ code, message }] }, headers),
      proxy: (o) => proxyTo(upstream, `https://${host}`, req, res, o),
    };
    Promise.resolve()
      .then(() => opts.handler(call))
      .then((handled) => (handled === false ? call.proxy() : undefined))
      .catch((e: unknown) => {
        if (!res.headersSent) call.error(500, 'EMULATOR', (e as Error).message);
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const connectTo = opts.names.map((n) => `${n}:443:127.0.0.1:${port}`);
  return {
    port,
    names: opts.names,
    upstream,
    caFile: upstream.certs.caCert,
    requests,
    connectTo,
    env: { REGCTL_CONNECT_TO: connectTo.join(',') },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownUpstream) await upstream.stop();
    },
  };
}

/**
 * The repository and access a `/v2/` API path needs (`GET /v2/a/b/manifests/1` -> `a/b`, pull),
 * or undefined for `/v2/` itself and paths outside one repository (the catalog).
 */
export function v2Access(method: string, path: string): { repo: string; action: 'pull' | 'push' | 'delete' } | undefined {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//.exec(path.split('?')[0]!);
  if (!m) return undefined;
  const action = method === 'GET' || method === 'HEAD' ? 'pull' : method === 'DELETE' ? 'delete' : 'push';
  return { repo: m[1]!, action };
}

const repoDir = (upstream: RunningRegistry, repo: string) => join(upstream.dataDir, 'docker/registry/v2/repositories', repo);

/** The tags of an upstream repository and the digests they point at, read from its storage. */
export async function upstreamTags(upstream: RunningRegistry, repo: string): Promise<Map<string, string>> {
  const dir = join(repoDir(upstream, repo), '_manifests/tags');
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const tag of names) {
    try {
      out.set(tag, (await readFile(join(dir, tag, 'current/link'), 'utf8')).trim());
    } catch {
      // a tag being written or removed
    }
  }
  return out;
}

/**
 * Removes one tag from the upstream's storage: what a provider's own untag API does. distribution
 * 2.8 has no tag delete of its own (DELETE by tag answers UNSUPPORTED); its tag store is the
 * `_manifests/tags/<tag>` directory, read afresh on every request.
 */
export async function removeUpstreamTag(upstream: RunningRegistry, repo: string, tag: string): Promise<boolean> {
  const dir = join(repoDir(upstream, repo), '_manifests/tags', tag);
  const existed = (await upstreamTags(upstream, repo)).has(tag);
  await rm(dir, { recursive: true, force: true });
  return existed;
}

/** Every repository of the upstream registry (its catalog; distribution caps a page at 1000). */
export async function upstreamRepositories(upstream: RunningRegistry): Promise<string[]> {
  const res = await fetch(`${upstream.url}/v2/_catalog?n=1000`);
  const body = (await res.json()) as { repositories?: string[] };
  return body.repositories ?? [];
}
