import { PROJECT_FILES, USER_FILES, userConfigDir } from '../config/load.js';
import type { Settings, Sourced } from '../config/settings.js';
import { DEFAULT_BLOB_CONCURRENCY } from '../copy/limits.js';
import { isLoopbackHost } from '../ref/host.js';
import { findConnectTo, parseConnectToList } from '../transport/connect-to.js';
import { DEFAULT_TIMEOUTS } from '../transport/http.js';
import { ProxySelector, displayProxy, proxyFromEnv } from '../transport/proxy.js';
import { DEFAULT_RETRY_POLICY } from '../transport/retry.js';
import type { GlobalOptions } from './context.js';

/** A setting as `regctl config` shows it: the value and where it came from. */
type Shown<T> = Sourced<T>;

/** What `regctl config [host]` reports (also its `--json`; docs/schema/config.json). */
export interface ConfigReport {
  files: Array<{ path: string; scope: string }>;
  /** Where files were looked for, when none was found. */
  searched?: string[];
  defaults: { concurrency: Shown<number>; retries: Shown<number>; timeouts: { connect: Shown<number>; response: Shown<number>; idle: Shown<number> } };
  /** Hosts the files configure. */
  hosts: string[];
  host?: HostReport;
}

/** The effective settings of one host. */
export interface HostReport {
  host: string;
  entry?: string;
  tls: Shown<string>;
  caFiles: Array<Shown<string>>;
  clientCertificate?: Shown<{ cert: string; key: string }>;
  mirrors?: Shown<string[]>;
  credentialHelper?: Shown<string>;
  concurrency: Shown<number>;
  chunkSize?: Shown<number>;
  requestsPerSecond?: Shown<number>;
  /** `direct`, or the proxy URL (without credentials). */
  proxy: Shown<string>;
  connectTo?: Shown<string>;
}

const DEFAULT = 'default';

