/**
 * ECR logins from the AWS credential chain: GetAuthorizationToken returns base64("AWS:<password>"),
 * valid 12 hours (REGISTRIES.md, "Amazon ECR (private)" and "ECR Public"). The password is cached
 * per region and fetched again before it expires, so long copies keep working (RC#110).
 */
import type { Credential } from '../credentials/types.js';
import { RegctlError } from '../errors.js';
import type { ProviderContext } from './types.js';
import { parseEcrHost, ECR_PUBLIC_HOST } from './ecr-host.js';
import { ecrApiError, ecrClient, ecrPublicClient, isNoAwsCredentials } from './ecr-sdk.js';
import { cachedSecret, type ExpiringSecret } from './expiring-secret.js';

/** ECR's user name is always `AWS` (`aws ecr get-login-password | docker login -u AWS`). */
const ECR_USER = 'AWS';

/** What GetAuthorizationToken returns in `authorizationData`. */
interface AuthorizationData {
  authorizationToken?: string | undefined;
  expiresAt?: Date | undefined;
}

/**
 * Decodes an ECR authorization token: base64 of `AWS:<password>`, split at the first ':'.
 * Throws `INVALID_INPUT` for anything else. Without `expiresAt` the documented 12 hours apply.
 */
export function decodeEcrToken(data: AuthorizationData | undefined, now: number = Date.now()): ExpiringSecret {
  const decoded = data?.authorizationToken ? Buffer.from(data.authorizationToken, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new RegctlError('INVALID_INPUT', 'ECR GetAuthorizationToken returned a token that is not base64("user:password")');
  }
  const expiresAt = data?.expiresAt instanceof Date && !Number.isNaN(data.expiresAt.getTime()) ? data.expiresAt.getTime() : now + 12 * 3600_000;
  return { secret: decoded.slice(colon + 1), expiresAt };
}

/** The login for a private ECR host, or undefined when the AWS chain has no credentials at all. */
export async function ecrCredential(host: string, ctx: ProviderContext): Promise<Credential | undefined> {
  const h = parseEcrHost(host);
  if (!h) return undefined;
  try {
    // One token serves every registry the principal may use in that region (AWS API reference,
    // GetAuthorizationToken), so the cache is per region, not per account.
    const key = `ecr:${h.region}:${h.fips}`;
    const s = await cachedSecret(key, async () => {
      const [client, { GetAuthorizationTokenCommand }] = await Promise.all([ecrClient(h), import('@aws-sdk/client-ecr')]);
      const out = await client.send(new GetAuthorizationTokenCommand({}));
      return decodeEcrToken(out.authorizationData?.[0]);
    });
    ctx.logger.debug(`ecr: password for ${host} valid until ${new Date(s.expiresAt).toISOString()}`);
    return { username: ECR_USER, password: s.secret, expiresAt: s.expiresAt, source: `AWS ECR GetAuthorizationToken (${h.region})` };
  } catch (e) {
    if (isNoAwsCredentials(e)) {
      ctx.logger.debug(`ecr: no AWS credentials for ${host}: ${(e as Error).message}`);
      return undefined;
    }
    throw ecrApiError(e, `AWS ECR GetAuthorizationToken for ${host}`);
  }
}

/**
 * The login for `public.ecr.aws`: an ecr-public GetAuthorizationToken in us-east-1. Anonymous
 * pulls work there, so no AWS credentials, or credentials that are refused, mean anonymous
 * (with a warning in the second case) rather than an error.
 */
export async function ecrPublicCredential(host: string, ctx: ProviderContext): Promise<Credential | undefined> {
  if (host !== ECR_PUBLIC_HOST) return undefined;
  try {
    const s = await cachedSecret('ecr-public', async () => {
      const [client, { GetAuthorizationTokenCommand }] = await Promise.all([ecrPublicClient(), import('@aws-sdk/client-ecr-public')]);
      const out = await client.send(new GetAuthorizationTokenCommand({}));
      return decodeEcrToken(out.authorizationData);
    });
    return { username: ECR_USER, password: s.secret, expiresAt: s.expiresAt, source: 'AWS ECR Public GetAuthorizationToken (us-east-1)' };
  } catch (e) {
    if (!isNoAwsCredentials(e)) ctx.logger.warn(`${ecrApiError(e, 'AWS ECR Public GetAuthorizationToken').message}; continuing anonymously`);
    else ctx.logger.debug(`ecr-public: no AWS credentials; anonymous`);
    return undefined;
  }
}
