import { createRequire } from 'node:module';
import { RegctlError, registerSecret } from '../errors.js';

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, the freedesktop Secret Service
 * on Linux) through the optional `@napi-rs/keyring` package, loaded on first use so that
 * regctl runs (and installs) where the native module is missing. Items are filed under the
 * service `regctl`, account = the docker config key of the registry (`ghcr.io`,
 * `https://index.docker.io/v1/`), secret = JSON `{"Username","Secret"}` as in the credential
 * helper protocol, so the user name survives too.
 */

/** The keychain service name regctl files its items under. */
export const KEYCHAIN_SERVICE = 'regctl';

/** What the keychain holds for one registry, in the credential helper protocol's field names. */
export interface KeychainItem {
  Username: string;
  Secret: string;
}

interface AsyncEntryLike {
  setPassword(password: string, signal?: AbortSignal): Promise<void>;
  getPassword(signal?: AbortSignal): Promise<string | null>;
  deleteCredential(signal?: AbortSignal): Promise<boolean>;
}

interface KeyringModule {
  AsyncEntry: new (service: string, account: string, options?: { linux?: { store?: string } }) => AsyncEntryLike;
  findCredentialsAsync(service: string, target?: string | null, signal?: AbortSignal): Promise<Array<{ account: string; password: string }>>;
}

let loaded: KeyringModule | undefined;

function keyring(): KeyringModule {
  if (loaded) return loaded;
  try {
    // createRequire: the package is CommonJS with a native addon, and optional.
    loaded = createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;
    return loaded;
  } catch (e) {
    throw new RegctlError('CREDENTIALS', 'the OS keychain is not available: the optional package @napi-rs/keyring is not installed', { cause: e });
  }
}

// Linux: pin the Secret Service. keyring's default falls back to the kernel keyring, which
// forgets everything at logout or reboot: a login must not silently land there.
const ENTRY_OPTIONS = { linux: { store: 'secret-service' } };

/** A keychain call that may hang (a locked keychain waiting for a prompt) is bounded by this. */
const TIMEOUT_MS = 10_000;

async function call<T>(what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  try {
    return await fn(signal);
  } catch (e) {
    if (e instanceof RegctlError) throw e;
    const why = signal.aborted ? `no answer within ${TIMEOUT_MS / 1000} s` : firstLine((e as Error).message);
    throw new RegctlError('CREDENTIALS', `the OS keychain could not ${what}: ${why}`, { cause: e });
  }
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 200);
}

function entry(account: string): AsyncEntryLike {
  return new (keyring().AsyncEntry)(KEYCHAIN_SERVICE, account, ENTRY_OPTIONS);
}

/** The item filed under `account`, or undefined. Throws `CREDENTIALS` when the keychain is unusable. */
export async function keychainGet(account: string): Promise<KeychainItem | undefined> {
  const text = await call('be read', (signal) => entry(account).getPassword(signal));
  if (text === null) return undefined;
  const item = parseItem(text);
  if (!item) throw new RegctlError('CREDENTIALS', `the OS keychain item ${KEYCHAIN_SERVICE}/${account} was not written by regctl`);
  registerSecret(item.Secret);
  return item;
}

/** Files `item` under `account`, replacing what was there. */
export async function keychainSet(account: string, item: KeychainItem): Promise<void> {
  registerSecret(item.Secret);
  const text = JSON.stringify({ Username: item.Username, Secret: item.Secret });
  await call('store the login', (signal) => entry(account).setPassword(text, signal));
}

/** Deletes the item under `account`; resolves false when there was none. */
export async function keychainErase(account: string): Promise<boolean> {
  return call('erase the login', (signal) => entry(account).deleteCredential(signal));
}

/** Every account regctl has filed, with its user name (never the secret). */
export async function keychainList(): Promise<Record<string, string>> {
  const all = await call('be listed', (signal) => keyring().findCredentialsAsync(KEYCHAIN_SERVICE, null, signal));
  const out: Record<string, string> = {};
  for (const c of all) {
    const item = parseItem(c.password);
    if (item) out[c.account] = item.Username;
  }
  return out;
}

function parseItem(text: string): KeychainItem | undefined {
  try {
    const v = JSON.parse(text) as Partial<KeychainItem> | null;
    if (v && typeof v.Secret === 'string') return { Username: typeof v.Username === 'string' ? v.Username : '', Secret: v.Secret };
  } catch {
    // not ours
  }
  return undefined;
}
