/**
 * A loopback HTTP proxy in front of one upstream server (a harness registry) that records every
 * request and injects faults into chosen ones: connections cut mid-response or mid-request-body,
 * resets before forwarding, canned statuses (5xx, 429 + Retry-After) and stalls. Tests use it to
 * count requests ("a skip sends no GET") and to break transfers on purpose ("resume after a
 * cut"). The Host header is forwarded unchanged, so the registry builds `Location` URLs that
 * point back at the proxy. Plain http upstreams only. Imports nothing from src/.
 *
 * For the fault suite (test/faults, docs/reliability.md) it also hangs, stalls mid-body,
 * truncates, corrupts a byte, serves another path's content and redirects to a second origin
 * (`mirror`, a plain forwarder on another port that records what reaches it), per rule or from
 * a chooser function consulted when no rule matches (seeded random mixes:
 * test/harness/faults/random.ts).
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isBodyFault, relayAltered } from './faults/relay.js';

/** What a fault does to one request. */
export type Fault =
  /** Forward the request, send the response headers and `afterBytes` of its body, then cut the connection. */
  | { type: 'cut-response'; afterBytes: number }
  /** Forward `afterBytes` of the request body, then cut both connections (upstream sees a client disconnect). */
  | { type: 'cut-request'; afterBytes: number }
  /** Cut the client connection without forwarding anything. */
  | { type: 'reset' }
  /** Answer with this status (and headers, body) without forwarding. */
  | { type: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Wait this long, then forward normally. */
  | { type: 'stall'; ms: number }
  /** Read the request and never answer; the connection stays open until the client gives up. */
  | { type: 'hang' }
  /** Send the response headers and `afterBytes` of the body, then nothing more, keeping the connection open. */
  | { type: 'stall-response'; afterBytes: number }
  /** End the body cleanly after `afterBytes` (Content-Length dropped, so only the content can tell). */
  | { type: 'truncate'; afterBytes: number }
  /** Flip the bits of the body byte at offset `at` (the last byte when the body is shorter). */
  | { type: 'corrupt'; at: number }
  /** Answer with the upstream response for `path` instead (a different blob than the digest asked for). */
  | { type: 'swap'; path: string }
  /** Redirect to `to`, by default the same path on the proxy's {@link FaultProxy.mirror} origin. */
  | { type: 'redirect'; status?: 301 | 302 | 303 | 307 | 308; to?: string };

/** The request a rule sees. */
export interface RequestInfo {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
}

/** Applies `fault` to requests that match, `times` times (default once; Infinity for all). */
export interface FaultRule {
  match: { method?: string; path?: RegExp } | ((req: RequestInfo) => boolean);
  fault: Fault;
  times?: number;
}

/** One request as the proxy saw it. */
export interface RecordedRequest extends RequestInfo {
  /** Status sent to the client; undefined when the connection was cut before one. */
  status?: number;
  /** Request body bytes received from the client. */
  requestBytes: number;
  /** Response body bytes sent to the client. */
  responseBytes: number;
  /** The fault applied, if any. */
  fault?: Fault['type'];
  /** When the request arrived, in ms since the epoch. */
  at: number;
}

/** Picks a fault for a request no rule matched; undefined forwards it untouched. */
export type FaultChooser = (req: RequestInfo) => Fault | undefined;

/** The second origin redirects lead to: forwards to the same upstream and records every request. */
export interface MirrorOrigin {
  host: string;
  url: string;
  requests: RequestInfo[];
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /**
   * Headers the mirror adds when forwarding (it drops any `Authorization` the client sent), the
   * way a presigned object-storage URL carries its own authority: e.g. a token for a
   * token-auth upstream.
   */
  mirrorHeaders?: (req: RequestInfo) => Record<string, string> | Promise<Record<string, string>>;
}

/** A running proxy. */
export interface FaultProxy {
  /** `127.0.0.1:PORT`, to use as a registry host. */
  host: string;
  url: string;
  requests: RecordedRequest[];
  addRule(rule: FaultRule): void;
  clearRules(): void;
  /** Consulted for requests no rule matched; `undefined` turns it off. */
  setChooser(chooser: FaultChooser | undefined): void;
  /** Where `redirect` faults send clients by default. */
  mirror: MirrorOrigin;
  /** Requests matching a method and a path pattern. */
  count(method: string, path?: RegExp): number;
  close(): Promise<void>;
}

function matches(rule: FaultRule, info: RequestInfo): boolean {
  if (typeof rule.match === 'function') return rule.match(info);
  return (!rule.match.method || rule.match.method === info.method) && (!rule.match.path || rule.match.path.test(info.path));
}

/** Starts a proxy on 127.0.0.1 (ephemeral port) in front of `upstream` (`http://host:port` or `host:port`). */
export async function startFaultProxy(upstream: string, opts: FaultProxyOptions = {}): Promise<FaultProxy> {
  const target = new URL(upstream.includes('://') ? upstream : `http://${upstream}`);
  const agent = new Agent({ keepAlive: true });
  const rules: Array<FaultRule & { left: number }> = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let chooser: FaultChooser | undefined;

  const server = createServer((req, res) => {
    const info: RequestInfo = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
    const record: RecordedRequest = { ...info, requestBytes: 0, responseBytes: 0, at: Date.now() };
    requests.push(record);
    const rule = rules.find((r) => r.left > 0 && matches(r, info));
    if (rule) rule.left--;
    const fault = rule?.fault ?? chooser?.(info);
    if (fault) record.fault = fault.type;
    void handle(req, res, record, fault);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, fault: Fault | undefined): Promise<void> {
    if (fault?.type === 'reset') return void req.socket.destroy();
    if (fault?.type === 'status') {
      req.resume();
      record.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      return void res.end(fault.body ?? '');
    }
    if (fault?.type === 'hang') return void req.resume();
    if (fault?.type === 'redirect') {
      req.resume();
      record.status = fault.status ?? 307;
      res.writeHead(record.status, { location: fault.to ?? `${mirror.url}${req.url ?? '/'}`, 'content-length': '0' });
      return void res.end();
    }
    if (fault?.type === 'stall') await new Promise((r) => setTimeout(r, fault.ms));
    const path = fault?.type === 'swap' ? fault.path : req.url;
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path, headers: req.headers, agent }, (ures) => {
      record.status = ures.statusCode;
      if (fault && isBodyFault(fault)) return relayAltered(ures, res, record, fault);
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, ures.rawHeaders);
      const limit = fault?.type === 'cut-response' ? fault.afterBytes : Infinity;
      const cut = () => {
        ures.destroy();
        res.socket?.destroy();
      };
      if (limit === 0) {
        res.flushHeaders();
        return void setTimeout(cut, 20);
      }
      ures.on('data', (chunk: Buffer) => {
        const room = limit - record.responseBytes;
        if (room <= 0) return;
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        record.responseBytes += part.length;
        res.write(part, () => {
          if (record.responseBytes >= limit) cut();
        });
      });
      ures.on('end', () => res.end());
      ures.on('error', () => res.socket?.destroy());
    });
    up.on('error', () => res.socket?.destroy());
    const cutAt = fault?.type === 'cut-request' ? fault.afterBytes : Infinity;
    req.on('data', (chunk: Buffer) => {
      const room = cutAt - record.requestBytes;
      const part = chunk.length > room ? chunk.subarray(0, Math.max(0, room)) : chunk;
      record.requestBytes += part.length;
      if (part.length > 0) up.write(part);
      if (record.requestBytes >= cutAt) {
        // Let the partial body reach the registry before the disconnect it is meant to see.
        setTimeout(() => {
          up.destroy();
          req.socket.destroy();
        }, 50);
        req.pause();
        req.removeAllListeners('data');
      }
    });
    req.on('end', () => up.end());
  }

  const mirrorServer = createServer((req, res) => {
    const info: RequestInfo = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
    mirror.requests.push(info);
    void (async () => {
      const { authorization: _dropped, ...headers } = req.headers;
      Object.assign(headers, await opts.mirrorHeaders?.(info));
      const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (ures) => {
        res.writeHead(ures.statusCode ?? 502, ures.statusMessage, ures.rawHeaders);
        ures.pipe(res);
        ures.on('error', () => res.socket?.destroy());
      });
      up.on('error', () => res.socket?.destroy());
      req.pipe(up);
    })().catch(() => res.socket?.destroy());
  });
  mirrorServer.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => mirrorServer.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const mirrorPort = (mirrorServer.address() as AddressInfo).port;
  const mirror: MirrorOrigin = { host: `127.0.0.1:${mirrorPort}`, url: `http://127.0.0.1:${mirrorPort}`, requests: [] };
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    mirror,
    addRule: (rule) => rules.push({ ...rule, left: rule.times ?? 1 }),
    clearRules: () => void rules.splice(0),
    setChooser: (c) => void (chooser = c),
    count: (method, path) => requests.filter((r) => r.method === method && (!path || path.test(r.path))).length,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([server, mirrorServer].map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
      agent.destroy();
    },
  };
}
