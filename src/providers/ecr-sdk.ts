/**
 * The AWS SDK, loaded only when an ECR host is used: `regctl --help` and copies between other
 * registries never import it (issue 4). One credential chain and one client per region serve
 * the whole process.
 */
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECRPUBLICClient } from '@aws-sdk/client-ecr-public';
import { RegctlError } from '../errors.js';
import type { EcrHost } from './ecr-host.js';
import { ECR_PUBLIC_REGION } from './ecr-host.js';

type AwsCredentialIdentityProvider = ReturnType<typeof import('@aws-sdk/credential-providers').fromNodeProviderChain>;

let chain: Promise<AwsCredentialIdentityProvider> | undefined;
const clients = new Map<string, Promise<ECRClient>>();
let publicClient: Promise<ECRPUBLICClient> | undefined;

/**
 * The standard AWS credential chain (`fromNodeProviderChain`): environment, shared config and
 * credentials files (profiles, SSO, `credential_process`), web identity (`AWS_ROLE_ARN` +
 * `AWS_WEB_IDENTITY_TOKEN_FILE`, as GitHub's OIDC action sets them), ECS and EC2 instance
 * metadata. Memoized: credentials are resolved once and refreshed by the SDK when they expire.
 */
function credentialChain(): Promise<AwsCredentialIdentityProvider> {
  chain ??= import('@aws-sdk/credential-providers').then(({ fromNodeProviderChain }) => fromNodeProviderChain());
  return chain;
}

// The SDK warns on stderr, once, that its releases after January 2027 will need Node 22. regctl
// supports Node 20 with the SDK it ships, so the warning is noise in every ECR command's output;
// the SDK's own switch turns it off unless the user set it (@aws-sdk/core
// emitWarningIfUnsupportedVersion.js).
function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/**
 * The ECR API client for a registry's region. Its endpoint is the SDK's own choice: the FIPS
 * endpoint for `-fips` hosts, or `AWS_ENDPOINT_URL_ECR` / `AWS_ENDPOINT_URL` when set (the
 * SDK's service-specific endpoint settings, also used by the tests' emulator).
 */
export function ecrClient(h: EcrHost): Promise<ECRClient> {
  const key = `${h.region}${h.fips ? '-fips' : ''}`;
  let client = clients.get(key);
  if (!client) {
    client = Promise.all([import('@aws-sdk/client-ecr'), credentialChain()]).then(([{ ECRClient }, credentials]) => {
      quietNodeVersionWarning();
      return new ECRClient({ region: h.region, useFipsEndpoint: h.fips, credentials });
    });
    clients.set(key, client);
    client.catch(() => clients.delete(key));
  }
  return client;
}

/** The ECR Public API client; that API exists in us-east-1 only (REGISTRIES.md, "ECR Public"). */
export function ecrPublicClient(): Promise<ECRPUBLICClient> {
  publicClient ??= Promise.all([import('@aws-sdk/client-ecr-public'), credentialChain()]).then(([{ ECRPUBLICClient }, credentials]) => {
    quietNodeVersionWarning();
    return new ECRPUBLICClient({ region: ECR_PUBLIC_REGION, credentials });
  });
  publicClient.catch(() => (publicClient = undefined));
  return publicClient;
}

/** The SDK error's name (`RepositoryNotFoundException`, `CredentialsProviderError`, ...). */
export function awsErrorName(e: unknown): string | undefined {
  return e instanceof Error ? e.name : undefined;
}

/** True when the chain found no credentials at all (not: credentials that were refused). */
export function isNoAwsCredentials(e: unknown): boolean {
  return awsErrorName(e) === 'CredentialsProviderError';
}

/**
 * Wraps an ECR API failure in a {@link RegctlError}: refusals become `DENIED`/`UNAUTHORIZED`
 * with a hint, anything else `REGISTRY_ERROR`, keeping the SDK's error name and message.
 */
export function ecrApiError(e: unknown, what: string): RegctlError {
  if (e instanceof RegctlError) return e;
  const name = awsErrorName(e) ?? 'Error';
  const message = e instanceof Error ? e.message : String(e);
  const text = `${what}: ${name}: ${message}`;
  if (isNoAwsCredentials(e)) {
    return new RegctlError('UNAUTHORIZED', text, {
      cause: e,
      hint: 'set AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, web identity or instance role), or regctl login -u AWS',
    });
  }
  if (/AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|Forbidden/i.test(name)) {
    return new RegctlError(/Unrecognized|InvalidSignature|ExpiredToken/i.test(name) ? 'UNAUTHORIZED' : 'DENIED', text, { cause: e });
  }
  return new RegctlError('REGISTRY_ERROR', text, { cause: e });
}
