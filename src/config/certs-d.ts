import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RegctlError } from '../errors.js';

/** Docker's per-registry certificate directory root (docker docs, "Verify repository client with certificates"). */
export const DOCKER_CERTS_D = '/etc/docker/certs.d';

/** What a `certs.d/<host>/` directory holds. */
export interface CertsDir {
  dir: string;
  /** `*.crt` files: CA certificates trusted for the host. */
  caFiles: string[];
  /** A `*.cert` file with its `*.key`: the client certificate for mTLS. */
  client?: { cert: string; key: string };
}

/** The certs.d root: `REGCTL_CERTS_D` when set (tests, rootless setups), else docker's. */
export function certsDRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.REGCTL_CERTS_D || DOCKER_CERTS_D;
}

/**
 * Reads `<root>/<host[:port]>/` the way docker does: every `*.crt` is a CA, every `*.cert` is a
 * client certificate whose key is the `*.key` of the same name. A `.cert` without its `.key`
 * (or the reverse) is an error, as in docker. Undefined when the directory does not exist.
 */
export function readCertsDir(host: string, env: NodeJS.ProcessEnv = process.env): CertsDir | undefined {
  const dir = join(certsDRoot(env), host);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new RegctlError('CONFIG', `cannot read ${dir}: ${code ?? (e as Error).message}`);
  }
  const stems = (ext: string) => names.filter((n) => n.endsWith(ext)).map((n) => n.slice(0, -ext.length));
  const certs = stems('.cert');
  const keys = stems('.key');
  for (const k of keys) {
    if (!certs.includes(k)) throw new RegctlError('CONFIG', `${join(dir, `${k}.key`)} has no matching ${k}.cert`);
  }
  for (const c of certs) {
    if (!keys.includes(c)) throw new RegctlError('CONFIG', `${join(dir, `${c}.cert`)} has no matching ${c}.key`);
  }
  const first = certs[0];
  return {
    dir,
    caFiles: stems('.crt').map((s) => join(dir, `${s}.crt`)),
    ...(first !== undefined && { client: { cert: join(dir, `${first}.cert`), key: join(dir, `${first}.key`) } }),
  };
}
