/**
 * One undici dispatcher per origin, so each host gets its own TLS material (a CA, a client
 * certificate for mTLS, `insecure`) and its own route: direct, through a `--connect-to` rule,
 * or through the proxy the environment names (src/transport/proxy.ts). A `--connect-to` rule
 * wins over a proxy: it says where the host is, so the connection goes straight there.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { Agent, ProxyAgent, buildConnector, type Dispatcher } from 'undici';
import { RegctlError } from '../errors.js';
import { connectToConnector, findConnectTo, type ConnectToRule } from './connect-to.js';
import type { ProxySelector } from './proxy.js';

/** TLS settings of one host, on top of the client-wide ones. */
export interface HostTls {
  /** Extra CA certificates (PEM) trusted besides the system roots. */
  ca?: Buffer[];
  /** Client certificate and key (PEM) for mTLS. */
  cert?: Buffer;
  key?: Buffer;
  insecure?: boolean;
}

/** What {@link Dispatchers} needs. */
export interface DispatchersOptions {
  /** Client-wide extra CAs (`--ca-file`). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client-wide `--insecure`. */
  insecure?: boolean;
  /** Per-host TLS, by `URL.host` (`host[:port]`, default port omitted). */
  tlsFor?: (authority: string) => HostTls | undefined;
  connectTo: readonly ConnectToRule[];
  proxy?: ProxySelector;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  connectionsPerOrigin?: number;
}

/** The dispatcher for a request, and the proxy it goes through (for messages). */
export interface Route {
  dispatcher: Dispatcher;
  proxy?: URL;
}

let extraCaFromEnv: string[] | undefined;

/**
 * Node's bundled roots plus `NODE_EXTRA_CA_CERTS`: passing `ca` to TLS replaces the default
 * store, so a host with a CA of its own must still trust what it would have trusted without.
 */
function systemRoots(): string[] {
  if (!extraCaFromEnv) {
    const file = process.env.NODE_EXTRA_CA_CERTS;
    let extra: string[] = [];
    try {
      if (file) extra = [readFileSync(file, 'utf8')];
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do we, by ignoring it.
    }
    extraCaFromEnv = extra;
  }
  return [...rootCertificates, ...extraCaFromEnv];
}

/** Caches one dispatcher per origin; {@link close} closes them all. */
export class Dispatchers {
  private readonly routes = new Map<string, Route>();

  constructor(private readonly opts: DispatchersOptions) {}

  /** The route for `url`'s origin, made on first use. */
  for(url: URL): Route {
    let route = this.routes.get(url.origin);
    if (!route) {
      route = this.make(url);
      this.routes.set(url.origin, route);
    }
    return route;
  }

  /** Closes every dispatcher; in-flight requests finish first. */
  async close(): Promise<void> {
    await Promise.all([...this.routes.values()].map((r) => r.dispatcher.close()));
    this.routes.clear();
  }

  private make(url: URL): Route {
    const o = this.opts;
    const tls = this.tlsOptions(url.host);
    const common = {
      connectTimeout: o.connectTimeoutMs,
      headersTimeout: o.headersTimeoutMs,
      bodyTimeout: o.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
      ...(o.connectionsPerOrigin !== undefined && { connections: o.connectionsPerOrigin }),
    };
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const proxy = findConnectTo(o.connectTo, url.hostname, port) ? undefined : o.proxy?.for(url);
    if (proxy) {
      return {
        proxy,
        dispatcher: new ProxyAgent({ ...common, uri: proxy.href, requestTls: tls, proxyTls: { timeout: o.connectTimeoutMs } }),
      };
    }
    // A connector function replaces undici's own, so the connect timeout goes into it.
    return { dispatcher: new Agent({ ...common, connect: connectToConnector(o.connectTo, tls) }) };
  }

  private tlsOptions(authority: string): buildConnector.BuildOptions {
    const o = this.opts;
    const host = o.tlsFor?.(authority);
    const global = o.ca === undefined ? [] : Array.isArray(o.ca) ? o.ca : [o.ca];
    const ca = [...global, ...(host?.ca ?? [])];
    const insecure = !!(o.insecure || host?.insecure);
    const base = { rejectUnauthorized: !insecure, timeout: o.connectTimeoutMs };
    if (ca.length === 0 && !host?.cert) return base;
    return { ...base, secureContext: secureContext(authority, ca, host) };
  }
}

function secureContext(authority: string, ca: Array<string | Buffer>, host: HostTls | undefined): SecureContext {
  try {
    return createSecureContext({
      ...(ca.length > 0 && { ca: [...systemRoots(), ...ca] }),
      ...(host?.cert && { cert: host.cert, key: host.key }),
    });
  } catch (e) {
    // A file that is not PEM, or a key that does not match its certificate.
    throw new RegctlError('CONFIG', `TLS settings for ${authority} are not usable: ${(e as Error).message}`, { cause: e });
  }
}
