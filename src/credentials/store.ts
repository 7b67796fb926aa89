import { isRegctlError, registerSecret } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { authEntryFor, matchingKeys } from './auth-entry.js';
import { dockerConfigPath, readDockerConfig, updateDockerConfig, type DockerConfig } from './docker-config.js';
import { TOKEN_USERNAME, helperDescription, helperErase, helperKeysFor, helperStore } from './helper.js';
import { configKeyFor } from './host-key.js';
import { KEYCHAIN_HELPER } from './keychain-helper.js';
import { keychainErase, keychainSet } from './keychain.js';
import { podmanAuthPath } from './podman.js';

/** A credential to save: a user and password, or an identity (OAuth2 refresh) token. */
export type SaveableCredential = { username: string; password: string } | { identityToken: string; username?: string };

/** Where the docker config lives and which environment (PATH for helpers) to use. */
export interface StoreOptions {
  configPath?: string;
  env?: NodeJS.ProcessEnv;
}

/** Options of {@link saveCredential}. */
export interface SaveOptions extends StoreOptions {
  /**
   * Whether a login no configured helper takes goes to the OS keychain (marked
   * `credHelpers[key] = "regctl"`). Default: yes, unless `REGCTL_NO_KEYCHAIN` is set in `env`.
   * false saves it the docker way (the helper, else base64 `auths`), readable by tools that
   * cannot run docker-credential-regctl, and moves a host marked "regctl" out of the keychain.
   */
  keychain?: boolean;
  /** Receives the one-line warning when the keychain cannot be used and the login goes to `auths`. */
  logger?: Logger;
}

/** True when `REGCTL_NO_KEYCHAIN` asks (`1`, `true`, `yes`) that logins skip the OS keychain. */
function keychainDisabledBy(env: NodeJS.ProcessEnv): boolean {
  return /^(1|true|yes)$/i.test(env.REGCTL_NO_KEYCHAIN?.trim() ?? '');
}

/**
 * Which helper docker would use for `host`: its `credHelpers` entry, else `credsStore`. regctl's
 * own `regctl` (the keychain) counts only when the keychain may be used; otherwise the login
 * goes where it would without that entry.
 */
function chooseHelper(cfg: DockerConfig, host: string, keychain: boolean): { name: string; perHost: boolean } | undefined {
  const usable = (name: string | undefined) => !!name && (keychain || name !== KEYCHAIN_HELPER);
  const name = perHostHelper(cfg, host);
  if (usable(name)) return { name: name!, perHost: true };
  return usable(cfg.credsStore) ? { name: cfg.credsStore!, perHost: false } : undefined;
}

function perHostHelper(cfg: DockerConfig, host: string): string | undefined {
  for (const k of matchingKeys(cfg.credHelpers, host, configKeyFor(host))) {
    const name = cfg.credHelpers?.[k];
    if (typeof name === 'string' && name) return name;
  }
  return undefined;
}

// Removes every spelling of `host` from `auths` except `keep`, so that an old plain-text
// secret under `http://host` can neither linger nor shadow the credential just saved.
function dropOtherKeys(cfg: DockerConfig, host: string, keep?: string): boolean {
  let changed = false;
  for (const k of matchingKeys(cfg.auths, host, configKeyFor(host))) {
    if (k === keep) continue;
    delete cfg.auths![k];
    changed = true;
  }
  return changed;
}

// Removes regctl's keychain marker for `host` (any spelling); other helpers' entries are the
// user's configuration and stay.
function dropKeychainMarker(cfg: DockerConfig, host: string): boolean {
  let changed = false;
  for (const k of matchingKeys(cfg.credHelpers, host, configKeyFor(host))) {
    if (cfg.credHelpers![k] !== KEYCHAIN_HELPER) continue;
    delete cfg.credHelpers![k];
    changed = true;
  }
  if (changed && Object.keys(cfg.credHelpers!).length === 0) delete cfg.credHelpers;
  return changed;
}

