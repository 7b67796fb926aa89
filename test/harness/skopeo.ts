/**
 * Wrapper around Debian's skopeo for interop tests: skopeo must read what regctl wrote and
 * regctl what skopeo wrote (DESIGN.md, Testing).
 */
import { execFile } from 'node:child_process';
import type { RunningRegistry } from './registry.js';

export const SKOPEO_BIN = '/usr/bin/skopeo';

/** Options of {@link skopeo}. */
export interface SkopeoOptions {
  /** Default 60 s. */
  timeoutMs?: number;
  /** Replaces the inherited environment. */
  env?: NodeJS.ProcessEnv;
}

/** Runs skopeo and returns stdout as bytes; throws with stderr on a non-zero exit. */
export function skopeoRaw(args: string[], opts: SkopeoOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      SKOPEO_BIN,
      args,
      { encoding: 'buffer', timeout: opts.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024, env: opts.env ?? process.env },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const why = err.killed ? `timed out after ${opts.timeoutMs ?? 60_000} ms` : `exited with ${err.code}`;
        reject(new Error(`skopeo ${args[0] ?? ''} ${why}: ${stderr.toString('utf8').trim()}`));
      },
    );
  });
}

/** Runs skopeo and returns stdout as text. */
export async function skopeo(args: string[], opts: SkopeoOptions = {}): Promise<string> {
  return (await skopeoRaw(args, opts)).toString('utf8');
}

/** Connection flags for one registry reference. */
export interface SkopeoAccess {
  /** false for plain http registries. Default true. */
  tlsVerify?: boolean;
  /** `user:password` */
  creds?: string;
  /** A directory with `ca.crt` (and optionally `*.cert`/`*.key` client pairs). */
  certDir?: string;
}

/** skopeo flags for {@link SkopeoAccess}; `prefix` is '' for inspect, 'src-'/'dest-' for copy. */
export function skopeoFlags(access: SkopeoAccess, prefix = ''): string[] {
  const flags = [`--${prefix}tls-verify=${access.tlsVerify ?? true}`];
  if (access.creds) flags.push(`--${prefix}creds`, access.creds);
  if (access.certDir) flags.push(`--${prefix}cert-dir`, access.certDir);
  return flags;
}

/** Access flags that reach a harness registry: TLS via its CA, credentials of its first user. */
export function skopeoAccessFor(reg: RunningRegistry): SkopeoAccess {
  const [user, pass] = Object.entries(reg.users)[0] ?? [];
  return {
    tlsVerify: reg.caFile !== undefined,
    ...(reg.caFile ? { certDir: reg.certs.caCertDir } : {}),
    ...(reg.mode !== 'anonymous' && user !== undefined ? { creds: `${user}:${pass}` } : {}),
  };
}

const TRANSPORT = /^(docker|oci|oci-archive|docker-archive|dir|containers-storage|docker-daemon):/;

/** `skopeo inspect --raw`: the manifest exactly as the registry serves it. */
export function skopeoInspectRaw(imageRef: string, access: SkopeoAccess = {}): Promise<Buffer> {
  const ref = TRANSPORT.test(imageRef) ? imageRef : `docker://${imageRef}`;
  return skopeoRaw(['inspect', '--raw', ...skopeoFlags(access), ref]);
}
