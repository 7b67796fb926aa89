import { readFileSync } from 'node:fs';
import { RegctlError } from '../errors.js';
import { isLoopbackHost, normalizeRegistryHost, splitHostPort, joinHostPort } from '../ref/host.js';
import { readCertsDir } from './certs-d.js';
import type { ConfigFile, HostConfig, RegctlConfig, TimeoutConfig, TlsMode } from './types.js';

/** A value and where it was set: a config file's path, a certs.d directory. */
export interface Sourced<T> {
  value: T;
  from: string;
}

/** The effective settings of one registry host, each with its source (`regctl config <host>`). */
export interface HostSettings {
  /** The host as normalised (`docker.io`, `localhost:5000`). */
  host: string;
  /** The `hosts` key that applied, if any: the host itself, or its name without the port. */
  entry?: string;
  tls?: Sourced<TlsMode>;
  /** CA files: certs.d's, then the config's. */
  caFiles: Array<Sourced<string>>;
  client?: Sourced<{ cert: string; key: string }>;
  mirrors?: Sourced<string[]>;
  credentialHelper?: Sourced<string>;
  concurrency?: Sourced<number>;
  chunkSize?: Sourced<number>;
  requestsPerSecond?: Sourced<number>;
}

/** Global settings, each with its source. */
export interface GlobalSettings {
  concurrency?: Sourced<number>;
  retries?: Sourced<number>;
  timeouts: { [K in keyof TimeoutConfig]?: Sourced<number> };
}

/** TLS material for connections to one host, read from the files the settings name. */
export interface TlsMaterial {
  /** Extra CA certificates (PEM) to trust besides the system roots. */
  ca: Buffer[];
  cert?: Buffer;
  key?: Buffer;
  /** Skip certificate verification (`tls: insecure`). */
  insecure: boolean;
}

type PlainHostKey = Exclude<keyof HostConfig, 'caFile' | 'clientCert' | 'clientKey'>;

/**
 * The settings of the config files that were loaded (src/config/load.ts), merged: for each key
 * the file of highest precedence that sets it wins (user < project < `--config`). Host entries
 * are looked up by the normalised host, then by its name without the port. Docker's
 * `certs.d/<host>/` adds CAs and a client certificate (src/config/certs-d.ts).
 */
export class Settings {
  private readonly tlsCache = new Map<string, TlsMaterial | undefined>();
  private readonly hostCache = new Map<string, HostSettings>();

  constructor(readonly files: readonly ConfigFile[] = [], private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** Global defaults that the files set. */
  global(): GlobalSettings {
    const out: GlobalSettings = { timeouts: {} };
    for (const f of this.files) {
      const c: RegctlConfig = f.config;
      if (c.concurrency !== undefined) out.concurrency = { value: c.concurrency, from: f.path };
      if (c.retries !== undefined) out.retries = { value: c.retries, from: f.path };
      for (const [k, v] of Object.entries(c.timeouts ?? {}) as Array<[keyof TimeoutConfig, number]>) out.timeouts[k] = { value: v, from: f.path };
    }
    return out;
  }

  /** Every host a file names, for completion and `regctl config`. */
  hosts(): string[] {
    return [...new Set(this.files.flatMap((f) => Object.keys(f.config.hosts ?? {})))].sort();
  }

  /** The effective settings of `host` (as in a reference, or a URL's host), worked out once. */
  host(host: string): HostSettings {
    let s = this.hostCache.get(host);
    if (!s) this.hostCache.set(host, (s = this.resolve(host)));
    return s;
  }

  private resolve(host: string): HostSettings {
    const normal = normalize(host);
    const entry = this.entryFor(normal);
    const out: HostSettings = { host: normal, caFiles: [], ...(entry !== undefined && { entry }) };
    // docker names the directory `host[:port]` as the host is written (IPv6 in brackets).
    const certs = readCertsDir(host.toLowerCase(), this.env);
    if (certs) {
      out.caFiles.push(...certs.caFiles.map((value) => ({ value, from: certs.dir })));
      if (certs.client) out.client = { value: certs.client, from: certs.dir };
    }
    if (entry === undefined) return out;
    const plain: PlainHostKey[] = ['tls', 'mirrors', 'credentialHelper', 'concurrency', 'chunkSize', 'requestsPerSecond'];
    let caFrom: Sourced<string[]> | undefined;
    for (const f of this.files) {
      const h = f.config.hosts?.[entry];
      if (!h) continue;
      for (const k of plain) if (h[k] !== undefined) (out as unknown as Record<string, Sourced<unknown>>)[k] = { value: h[k], from: f.path };
      if (h.caFile) caFrom = { value: h.caFile, from: f.path };
      if (h.clientCert && h.clientKey) out.client = { value: { cert: h.clientCert, key: h.clientKey }, from: f.path };
    }
    if (caFrom) out.caFiles.push(...caFrom.value.map((value) => ({ value, from: caFrom!.from })));
    return out;
  }

  /**
   * The TLS files of the host of a URL (`host[:port]` as in `URL.host`), read once; undefined
   * when nothing is configured for it. Unreadable files are `CONFIG` errors naming them.
   */
  tls(authority: string): TlsMaterial | undefined {
    if (!this.tlsCache.has(authority)) {
      const s = this.host(authority);
      const insecure = s.tls?.value === 'insecure';
      const material = s.caFiles.length === 0 && !s.client && !insecure ? undefined : {
        ca: s.caFiles.map((f) => read(f, 'CA file')),
        ...(s.client && { cert: read({ value: s.client.value.cert, from: s.client.from }, 'client certificate') }),
        ...(s.client && { key: read({ value: s.client.value.key, from: s.client.from }, 'client key') }),
        insecure,
      };
      this.tlsCache.set(authority, material);
    }
    return this.tlsCache.get(authority);
  }

  /** Hosts whose TLS a project file weakens: a cloned repository should not do that silently. */
  projectTlsWarnings(): string[] {
    const out: string[] = [];
    for (const f of this.files) {
      if (f.scope !== 'project') continue;
      for (const [host, h] of Object.entries(f.config.hosts ?? {})) {
        if ((h.tls === 'insecure' || h.tls === 'disabled') && !isLoopbackHost(host)) out.push(`${f.path} sets tls: ${h.tls} for ${host}`);
      }
    }
    return out;
  }

  private entryFor(host: string): string | undefined {
    const has = (k: string) => this.files.some((f) => f.config.hosts?.[k] !== undefined);
    if (has(host)) return host;
    const { hostname, port } = safeSplit(host);
    const bare = joinHostPort(hostname);
    return port !== undefined && has(bare) ? bare : undefined;
  }
}

function normalize(host: string): string {
  try {
    return normalizeRegistryHost(host);
  } catch {
    return host.toLowerCase();
  }
}

function safeSplit(host: string): { hostname: string; port?: number } {
  try {
    return splitHostPort(host);
  } catch {
    return { hostname: host };
  }
}

function read(file: Sourced<string>, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file.value);
  } catch (e) {
    throw new RegctlError('CONFIG', `cannot read the ${what} ${file.value} (set in ${file.from}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // Node's TLS skips text that is not PEM without a word; the handshake would then fail far
  // from the cause.
  if (what === 'CA file' && !bytes.includes('-----BEGIN CERTIFICATE-----')) {
    throw new RegctlError('CONFIG', `the ${what} ${file.value} (set in ${file.from}) holds no PEM certificate`);
  }
  return bytes;
}