function isMarked(cfg: DockerConfig, host: string): boolean {
  return matchingKeys(cfg.credHelpers, host, configKeyFor(host)).some((k) => cfg.credHelpers![k] === KEYCHAIN_HELPER);
}

function helperCredential(key: string, cred: SaveableCredential) {
  const identityToken = 'identityToken' in cred ? cred.identityToken : undefined;
  const password = 'password' in cred ? cred.password : undefined;
  // docker/cli files identity tokens under the `<token>` user name (credentials/native_store.go).
  return { ServerURL: key, Username: identityToken ? TOKEN_USERNAME : cred.username ?? '', Secret: identityToken ?? password ?? '' };
}

// Why the keychain could not take the login, in a few words for the warning. The D-Bus texts
// are libdbus's, as @napi-rs/keyring reports them on Linux (no bus at all: a connect or
// autolaunch failure; a bus without gnome-keyring/KWallet: org.freedesktop.secrets unknown).
function keychainAbsence(e: Error): string {
  const text = `${e.message} ${(e.cause as Error | undefined)?.message ?? ''}`;
  if (/@napi-rs\/keyring is not installed/.test(text)) return 'the optional package @napi-rs/keyring is not installed';
  if (/org\.freedesktop\.secrets/.test(text)) return 'no Secret Service on the session bus';
  if (/Failed to connect to socket|autolaunch|DBUS_SESSION_BUS_ADDRESS/.test(text)) return 'no D-Bus session bus, so no Secret Service';
  return e.message;
}

/**
 * Saves a login as the docker credential model wants it, first place that applies:
 * 1. the helper docker would use (the host's `credHelpers` entry, else `credsStore`, then
 *    writing the empty `auths[key] = {}` marker, as docker does);
 * 2. the OS keychain, marked `credHelpers[key] = "regctl"` so that other tools find it through
 *    docker-credential-regctl (skipped with `keychain: false` or `REGCTL_NO_KEYCHAIN`);
 * 3. plain `auths[key]` (base64, not encrypted) in the config file. When 2 was wanted but no
 *    keychain is usable, one warning line saying so goes to `logger`.
 * Resolves to a description of the store, never the secret.
 */
export async function saveCredential(host: string, cred: SaveableCredential, opts: SaveOptions = {}): Promise<{ where: string }> {
  const env = opts.env ?? process.env;
  const path = opts.configPath ?? dockerConfigPath(env);
  const key = configKeyFor(host);
  registerSecret('identityToken' in cred ? cred.identityToken : cred.password);
  const keychain = opts.keychain ?? !keychainDisabledBy(env);
  const cfg = await readDockerConfig(path);
  const helper = chooseHelper(cfg, host, keychain);
  // A host marked "regctl" that is saved elsewhere on purpose leaves no stale secret behind.
  const forgetKeychain = !keychain && isMarked(cfg, host) ? () => eraseKeychainItem(host) : async () => {};

  if (helper && helper.name !== KEYCHAIN_HELPER) {
    await helperStore(helper.name, helperCredential(key, cred), { env });
    await updateDockerConfig(path, (c) => {
      const unmarked = dropKeychainMarker(c, host);
      if (helper.perHost) return dropOtherKeys(c, host) || unmarked;
      c.auths ??= {};
      dropOtherKeys(c, host, key);
      c.auths[key] = {};
      return true;
    });
    await forgetKeychain();
    return { where: helperDescription(helper.name) };
  }

  let unavailable: string | undefined;
  if (keychain) {
    const { Username, Secret } = helperCredential(key, cred);
    try {
      await keychainSet(key, { Username, Secret });
      await updateDockerConfig(path, (c) => {
        dropOtherKeys(c, host);
        for (const k of matchingKeys(c.credHelpers, host, key)) delete c.credHelpers![k];
        c.credHelpers = { ...c.credHelpers, [key]: KEYCHAIN_HELPER };
      });
      return { where: `${helperDescription(KEYCHAIN_HELPER)}, marked in ${path}` };
    } catch (e) {
      if (!isRegctlError(e, 'CREDENTIALS')) throw e;
      unavailable = keychainAbsence(e);
    }
  }

  const entry = authEntryFor('identityToken' in cred ? { identityToken: cred.identityToken, username: cred.username } : cred);
  await updateDockerConfig(path, (c) => {
    c.auths ??= {};
    dropOtherKeys(c, host, key);
    // A marker left in place would send lookups to the keychain before this entry.
    dropKeychainMarker(c, host);
    c.auths[key] = entry;
  });
  await forgetKeychain();
  if (unavailable) (opts.logger ?? silentLogger).warn(`no OS keychain (${unavailable}); saved the login base64-encoded in ${path} (--no-keychain skips the keychain)`);
  return { where: `docker config ${path}` };
}

