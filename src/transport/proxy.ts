/**
 * Which proxy a request goes through: `HTTPS_PROXY` for https URLs, `HTTP_PROXY` for http ones
 * (either case; the upper-case name wins, as in Go), none for hosts `NO_PROXY` names
 * (src/transport/no-proxy.ts), and none for loopback hosts: like docker (Go's httpproxy), a
 * registry on `localhost`, 127.0.0.0/8 or ::1 is always reached directly.
 */
import { RegctlError, registerSecret } from '../errors.js';
import { isLoopbackHost } from '../ref/host.js';
import { bypassesProxy, parseNoProxy, type NoProxyRule } from './no-proxy.js';

/** Proxy settings; each proxy is a URL (`http://proxy:3128`, `http://user:pass@proxy:3128`). */
export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  /** `NO_PROXY` syntax. */
  noProxy?: string;
}

/** Reads `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` (or their lower-case forms). */
export function proxyFromEnv(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const pick = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
  const httpProxy = pick('HTTP_PROXY');
  const httpsProxy = pick('HTTPS_PROXY');
  const noProxy = pick('NO_PROXY');
  return { ...(httpProxy && { httpProxy }), ...(httpsProxy && { httpsProxy }), ...(noProxy && { noProxy }) };
}

/** A proxy URL: scheme http or https (none means http, as in Go and curl). */
function parseProxyUrl(value: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new RegctlError('CONFIG', `${name} is not a valid proxy URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RegctlError('CONFIG', `${name}: proxy scheme ${url.protocol.slice(0, -1)} is not supported; use http:// or https://`);
  }
  // The proxy's password must never show in a log line or an error message.
  registerSecret(decodeURIComponent(url.password));
  return url;
}

/** Chooses the proxy of each request. */
export class ProxySelector {
  private readonly http?: URL;
  private readonly https?: URL;
  private readonly noProxy: NoProxyRule[];

  constructor(settings: ProxySettings) {
    if (settings.httpProxy) this.http = parseProxyUrl(settings.httpProxy, 'HTTP_PROXY');
    if (settings.httpsProxy) this.https = parseProxyUrl(settings.httpsProxy, 'HTTPS_PROXY');
    this.noProxy = parseNoProxy(settings.noProxy);
  }

  /** True when no proxy is set at all. */
  get empty(): boolean {
    return !this.http && !this.https;
  }

  /** The proxy for `url`, or undefined to connect directly. */
  for(url: URL): URL | undefined {
    const proxy = url.protocol === 'https:' ? this.https : this.http;
    if (!proxy || isLoopbackHost(url.host)) return undefined;
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    return bypassesProxy(this.noProxy, url.hostname, port) ? undefined : proxy;
  }
}

/** A proxy URL for messages: scheme, host and port only. */
export function displayProxy(url: URL): string {
  return `${url.protocol}//${url.host}`;
}
