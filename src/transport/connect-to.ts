/**
 * `--connect-to HOST[:PORT]:ADDR:PORT`, after curl's option of the same name: requests for
 * HOST (on PORT, or any port) open their TCP connection to ADDR:PORT instead, while everything
 * else stays as if HOST had been reached: the TLS server name (SNI) and certificate check, the
 * `Host` header, credentials and token realms. Useful to reach a registry through a tunnel or a
 * not-yet-public address, and it is how the tests put provider emulators behind real provider
 * host names (docs/testing.md).
 */
import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import { RegctlError } from '../errors.js';

/** One parsed rule. */
export interface ConnectToRule {
  /** Host name or IP as requested, lower case, IPv6 without brackets. */
  host: string;
  /** Only requests on this port; any port when absent. */
  port?: number;
  /** Where to connect instead (IPv6 without brackets). */
  address: string;
  addressPort: number;
}

/** Splits on ':' outside brackets, so `[::1]:443` stays one host and one port. */
function fields(spec: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of spec) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ':' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function hostField(text: string, spec: string, what: string): string {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const ok = text.startsWith('[') ? isIP(bare) === 6 : /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(bare);
  if (!ok) throw usage(spec, `${what} ${JSON.stringify(text)} is not a host name or IP address (IPv6 in brackets)`);
  return bare.toLowerCase();
}

function portField(text: string, spec: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw usage(spec, `${JSON.stringify(text)} is not a port (1-65535)`);
  return port;
}

function usage(spec: string, why: string): RegctlError {
  return new RegctlError('USAGE', `invalid --connect-to ${JSON.stringify(spec)}: ${why}; expected HOST[:PORT]:ADDR:PORT`);
}

/** Parses one `HOST[:PORT]:ADDR:PORT` rule. Throws `USAGE` when it is malformed. */
export function parseConnectTo(spec: string): ConnectToRule {
  const f = fields(spec.trim());
  if (f.length !== 3 && f.length !== 4) throw usage(spec, 'wrong number of ":"-separated fields');
  const host = hostField(f[0]!, spec, 'host');
  const port = f.length === 4 ? portField(f[1]!, spec) : undefined;
  const address = hostField(f[f.length - 2]!, spec, 'address');
  const addressPort = portField(f[f.length - 1]!, spec);
  return { host, ...(port !== undefined && { port }), address, addressPort };
}

/** Parses rules given as repeated flags and/or comma-separated lists (`REGCTL_CONNECT_TO`). */
export function parseConnectToList(specs: Array<string | undefined>): ConnectToRule[] {
  return specs
    .flatMap((s) => (s ?? '').split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseConnectTo);
}

/** The first rule for a host (as in a URL: IPv6 may be bracketed) and port, if any. */
export function findConnectTo(rules: readonly ConnectToRule[], hostname: string, port: number): ConnectToRule | undefined {
  const h = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return rules.find((r) => r.host === h && (r.port === undefined || r.port === port));
}

/**
 * An undici connector that applies `rules` and otherwise behaves like `buildConnector(options)`.
 * The server name for SNI and certificate verification stays the requested host (node checks
 * the certificate against `servername` when one is set), so a rule never weakens TLS.
 */
export function connectToConnector(rules: readonly ConnectToRule[], options: buildConnector.BuildOptions): buildConnector.connector {
  const base = buildConnector(options);
  if (rules.length === 0) return base;
  return (opts, callback) => {
    const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
    const rule = findConnectTo(rules, opts.hostname, port);
    if (!rule) return base(opts, callback);
    const requested = opts.hostname.replace(/^\[(.*)\]$/, '$1');
    const servername = opts.servername || (isIP(requested) ? undefined : requested);
    base({ ...opts, hostname: rule.address, port: String(rule.addressPort), ...(servername && { servername }) }, callback);
  };
}
