import { registerSecret } from '../errors.js';
import { authEntryFor, matchingKeys } from './auth-entry.js';
import { dockerConfigPath, readDockerConfig, updateDockerConfig, type DockerConfig } from './docker-config.js';
import { TOKEN_USERNAME, helperErase, helperKeysFor, helperProgram, helperStore } from './helper.js';
import { configKeyFor } from './host-key.js';

/** A credential to save: a user and password, or an identity (OAuth2 refresh) token. */
export type SaveableCredential = { username: string; password: string } | { identityToken: string; username?: string };

/** Where the docker config lives and which environment (PATH for helpers) to use. */
export interface StoreOptions {
  configPath?: string;
  env?: NodeJS.ProcessEnv;
}

/** Which helper docker would use for `host`: its `credHelpers` entry, else `credsStore`. */
function chooseHelper(cfg: DockerConfig, host: string): { name: string; perHost: boolean } | undefined {
  for (const k of matchingKeys(cfg.credHelpers, host, configKeyFor(host))) {
    const name = cfg.credHelpers?.[k];
    if (typeof name === 'string' && name) return { name, perHost: true };
  }
  return cfg.credsStore ? { name: cfg.credsStore, perHost: false } : undefined;
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

/**
 * Saves a login where docker would: the host's `credHelpers` helper, else the `credsStore`
 * helper (then writing the empty `auths[key] = {}` marker, as docker does), else plain
 * `auths[key]` in the config file. Resolves to a description of the store, never the secret.
 */
export async function saveCredential(host: string, cred: SaveableCredential, opts: StoreOptions = {}): Promise<{ where: string }> {
  const env = opts.env ?? process.env;
  const path = opts.configPath ?? dockerConfigPath(env);
  const key = configKeyFor(host);
  const identityToken = 'identityToken' in cred ? cred.identityToken : undefined;
  const password = 'password' in cred ? cred.password : undefined;
  registerSecret(identityToken ?? password);

  const helper = chooseHelper(await readDockerConfig(path), host);
  if (helper) {
    await helperStore(
      helper.name,
      // docker/cli files identity tokens under the `<token>` user name (credentials/native_store.go).
      { ServerURL: key, Username: identityToken ? TOKEN_USERNAME : cred.username ?? '', Secret: identityToken ?? password ?? '' },
      { env },
    );
    await updateDockerConfig(path, (cfg) => {
      if (helper.perHost) return dropOtherKeys(cfg, host);
      cfg.auths ??= {};
      dropOtherKeys(cfg, host, key);
      cfg.auths[key] = {};
      return true;
    });
    return { where: `credential helper ${helperProgram(helper.name)}` };
  }

  const entry = authEntryFor(identityToken ? { identityToken, username: cred.username } : { username: cred.username, password });
  await updateDockerConfig(path, (cfg) => {
    cfg.auths ??= {};
    dropOtherKeys(cfg, host, key);
    cfg.auths[key] = entry;
  });
  return { where: `docker config ${path}` };
}

/**
 * Removes the login for `host`: from its credential helper (a helper without one is fine) and
 * every `auths` spelling of the host. Resolves true when anything was removed. A failing
 * helper is reported after the config file has been cleaned, so a logout still does what it can.
 */
export async function eraseCredential(host: string, opts: StoreOptions = {}): Promise<boolean> {
  const env = opts.env ?? process.env;
  const path = opts.configPath ?? dockerConfigPath(env);
  const cfg = await readDockerConfig(path);
  const helper = chooseHelper(cfg, host);
  let removed = false;
  let helperError: unknown;
  if (helper) {
    try {
      for (const serverUrl of helperKeysFor(host)) {
        if (await helperErase(helper.name, serverUrl, { env })) removed = true;
      }
    } catch (e) {
      helperError = e;
    }
  }
  // Skip the locked rewrite (and creating ~/.docker) when the file holds nothing for the host.
  if (matchingKeys(cfg.auths, host, configKeyFor(host)).length > 0) {
    if (await updateDockerConfig(path, (c) => dropOtherKeys(c, host))) removed = true;
  }
  if (helperError) throw helperError;
  return removed;
}
