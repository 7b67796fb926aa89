/**
 * The plain HTTP client every registry call goes through: one pooled keep-alive undici Agent,
 * TLS options, timeouts, retries (src/transport/retry.ts) and hand-made redirects
 * (src/transport/redirect.ts). Bodies stream both ways; nothing is buffered here.
 */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { RegctlError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { parseConnectToList } from './connect-to.js';
import { Dispatchers, type HostTls } from './dispatchers.js';
import { ProxySelector, displayProxy, proxyFromEnv, type ProxySettings } from './proxy.js';
import { displayUrl, nextHop, redirectHeaders } from './redirect.js';
import { DEFAULT_RETRY_POLICY, isTimeoutError, retryDelay, shouldRetry, errorCode, type RetryPolicy } from './retry.js';
import type { HttpBody, HttpMethod, HttpRequest, HttpResponse, HttpSender, ResponseBody } from './types.js';

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Extra CA certificates (PEM) trusted besides the system ones. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Skip TLS certificate verification (`--insecure`). */
  insecure?: boolean;
  /** TCP + TLS connect timeout; default 30 s. */
  connectTimeoutMs?: number;
  /** Time to wait for response headers; default 60 s. */
  headersTimeoutMs?: number;
  /** Longest idle time between two body chunks; default 60 s (ACR stalls, GG#1053, ORG#94). */
  bodyTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  userAgent?: string;
  logger?: Logger;
  /** Default 10. */
  maxRedirects?: number;
  /** Sockets per origin; undici's default (unlimited) when unset. */
  connectionsPerOrigin?: number;
  /** How to wait between retries; tests replace it to run without real delays. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** `--connect-to` rules, `HOST[:PORT]:ADDR:PORT` (src/transport/connect-to.ts). */
  connectTo?: string[];
  /** TLS settings of one host (config `hosts`, docker's certs.d), by `URL.host`. */
  tlsFor?: (authority: string) => HostTls | undefined;
  /** Proxies; default `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` from the environment; false: none. */
  proxy?: ProxySettings | false;
}

/** Default time limits of {@link HttpClientOptions}, in ms. */
export const DEFAULT_TIMEOUTS = Object.freeze({ connectMs: 30_000, headersMs: 60_000, bodyMs: 60_000 });

/** A request as sent on one hop, after defaults and redirect rewriting. */
interface Hop {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body?: () => HttpBody;
  replayable: boolean;
  signal?: AbortSignal;
  /** The retry policy of this request (the client's, or with `req.retries` as max). */
  policy: RetryPolicy;
}

/** Sends {@link HttpRequest}s over pooled undici dispatchers (one per origin). Call {@link close} when done. */
export class HttpClient implements HttpSender {
  private readonly dispatchers: Dispatchers;
  private readonly policy: RetryPolicy;
  private readonly log: Logger;
  private readonly userAgent: string;
  private readonly maxRedirects: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(opts: HttpClientOptions = {}) {
    const proxy = opts.proxy === false ? undefined : new ProxySelector(opts.proxy ?? proxyFromEnv());
    this.dispatchers = new Dispatchers({
      ...(opts.ca !== undefined && { ca: opts.ca }),
      ...(opts.insecure && { insecure: true }),
      ...(opts.tlsFor && { tlsFor: opts.tlsFor }),
      ...(proxy && !proxy.empty && { proxy }),
      connectTo: parseConnectToList(opts.connectTo ?? []),
      connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectMs,
      headersTimeoutMs: opts.headersTimeoutMs ?? DEFAULT_TIMEOUTS.headersMs,
      bodyTimeoutMs: opts.bodyTimeoutMs ?? DEFAULT_TIMEOUTS.bodyMs,
      ...(opts.connectionsPerOrigin !== undefined && { connectionsPerOrigin: opts.connectionsPerOrigin }),
    });
    this.policy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.log = opts.logger ?? silentLogger;
    this.userAgent = opts.userAgent ?? 'regctl';
    this.maxRedirects = opts.maxRedirects ?? 10;
    this.sleep = opts.sleep ?? abortableSleep;
  }

