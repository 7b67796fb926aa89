import { RegctlError, registerSecret } from '../errors.js';
import { hostFromConfigKey } from './host-key.js';
import type { Credential, CredentialProvider } from './types.js';

/** The prefix of the per-registry credential variables. */
export const ENV_PREFIX = 'REGCTL_AUTH_';

/**
 * The variable that holds the login for `host`: `REGCTL_AUTH_` + the host in upper case with
 * every character other than A-Z and 0-9 turned into `_`. Docker Hub is `docker.io` whatever
 * alias is used.
 *
 *     envVarFor('ghcr.io')         === 'REGCTL_AUTH_GHCR_IO'
 *     envVarFor('localhost:5000')  === 'REGCTL_AUTH_LOCALHOST_5000'
 */
export function envVarFor(host: string): string {
  return ENV_PREFIX + hostFromConfigKey(host).toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Splits `user:password` at the first ':' (user names cannot hold one; passwords and tokens
 * can). `what` names the flag or variable in the error, which never quotes the value.
 */
export function parseUserPassword(value: string, what: string): Credential {
  const text = value.replace(/\r?\n$/, '');
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw new RegctlError('USAGE', `${what} must be user:password (a user name, a colon, then the password or token)`);
  }
  const password = text.slice(colon + 1);
  registerSecret(password);
  return { username: text.slice(0, colon), password };
}

/**
 * Logins from the environment, one variable per registry ({@link envVarFor}) holding
 * `user:password`. Made for CI: GitHub Actions can map a secret to such a variable in a step's
 * `env:`, and nothing is written to disk.
 */
export class EnvCredentials implements CredentialProvider {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The login in `host`'s variable, or undefined when it is unset or empty. */
  async get(host: string): Promise<Credential | undefined> {
    const name = envVarFor(host);
    const value = this.env[name];
    if (value === undefined || value === '') return undefined;
    return { ...parseUserPassword(value, `environment variable ${name}`), source: `environment variable ${name}` };
  }
}
