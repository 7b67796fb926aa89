import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { RegctlError } from '../errors.js';
import { parseRegistry } from '../ref/host.js';
import { closest } from './closest.js';
import { TLS_MODES, type HostConfig, type RegctlConfig, type TimeoutConfig, type TlsMode } from './types.js';
import { parseDuration, parseSize } from './units.js';

/** Where a value sits, for messages: the file and the key path (`hosts["x"].tls`). */
class At {
  constructor(readonly file: string, readonly path: string) {}

  key(k: string): At {
    return new At(this.file, this.path ? `${this.path}.${k}` : k);
  }

  entry(k: string | number): At {
    return new At(this.file, `${this.path}[${typeof k === 'number' ? k : JSON.stringify(k)}]`);
  }

  fail(problem: string): never {
    throw new RegctlError('CONFIG', `${this.file}: ${this.path || '(top level)'}: ${problem}`, {
      hint: 'see docs/config.md for every key; `regctl config` shows what is in effect',
    });
  }
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));

function object(v: unknown, at: At, known: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) at.fail(`must be an object, not ${show(v)}`);
  for (const k of Object.keys(v)) {
    if (known.includes(k)) continue;
    const near = closest(k, known);
    at.key(k).fail(`unknown key${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${known.join(', ')}`);
  }
  return v as Record<string, unknown>;
}

function wholeNumber(v: unknown, at: At, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) at.fail(`must be a whole number of at least ${min}, not ${show(v)}`);
  return v;
}

function positive(v: unknown, at: At): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) at.fail(`must be a number above 0, not ${show(v)}`);
  return v;
}

function text(v: unknown, at: At): string {
  if (typeof v !== 'string' || v.trim() === '') at.fail(`must be a non-empty string, not ${show(v)}`);
  return v;
}

/** Relative paths are read from the config file's own directory; `~/` is the home directory. */
function path(v: unknown, at: At, home: string): string {
  const p = text(v, at);
  if (p === '~' || p.startsWith('~/')) return join(home, p.slice(1));
  return isAbsolute(p) ? p : resolve(dirname(at.file), p);
}

function timeouts(v: unknown, at: At): TimeoutConfig {
  const o = object(v, at, ['connect', 'response', 'idle']);
  const out: TimeoutConfig = {};
  for (const k of ['connect', 'response', 'idle'] as const) {
    if (o[k] === undefined) continue;
    const ms = parseDuration(o[k]);
    if (ms === undefined) at.key(k).fail(`must be a duration such as 30 (seconds), "500ms", "30s" or "2m", not ${show(o[k])}`);
    out[k] = ms;
  }
  return out;
}

/** `host[:port][/path/prefix]`, the host normalised. */
function mirror(v: unknown, at: At): string {
  const s = text(v, at).replace(/\/+$/, '');
  if (/^[a-z]+:\/\//i.test(s)) at.fail(`write the mirror as host[:port][/path], without a scheme (set hosts["<mirror>"].tls instead), not ${show(v)}`);
  const slash = s.indexOf('/');
  const host = slash < 0 ? s : s.slice(0, slash);
  const prefix = slash < 0 ? '' : s.slice(slash);
  let normal: string;
  try {
    normal = parseRegistry(host);
  } catch (e) {
    return at.fail((e as Error).message);
  }
  if (prefix && !/^(\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/.test(prefix)) at.fail(`${show(prefix)} is not a repository path prefix (lowercase path components)`);
  return normal + prefix;
}

const HOST_KEYS = ['tls', 'caFile', 'clientCert', 'clientKey', 'mirrors', 'credentialHelper', 'concurrency', 'chunkSize', 'requestsPerSecond'] as const;

function host(v: unknown, at: At, home: string): HostConfig {
  const o = object(v, at, HOST_KEYS);
  const out: HostConfig = {};
  if (o.tls !== undefined) {
    if (!TLS_MODES.includes(o.tls as TlsMode)) at.key('tls').fail(`must be one of ${TLS_MODES.join(', ')}, not ${show(o.tls)}`);
    out.tls = o.tls as TlsMode;
  }
  if (Array.isArray(o.caFile)) out.caFile = o.caFile.map((p, i) => path(p, at.key('caFile').entry(i), home));
  else if (o.caFile !== undefined) out.caFile = [path(o.caFile, at.key('caFile'), home)];
  if (o.clientCert !== undefined) out.clientCert = path(o.clientCert, at.key('clientCert'), home);
  if (o.clientKey !== undefined) out.clientKey = path(o.clientKey, at.key('clientKey'), home);
  if ((out.clientCert === undefined) !== (out.clientKey === undefined)) {
    at.key(out.clientCert ? 'clientKey' : 'clientCert').fail('clientCert and clientKey go together: set both or neither');
  }
  if (o.mirrors !== undefined) {
    if (!Array.isArray(o.mirrors)) return at.key('mirrors').fail(`must be a list of registries, not ${show(o.mirrors)}`);
    out.mirrors = o.mirrors.map((m, i) => mirror(m, at.key('mirrors').entry(i)));
  }
  if (o.credentialHelper !== undefined) {
    const h = text(o.credentialHelper, at.key('credentialHelper'));
    // The name becomes part of a program name looked up on PATH: no paths, no options.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(h)) at.key('credentialHelper').fail(`must be a helper suffix such as "ecr-login" (runs docker-credential-ecr-login), not ${show(h)}`);
    out.credentialHelper = h;
  }
  if (o.concurrency !== undefined) out.concurrency = wholeNumber(o.concurrency, at.key('concurrency'), 1);
  if (o.chunkSize !== undefined) {
    const size = parseSize(o.chunkSize);
    if (size === undefined) at.key('chunkSize').fail(`must be a size such as 5242880, "5MiB" or "16MB", not ${show(o.chunkSize)}`);
    out.chunkSize = size;
  }
  if (o.requestsPerSecond !== undefined) out.requestsPerSecond = positive(o.requestsPerSecond, at.key('requestsPerSecond'));
  return out;
}

const TOP_KEYS = ['concurrency', 'retries', 'timeouts', 'hosts'] as const;

/**
 * Checks a parsed config file and normalises it: host keys as references write them, sizes in
 * bytes, durations in ms, paths absolute (relative ones from the file's directory). Anything
 * unknown or malformed is a `CONFIG` error naming the file and the key, with the nearest known
 * key when it looks like a typo.
 */
export function validateConfig(raw: unknown, file: string, home: string = homedir()): RegctlConfig {
  const at = new At(file, '');
  const o = object(raw, at, TOP_KEYS);
  const out: RegctlConfig = {};
  if (o.concurrency !== undefined) out.concurrency = wholeNumber(o.concurrency, at.key('concurrency'), 1);
  if (o.retries !== undefined) out.retries = wholeNumber(o.retries, at.key('retries'), 0);
  if (o.timeouts !== undefined) out.timeouts = timeouts(o.timeouts, at.key('timeouts'));
  if (o.hosts !== undefined) {
    const hosts = object(o.hosts, at.key('hosts'), Object.keys(o.hosts ?? {}));
    out.hosts = {};
    const seen = new Map<string, string>();
    for (const [key, value] of Object.entries(hosts)) {
      const here = at.key('hosts').entry(key);
      let normal: string;
      try {
        normal = parseRegistry(key);
      } catch (e) {
        return here.fail((e as Error).message);
      }
      const before = seen.get(normal);
      if (before !== undefined) here.fail(`names the same registry as ${JSON.stringify(before)}; merge the two entries`);
      seen.set(normal, key);
      out.hosts[normal] = host(value, here, home);
    }
  }
  return out;
}