  /**
   * Sends a request, retrying transient failures and following redirects. Resolves with the
   * final response (any status: mapping statuses to errors is the caller's job); rejects with
   * `NETWORK`/`TIMEOUT` after the last failed try, `INSECURE` for an https -> http redirect,
   * `REGISTRY_ERROR` for too many redirects, or the signal's reason when aborted.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const follow = req.followRedirects ?? (req.method === 'GET' || req.method === 'HEAD');
    let hop: Hop = {
      method: req.method,
      url: parseUrl(req.url),
      headers: { 'user-agent': this.userAgent, ...req.headers },
      replayable: req.replayable !== false,
      policy: req.retries !== undefined ? { ...this.policy, max: Math.max(0, req.retries) } : this.policy,
      ...(req.body && { body: req.body }),
      ...(req.signal && { signal: req.signal }),
    };
    for (let redirects = 0; ; redirects++) {
      const res = await this.sendWithRetry(hop);
      if (!follow) return res;
      const next = nextHop(res.status, headerValue(res.headers.location), hop.url, hop.method);
      if (!next) return res;
      if (redirects >= this.maxRedirects) {
        await res.body.dump();
        throw new RegctlError('REGISTRY_ERROR', `${req.method} ${displayUrl(req.url)}: more than ${this.maxRedirects} redirects`, { status: res.status });
      }
      if (next.downgrade) {
        // An https registry has no business sending us to plain http: a hop there would expose
        // the request (and, on the same host, its credentials) to anyone on the path.
        await res.body.dump();
        this.log.warn(`refusing redirect from ${displayUrl(hop.url)} to plain http ${displayUrl(next.url)}`);
        throw new RegctlError('INSECURE', `${req.method} ${displayUrl(req.url)}: redirect to plain http ${displayUrl(next.url)} refused`, { status: res.status });
      }
      if (next.keepBody && hop.body && !hop.replayable) {
        // 307/308 want the same body again, which a one-shot stream cannot give: hand the
        // redirect to the caller instead.
        this.log.debug(`not following ${res.status} for a one-shot body: ${displayUrl(next.url)}`);
        return res;
      }
      await res.body.dump();
      this.log.debug(`redirect ${res.status} -> ${displayUrl(next.url)}${next.crossOrigin ? ' (credentials dropped)' : ''}`);
      const { body: _dropped, ...rest } = hop;
      hop = {
        ...rest,
        method: next.method,
        url: next.url,
        headers: redirectHeaders(hop.headers, next),
        // A hop that no longer carries the one-shot body can be retried like any GET.
        replayable: hop.replayable || !(next.keepBody && hop.body),
        ...(next.keepBody && hop.body && { body: hop.body }),
      };
    }
  }

  /** Sends one hop, retrying what {@link shouldRetry} allows. */
  private async sendWithRetry(hop: Hop): Promise<HttpResponse> {
    const where = `${hop.method} ${displayUrl(hop.url)}`;
    const policy = hop.policy;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(hop.signal);
      const started = performance.now();
      this.log.debug(`${where}${attempt > 0 ? ` (retry ${attempt}/${policy.max})` : ''}`);
      let raw: Dispatcher.ResponseData;
      // Per-host TLS material is read here, on first use: a bad file fails this request, not the client.
      const route = this.dispatchers.for(hop.url);
      if (attempt === 0 && route.proxy) this.log.debug(`${where}: through proxy ${displayProxy(route.proxy)}`);
      try {
        raw = await route.dispatcher.request({
          origin: hop.url.origin,
          path: hop.url.pathname + hop.url.search,
          method: hop.method,
          headers: hop.headers,
          body: hop.body ? toUndiciBody(hop.body()) : null,
          signal: hop.signal ?? null,
          // undici closes the connection after every HEAD, in case a server sends a body anyway
          // (undici#258). Registries send none (a Go server drops it), and copy and sync check
          // with HEADs: one new connection each cost more than the request.
          ...(hop.method === 'HEAD' && { reset: false }),
        });
      } catch (err) {
        throwIfAborted(hop.signal);
        const reason = describeError(err);
        if (shouldRetry({ error: err }, attempt, policy, hop.replayable)) {
          const wait = retryDelay(attempt, policy, undefined);
          this.log.debug(`${where}: ${reason}; retrying in ${wait} ms`);
          await this.sleep(wait, hop.signal);
          continue;
        }
        const hint = isTlsVerifyError(err) ? `trust the registry's CA: hosts["${hop.url.host}"].caFile in the config, ${hop.url.host}/ca.crt under /etc/docker/certs.d, or --ca-file <pem> (docs/config.md); --insecure skips verification` : undefined;
        const via = route.proxy ? ` (through proxy ${displayProxy(route.proxy)})` : '';
        throw new RegctlError(isTimeoutError(err) ? 'TIMEOUT' : 'NETWORK', `${where}: ${reason}${via}`, { cause: err, ...(hint && { hint }) });
      }
      const elapsed = Math.round(performance.now() - started);
      this.log.debug(`${where} -> ${raw.statusCode} (${elapsed} ms)`);
      if (shouldRetry({ status: raw.statusCode }, attempt, policy, hop.replayable)) {
        const wait = retryDelay(attempt, policy, headerValue(raw.headers['retry-after']));
        this.log.debug(`${where}: status ${raw.statusCode}; retrying in ${wait} ms`);
        await raw.body.dump().catch(() => undefined);
        await this.sleep(wait, hop.signal);
        continue;
      }
      return { status: raw.statusCode, headers: raw.headers, url: hop.url.toString(), body: raw.body as ResponseBody };
    }
  }

  /** Closes pooled connections; in-flight requests finish first. */
  async close(): Promise<void> {
    await this.dispatchers.close();
  }
}

function parseUrl(url: string | URL): URL {
  try {
    return new URL(url);
  } catch {
    throw new RegctlError('INVALID_INPUT', `not a valid URL: ${displayUrl(String(url))}`);
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** undici takes strings, bytes and Readables; other async iterables are wrapped. */
function toUndiciBody(body: HttpBody): string | Uint8Array | Readable {
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof Readable) return body;
  return Readable.from(body, { objectMode: false });
}

function describeError(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** Certificate verification failures (node's OpenSSL codes): a CA problem, not a network one. */
function isTlsVerifyError(err: unknown): boolean {
  const code = errorCode(err) ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/.test(code);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
