/**
 * The shape of a regctl config file once validated (src/config/validate.ts): sizes in bytes,
 * durations in milliseconds, file paths absolute. What users write is documented in
 * docs/config.md; this is what the rest of the code reads.
 */

/** How to talk to a host: `enabled` https only, `insecure` https without verification (then http, as docker's insecure registries), `disabled` plain http. */
export type TlsMode = 'enabled' | 'insecure' | 'disabled';

/** The TLS modes, in the order docs and messages list them. */
export const TLS_MODES: readonly TlsMode[] = ['enabled', 'insecure', 'disabled'];

/** Settings for one registry host (`hosts["registry.example.com"]`). */
export interface HostConfig {
  tls?: TlsMode;
  /** PEM CA bundles trusted for this host, besides the system roots. */
  caFile?: string[];
  /** Client certificate and key (PEM) presented for mTLS; both or neither. */
  clientCert?: string;
  clientKey?: string;
  /** Registries (`host[:port][/path-prefix]`) tried in order for reads, before this one. */
  mirrors?: string[];
  /** A docker credential helper suffix (`ecr-login` runs `docker-credential-ecr-login`). */
  credentialHelper?: string;
  /** Blob transfers at once from this registry. */
  concurrency?: number;
  /** Largest upload request body; bigger blobs go up in chunks of this size. */
  chunkSize?: number;
  /** Requests per second sent to this registry, at most. */
  requestsPerSecond?: number;
}

/** Request time limits, in milliseconds. */
export interface TimeoutConfig {
  /** TCP + TLS connect. */
  connect?: number;
  /** Waiting for response headers. */
  response?: number;
  /** Longest silence between two chunks of a body. */
  idle?: number;
}

/** One config file, validated. */
export interface RegctlConfig {
  /** Blob transfers at once per registry (default 8). */
  concurrency?: number;
  /** Retries of a failed request (default 4). */
  retries?: number;
  timeouts?: TimeoutConfig;
  /** Keyed by normalised registry host (`docker.io`, `localhost:5000`). */
  hosts?: Record<string, HostConfig>;
}

/** Where a config file was found, in increasing precedence. */
export type ConfigScope = 'user' | 'project' | 'explicit';

/** A config file that was read. */
export interface ConfigFile {
  path: string;
  scope: ConfigScope;
  config: RegctlConfig;
}
