/**
 * Google OAuth2 access tokens for Artifact Registry and gcr.io, from `google-auth-library`
 * (loaded only when a Google host is used): Application Default Credentials, or the
 * service-account key of a `_json_key` / `_json_key_base64` login. REGISTRIES.md, "Google
 * Artifact Registry / gcr.io".
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Credential } from '../credentials/types.js';
import { RegctlError } from '../errors.js';
import type { Logger } from '../log.js';
import { cachedSecret, type ExpiringSecret } from './expiring-secret.js';

/** The scope `gcloud auth configure-docker` and docker-credential-gcr ask for. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** The Basic user name that makes the registry's token endpoint take an access token. */
export const OAUTH2_USER = 'oauth2accesstoken';

/**
 * regctl needs access tokens, never a project id, but `GoogleAuth.getClient()` looks one up
 * unless given (googleauth.js `findAndCacheProjectId`): it spawns `gcloud`, asks the metadata
 * server and, for workload identity federation, the Resource Manager API, which fails for
 * principals without `resourcemanager.projects.get` although their tokens work. A stated
 * project id skips that search; it is used for nothing else here.
 */
const NO_PROJECT = 'regctl-unused';

/** Lifetime assumed when the library does not say (Google access tokens live an hour). */
const DEFAULT_LIFETIME_MS = 30 * 60_000;

/**
 * gcloud's ADC file, where google-auth-library looks for it (googleauth.js
 * `_tryGetApplicationCredentialsFromWellKnownFile`): `$CLOUDSDK_CONFIG`, else
 * `%APPDATA%\gcloud` on Windows and `~/.config/gcloud` elsewhere.
 */
function wellKnownAdcFile(env: NodeJS.ProcessEnv): string {
  const dir = env.CLOUDSDK_CONFIG
    ?? (process.platform === 'win32' ? join(env.APPDATA ?? '', 'gcloud') : join(env.HOME ?? homedir(), '.config', 'gcloud'));
  return join(dir, 'application_default_credentials.json');
}

/**
 * Whether ADC can possibly find something. Without a credential file the library probes the
 * metadata server, which off Google Cloud costs up to its 3-second timeout on every anonymous
 * pull of a public gcr.io image; it is probed only when the environment points at one
 * (`GCE_METADATA_HOST`, `GCE_METADATA_IP`, `METADATA_SERVER_DETECTION` other than `none`) or
 * the machine looks like Google Cloud (gcp-metadata's residency check: BIOS vendor, serverless
 * env vars).
 */
async function adcPlausible(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env.GOOGLE_APPLICATION_CREDENTIALS || existsSync(wellKnownAdcFile(env))) return true;
  const detection = env.METADATA_SERVER_DETECTION?.trim().toLowerCase();
  if (detection === 'none') return false;
  if (env.GCE_METADATA_HOST || env.GCE_METADATA_IP || detection) return true;
  const { gcpMetadata } = await import('google-auth-library');
  return gcpMetadata.getGCPResidency();
}

/** Anything with google-auth-library's `getAccessToken` and `credentials.expiry_date`. */
interface TokenClient {
  getAccessToken(): Promise<{ token?: string | null }>;
  credentials?: { expiry_date?: number | null };
}

async function tokenFrom(client: TokenClient): Promise<ExpiringSecret> {
  const { token } = await client.getAccessToken();
  if (!token) throw new RegctlError('CREDENTIALS', 'Google credentials returned no access token');
  const expiry = client.credentials?.expiry_date;
  return { secret: token, expiresAt: typeof expiry === 'number' && expiry > Date.now() ? expiry : Date.now() + DEFAULT_LIFETIME_MS };
}

/** An error's message; an AggregateError (gcp-metadata races two hosts) has none of its own. */
function describe(e: unknown): string {
  if (e instanceof AggregateError && !e.message) return e.errors.map(describe).join('; ');
  return e instanceof Error ? e.message : String(e);
}

/**
 * An access token from Application Default Credentials: `GOOGLE_APPLICATION_CREDENTIALS` (a
 * service-account key, or an `external_account` file for workload identity federation), gcloud's
 * ADC file, or the metadata server. Undefined when none is available.
 */
export async function adcAccessToken(env: NodeJS.ProcessEnv, logger: Logger): Promise<ExpiringSecret | undefined> {
  if (!(await adcPlausible(env))) {
    logger.debug('gar: no Application Default Credentials configured; anonymous');
    return undefined;
  }
  try {
    return await cachedSecret('google-adc', async () => {
      const { GoogleAuth } = await import('google-auth-library');
      const auth = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], projectId: NO_PROJECT });
      return tokenFrom((await auth.getClient()) as TokenClient);
    });
  } catch (e) {
    logger.warn(`Google Application Default Credentials failed: ${describe(e)}`);
    return undefined;
  }
}

/** The service-account key of a `_json_key` or `_json_key_base64` login, parsed; else undefined. */
export function jsonKeyOf(cred: Credential | undefined): Record<string, unknown> | undefined {
  if (!cred?.password || (cred.username !== '_json_key' && cred.username !== '_json_key_base64')) return undefined;
  const text = cred.username === '_json_key' ? cred.password : Buffer.from(cred.password, 'base64').toString('utf8');
  try {
    const key = JSON.parse(text) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new RegctlError('CREDENTIALS', `the ${cred.username} login is not a service-account key in JSON`);
}

/**
 * An access token for Google APIs (the Artifact Registry REST API) on behalf of the registry
 * login in use: an `oauth2accesstoken` password is one already; a `_json_key` login is turned
 * into one with its key; anything else falls back to ADC.
 */
export async function apiAccessToken(cred: Credential | undefined, env: NodeJS.ProcessEnv, logger: Logger): Promise<string | undefined> {
  if (cred?.username === OAUTH2_USER && cred.password) return cred.password;
  const key = jsonKeyOf(cred);
  if (key) {
    const email = typeof key.client_email === 'string' ? key.client_email : 'service account';
    const s = await cachedSecret(`google-key:${email}`, async () => {
      const { GoogleAuth } = await import('google-auth-library');
      const auth = new GoogleAuth({ credentials: key, scopes: [CLOUD_PLATFORM_SCOPE], projectId: NO_PROJECT });
      return tokenFrom((await auth.getClient()) as TokenClient);
    });
    return s.secret;
  }
  return (await adcAccessToken(env, logger))?.secret;
}