/** Assembles the report from the loaded settings, the global flags and the environment. */
export function configReport(settings: Settings, globals: GlobalOptions, host: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigReport {
  const g = settings.global();
  const concurrency = g.concurrency ?? { value: DEFAULT_BLOB_CONCURRENCY, from: DEFAULT };
  const report: ConfigReport = {
    files: settings.files.map((f) => ({ path: f.path, scope: f.scope })),
    ...(settings.files.length === 0 && { searched: [`${userConfigDir(env)}/{${USER_FILES.join(',')}}`, `${PROJECT_FILES.join(', ')} from ${process.cwd()} up to the nearest package.json`] }),
    defaults: {
      concurrency,
      retries: g.retries ?? { value: DEFAULT_RETRY_POLICY.max, from: DEFAULT },
      timeouts: {
        connect: g.timeouts.connect ?? { value: DEFAULT_TIMEOUTS.connectMs, from: DEFAULT },
        response: g.timeouts.response ?? { value: DEFAULT_TIMEOUTS.headersMs, from: DEFAULT },
        idle: g.timeouts.idle ?? { value: DEFAULT_TIMEOUTS.bodyMs, from: DEFAULT },
      },
    },
    hosts: settings.hosts(),
  };
  if (host === undefined) return report;
  const h = settings.host(host);
  // The same precedence as the client: plain http from either side, then --insecure, then the file.
  const tls: Shown<string> = globals.plainHttp ? { value: 'disabled', from: '--plain-http' }
    : h.tls?.value === 'disabled' ? h.tls
      : globals.insecure ? { value: 'insecure', from: '--insecure' }
        : h.tls ?? { value: isLoopbackHost(h.host) ? 'enabled, then plain http (loopback)' : 'enabled', from: DEFAULT };
  const scheme = tls.value === 'disabled' ? 'http' : 'https';
  const rules = parseConnectToList([...(globals.connectTo ?? []), env.REGCTL_CONNECT_TO]);
  const url = new URL(`${scheme}://${h.host}`);
  const rule = findConnectTo(rules, url.hostname, Number(url.port) || (scheme === 'https' ? 443 : 80));
  const proxy = rule ? undefined : new ProxySelector(proxyFromEnv(env)).for(url);
  report.host = {
    host: h.host,
    ...(h.entry !== undefined && { entry: h.entry }),
    tls,
    caFiles: [...h.caFiles, ...(globals.caFile ? [{ value: globals.caFile, from: '--ca-file' }] : [])],
    ...(h.client && { clientCertificate: h.client }),
    ...(h.mirrors && { mirrors: h.mirrors }),
    ...(h.credentialHelper && { credentialHelper: h.credentialHelper }),
    concurrency: h.concurrency ?? concurrency,
    ...(h.chunkSize && { chunkSize: h.chunkSize }),
    ...(h.requestsPerSecond && { requestsPerSecond: h.requestsPerSecond }),
    proxy: proxy ? { value: displayProxy(proxy), from: scheme === 'https' ? 'HTTPS_PROXY' : 'HTTP_PROXY' }
      : { value: 'direct', from: rule ? '--connect-to' : isLoopbackHost(h.host) ? 'loopback' : proxyFromEnv(env)[scheme === 'https' ? 'httpsProxy' : 'httpProxy'] ? 'NO_PROXY' : DEFAULT },
    ...(rule && { connectTo: { value: `${rule.address}:${rule.addressPort}`, from: '--connect-to' } }),
  };
  return report;
}

const secs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
const src = (s: { from: string }) => `(${s.from})`;

/** The report for people, one setting per line with its source. */
export function configLines(r: ConfigReport): string[] {
  const out = ['Config files (later ones win):'];
  if (r.files.length === 0) out.push('  none found; searched:', ...(r.searched ?? []).map((s) => `    ${s}`));
  for (const f of r.files) out.push(`  ${f.scope.padEnd(8)} ${f.path}`);
  const d = r.defaults;
  out.push('Defaults:',
    `  concurrency        ${d.concurrency.value} ${src(d.concurrency)}`,
    `  retries            ${d.retries.value} ${src(d.retries)}`,
    `  timeouts           connect ${secs(d.timeouts.connect.value)} ${src(d.timeouts.connect)}, response ${secs(d.timeouts.response.value)} ${src(d.timeouts.response)}, idle ${secs(d.timeouts.idle.value)} ${src(d.timeouts.idle)}`);
  if (!r.host) {
    out.push(`Hosts: ${r.hosts.length ? r.hosts.join(', ') : 'none configured'}`);
    return out;
  }
  const h = r.host;
  const row = (name: string, value: string, from: string) => out.push(`  ${name.padEnd(18)} ${value} (${from})`);
  out.push(`Registry ${h.host}${h.entry ? ` (hosts["${h.entry}"])` : ' (no hosts entry)'}:`);
  row('tls', h.tls.value, h.tls.from);
  if (h.caFiles.length === 0) row('ca files', 'system roots only', DEFAULT);
  for (const c of h.caFiles) row('ca file', c.value, c.from);
  if (h.clientCertificate) row('client certificate', `${h.clientCertificate.value.cert} + ${h.clientCertificate.value.key}`, h.clientCertificate.from);
  if (h.mirrors) row('mirrors', h.mirrors.value.join(', '), h.mirrors.from);
  if (h.credentialHelper) row('credential helper', `docker-credential-${h.credentialHelper.value}`, h.credentialHelper.from);
  row('concurrency', String(h.concurrency.value), h.concurrency.from);
  if (h.chunkSize) row('chunk size', `${h.chunkSize.value} bytes`, h.chunkSize.from);
  if (h.requestsPerSecond) row('requests/second', String(h.requestsPerSecond.value), h.requestsPerSecond.from);
  row('proxy', h.proxy.value, h.proxy.from);
  if (h.connectTo) row('connect to', h.connectTo.value, h.connectTo.from);
  return out;
}
