import { findChallenge, parseChallenges } from '../auth/challenge.js';
import { fetchToken } from '../auth/token.js';
import { RegistryClient, type ClientOptions } from '../client.js';
import { envVarFor } from '../credentials/env.js';
import { StaticCredentials } from '../credentials/static.js';
import { eraseLogin, saveCredential, type SaveableCredential } from '../credentials/store.js';
import type { Credential } from '../credentials/types.js';
import { HttpClient } from '../transport/http.js';

/** A login to verify and save. */
export interface LoginInput {
  host: string;
  username: string;
  password: string;
}

/** Options of {@link login}, {@link logout} and {@link showCredential}. */
export interface LoginOptions extends Omit<ClientOptions, 'credentials'> {
  /** The docker config file; default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
  configPath?: string;
  /** Environment for helpers, podman's paths and REGCTL_AUTH_*; default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * When no credential helper is configured, keep the secret in the OS keychain (the default,
   * unless `REGCTL_NO_KEYCHAIN` is set in `env`); false saves it base64 in config.json, the
   * docker way (see saveCredential).
   */
  keychain?: boolean;
}

/** What {@link login} did. */
export interface LoginResult {
  /** Where the login was saved, e.g. `docker config /home/me/.docker/config.json`. */
  where: string;
  /** True when the registry's token service gave an identity (refresh) token, saved instead of the password. */
  identityToken: boolean;
}

/**
 * Verifies credentials against the registry (its `/v2/` with the auth it asks for, which for a
 * token service means fetching a token with them), and only then saves them. Where the token
 * service hands out refresh tokens (`offline_token=true`), the refresh token is saved as
 * docker's `identitytoken` instead of the password, as `docker login` does; it is checked to
 * work first, and the password is kept when it does not.
 */
export async function login(input: LoginInput, opts: LoginOptions = {}): Promise<LoginResult> {
  const { configPath, env, keychain, ...clientOpts } = opts;
  const password: Credential = { username: input.username, password: input.password, source: 'login' };
  let identityToken: string | undefined;
  const client = new RegistryClient({ ...clientOpts, credentials: new StaticCredentials({ [input.host]: password }) });
  try {
    await client.registry(input.host).checkAuth();
    const offered = await refreshTokenFor(client, input, clientOpts);
    if (offered && (await works(input.host, { identityToken: offered, username: input.username }, clientOpts))) identityToken = offered;
  } finally {
    await client.close();
  }
  const cred: SaveableCredential = identityToken ? { identityToken, username: input.username } : { username: input.username, password: input.password };
  const { where } = await saveCredential(input.host, cred, {
    ...(configPath && { configPath }),
    ...(env && { env }),
    ...(keychain !== undefined && { keychain }),
    ...(clientOpts.logger && { logger: client.logger }),
  });
  return { where, identityToken: identityToken !== undefined };
}

// Asks the registry's token service (when it has one) for a refresh token; undefined when it
// gives none or the request fails, since the password has already been proven good.
async function refreshTokenFor(client: RegistryClient, input: LoginInput, opts: Omit<ClientOptions, 'credentials'>): Promise<string | undefined> {
  const { endpoint } = await client.registry(input.host).connection.connect();
  const bearer = findChallenge(parseChallenges(endpoint.challenges), 'bearer');
  const realm = bearer?.params.realm;
  if (!realm) return undefined;
  const http = new HttpClient({ ...opts.http, logger: client.logger });
  try {
    const token = await fetchToken(http, {
      realm,
      scopes: [],
      registrySecure: endpoint.secure,
      host: input.host,
      offline: true,
      credential: { username: input.username, password: input.password },
      ...(bearer.params.service && { service: bearer.params.service }),
    });
    return token.refreshToken;
  } catch (e) {
    client.logger.debug(`login: no identity token from ${input.host}: ${(e as Error).message}`);
    return undefined;
  } finally {
    await http.close();
  }
}

async function works(host: string, cred: Credential, opts: Omit<ClientOptions, 'credentials'>): Promise<boolean> {
  const client = new RegistryClient({ ...opts, credentials: new StaticCredentials({ [host]: { ...cred, source: 'login (identity token)' } }) });
  try {
    await client.registry(host).checkAuth();
    return true;
  } catch (e) {
    client.logger.debug(`login: the identity token from ${host} did not work (${(e as Error).message}); saving the password`);
    return false;
  } finally {
    await client.close();
  }
}

/** What `login --show` prints: where the credential for a host comes from, never the secret. */
export interface CredentialReport {
  registry: string;
  /** The source that answered (`docker config /path (auths)`, `environment variable X`...), or undefined: anonymous. */
  source?: string;
  username?: string;
  kind: 'password' | 'identity token' | 'registry token' | 'anonymous';
  /** Each source asked, in lookup order, up to the one that answered. */
  tried: Array<{ name: string; found: boolean; error?: string }>;
}

/** Runs the credential chain for `host` and reports which source answered (`regctl login --show`). */
export async function showCredential(host: string, opts: Omit<ClientOptions, 'credentials'> = {}): Promise<CredentialReport> {
  const client = new RegistryClient(opts);
  try {
    const { credential: c, tried } = await client.explainCredentials(host);
    if (!c) return { registry: host, kind: 'anonymous', tried };
    const kind = c.registryToken ? 'registry token' : c.identityToken ? 'identity token' : 'password';
    return { registry: host, kind, tried, ...(c.source && { source: c.source }), ...(c.username && { username: c.username }) };
  } finally {
    await client.close();
  }
}

/** What {@link logout} did. */
export interface LogoutResult {
  /** Every place the login was removed from. */
  removed: string[];
  /** A variable that still logs regctl in to the host (it cannot be unset from here). */
  stillSetIn?: string;
}

/**
 * Removes the saved login for `host` everywhere regctl reads one: docker's config and its
 * credential helpers (the OS keychain included) and podman's auth file.
 */
export async function logout(host: string, opts: Pick<LoginOptions, 'configPath' | 'env'> = {}): Promise<LogoutResult> {
  const env = opts.env ?? process.env;
  const removed = await eraseLogin(host, { env, ...(opts.configPath && { configPath: opts.configPath }) });
  const variable = envVarFor(host);
  return { removed, ...(env[variable] && { stillSetIn: `environment variable ${variable}` }) };
}
