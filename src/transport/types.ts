import type { Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';

/** HTTP methods the registry protocol uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** A request body. Strings and byte arrays can be re-sent; a stream can be sent once. */
export type HttpBody = string | Uint8Array | Readable | AsyncIterable<Uint8Array>;

/**
 * A request. `body` is a factory, not a value, so that a retry or an auth replay can make a
 * fresh body (DESIGN principle 5); set `replayable: false` when the factory can only be called
 * once (a live stream from another registry), and the request is then never re-sent.
 */
export interface HttpRequest {
  method: HttpMethod;
  url: string | URL;
  headers?: Record<string, string>;
  body?: () => HttpBody;
  /** Defaults to true. False: the body factory works once; no retry, no replay. */
  replayable?: boolean;
  /** Follow 3xx redirects (default true for GET/HEAD, false otherwise). */
  followRedirects?: boolean;
  signal?: AbortSignal;
  /** Overrides the client's retry count for this request; 0 sends it once (probes, pings). */
  retries?: number;
}

/** A response whose body must be consumed or dumped by the caller. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  url: string;
  body: ResponseBody;
}

/** undici's response body: a Readable with helpers. */
export interface ResponseBody extends Readable {
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
  dump(opts?: { limit: number }): Promise<void>;
}

/** Anything that sends an {@link HttpRequest}: the plain client or the auth layer over it. */
export interface HttpSender {
  send(req: HttpRequest): Promise<HttpResponse>;
}

/** Returns the first value of a response header, lower-case name. */
export function header(res: Pick<HttpResponse, 'headers'>, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Returns every value of a response header (several `WWW-Authenticate` lines, for example). */
export function headerAll(res: Pick<HttpResponse, 'headers'>, name: string): string[] {
  const v = res.headers[name.toLowerCase()];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
