import { RegctlError } from '../errors.js';
import type { DockerAuthEntry } from './docker-config.js';
import { keyMatchesHost } from './host-key.js';
import type { Credential } from './types.js';

/**
 * Turns one `auths` entry into a credential, or undefined when it holds none. docker writes an
 * empty entry (`{}`, or only `email`) when the secret lives in a credential store, and that
 * is not a credential. `auth` wins over `username`/`password`, as in docker/cli. Throws a
 * `CONFIG` error (naming `where`, never the content) when `auth` is not base64 of `user:pass`.
 */
export function credentialFromAuthEntry(entry: DockerAuthEntry, where: string): Credential | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const cred: Credential = {};
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    // Split at the FIRST ':' (REGISTRIES.md): user names cannot hold one, passwords can.
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new RegctlError('CONFIG', `${where}: "auth" is not base64 of user:password`);
    cred.username = decoded.slice(0, colon);
    cred.password = decoded.slice(colon + 1);
  } else {
    if (typeof entry.username === 'string') cred.username = entry.username;
    if (typeof entry.password === 'string') cred.password = entry.password;
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken) cred.identityToken = entry.identitytoken;
  if (typeof entry.registrytoken === 'string' && entry.registrytoken) cred.registryToken = entry.registrytoken;
  // docker stores `auth: base64("user:")` next to an identity token: drop the empty parts.
  if (!cred.password) delete cred.password;
  if (!cred.username) delete cred.username;
  const usable = cred.password !== undefined || cred.identityToken !== undefined || cred.registryToken !== undefined;
  return usable ? cred : undefined;
}

/** The `auths` entry docker writes for a credential (docker/cli configfile Save). */
export function authEntryFor(cred: { username?: string; password?: string; identityToken?: string }): DockerAuthEntry {
  if (cred.username?.includes(':')) {
    throw new RegctlError('INVALID_INPUT', 'a registry user name cannot contain ":" (docker splits user:password at the first ":")');
  }
  const entry: DockerAuthEntry = {};
  if (cred.identityToken) {
    if (cred.username) entry.auth = Buffer.from(`${cred.username}:`, 'utf8').toString('base64');
    entry.identitytoken = cred.identityToken;
  } else {
    entry.auth = Buffer.from(`${cred.username ?? ''}:${cred.password ?? ''}`, 'utf8').toString('base64');
  }
  return entry;
}

/**
 * The keys of `record` that name `host`, the exact `preferred` key first: a config may hold
 * several spellings for one registry (`localhost:5000`, `http://localhost:5000`), and docker
 * looks up the exact key before the normalised ones.
 */
export function matchingKeys(record: Record<string, unknown> | undefined, host: string, preferred: string): string[] {
  if (!record) return [];
  const keys = Object.keys(record).filter((k) => keyMatchesHost(k, host));
  return keys.sort((a, b) => Number(b === preferred) - Number(a === preferred));
}