// Best effort: the login has been saved elsewhere already, so a keychain that cannot erase
// (gone, locked) only leaves the old item there; it no longer answers for the host.
async function eraseKeychainItem(host: string): Promise<void> {
  for (const serverUrl of helperKeysFor(host)) await keychainErase(serverUrl).catch(() => false);
}

/**
 * Removes the login for `host` from the docker config: from every helper that may hold it
 * (its `credHelpers` helper and `credsStore`; a helper without one is fine), every `auths`
 * spelling of the host, and regctl's keychain marker. Resolves true when anything was removed.
 * A failing helper is reported after the file has been cleaned, so a logout still does what
 * it can.
 */
export async function eraseCredential(host: string, opts: StoreOptions = {}): Promise<boolean> {
  return (await eraseFromConfig(host, opts.configPath ?? dockerConfigPath(opts.env), 'docker config', opts)).length > 0;
}

/**
 * Removes the login for `host` everywhere regctl reads one: the docker config and its helpers
 * (as {@link eraseCredential}) and podman's auth file. Resolves to the places it was removed
 * from, e.g. `['credential helper docker-credential-pass', 'docker config /home/u/.docker/config.json']`.
 */
export async function eraseLogin(host: string, opts: StoreOptions = {}): Promise<string[]> {
  const env = opts.env ?? process.env;
  const docker = opts.configPath ?? dockerConfigPath(env);
  let failure: unknown;
  const removed = await eraseFromConfig(host, docker, 'docker config', opts).catch((e: unknown) => {
    failure = e;
    return [] as string[];
  });
  const podman = podmanAuthPath(env);
  if (podman && podman !== docker) removed.push(...(await eraseFromConfig(host, podman, 'podman auth file', opts)));
  if (failure) throw failure;
  return removed;
}

async function eraseFromConfig(host: string, path: string, label: string, opts: StoreOptions): Promise<string[]> {
  const env = opts.env ?? process.env;
  const cfg = await readDockerConfig(path);
  const removed: string[] = [];
  let helperError: unknown;
  const helpers = new Set([perHostHelper(cfg, host), cfg.credsStore].filter((h): h is string => !!h));
  for (const name of helpers) {
    try {
      let hit = false;
      for (const serverUrl of helperKeysFor(host)) if (await helperErase(name, serverUrl, { env })) hit = true;
      if (hit) removed.push(helperDescription(name));
    } catch (e) {
      // A helper that is not installed holds nothing here to erase; any other failure may
      // leave the secret behind, so it is reported (after the file has been cleaned).
      if ((e as { cause?: NodeJS.ErrnoException }).cause?.code !== 'ENOENT') helperError ??= e;
    }
  }
  // Skip the locked rewrite (and creating ~/.docker) when the file holds nothing for the host.
  const marked = matchingKeys(cfg.credHelpers, host, configKeyFor(host)).some((k) => cfg.credHelpers![k] === KEYCHAIN_HELPER);
  if (marked || matchingKeys(cfg.auths, host, configKeyFor(host)).length > 0) {
    const changed = await updateDockerConfig(path, (c) => {
      const a = dropOtherKeys(c, host);
      const b = dropKeychainMarker(c, host);
      return a || b;
    });
    if (changed) removed.push(`${label} ${path}`);
  }
  if (helperError) throw helperError;
  return removed;
}
