/**
 * Entra ID (AAD) access tokens for Azure Container Registry from `@azure/identity`
 * `DefaultAzureCredential` (environment service principal, workload identity, managed identity,
 * Azure CLI, ...), loaded only when an ACR host is used.
 */
import type { TokenCredential } from '@azure/identity';
import { registerSecret } from '../errors.js';
import type { Logger } from '../log.js';
import type { AzureCloud } from './acr-host.js';

/** An Entra access token for Azure Resource Manager, and the tenant it was issued in. */
export interface EntraToken {
  token: string;
  /** The `tid` claim, else `AZURE_TENANT_ID`; ACR's exchange wants it. */
  tenant?: string;
}

// Entra authority hosts that Microsoft's instance discovery knows (`az cloud list`, MSAL's
// hard-coded cloud metadata). Any other AZURE_AUTHORITY_HOST (Azure Stack, ADFS, a private
// cloud) cannot be validated by instance discovery, which would only ask
// login.microsoftonline.com about it and fail with `endpoints_resolution_error`; the SDK's
// `disableInstanceDiscovery` option exists for exactly these (azure-identity
// AuthorityValidationOptions). The tests' Entra emulator is such an authority.
const KNOWN_AUTHORITIES = new Set([
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.us',
  'login.microsoftonline.de',
]);

function tenantOf(jwt: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: unknown };
    return typeof claims.tid === 'string' && claims.tid ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}

const credentials = new Map<string, Promise<TokenCredential>>();

/** One DefaultAzureCredential per authority, so its token cache serves the whole process. */
function defaultCredential(authorityHost: string, disableInstanceDiscovery: boolean, tenantId: string | undefined): Promise<TokenCredential> {
  const key = `${authorityHost}|${tenantId ?? ''}`;
  let c = credentials.get(key);
  if (!c) {
    c = import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential({
      authorityHost,
      ...(tenantId && { tenantId }),
      ...(disableInstanceDiscovery && { disableInstanceDiscovery: true }),
    }));
    credentials.set(key, c);
    c.catch(() => credentials.delete(key));
  }
  return c;
}

/**
 * An ARM access token from DefaultAzureCredential, or undefined when no credential in its chain
 * is available (the registry may still allow anonymous pulls). The authority is
 * `AZURE_AUTHORITY_HOST`, else the registry's cloud (`.azurecr.cn` -> China, `.azurecr.us` ->
 * US Government).
 */
export async function entraToken(cloud: AzureCloud, env: NodeJS.ProcessEnv, logger: Logger): Promise<EntraToken | undefined> {
  const authorityHost = env.AZURE_AUTHORITY_HOST || cloud.authorityHost;
  let host = '';
  try {
    host = new URL(authorityHost).hostname;
  } catch {
    // the SDK reports the bad URL itself
  }
  try {
    const credential = await defaultCredential(authorityHost, !KNOWN_AUTHORITIES.has(host), env.AZURE_TENANT_ID);
    const t = await credential.getToken(cloud.armScope);
    if (!t) return undefined;
    registerSecret(t.token);
    const tenant = tenantOf(t.token) ?? env.AZURE_TENANT_ID;
    return { token: t.token, ...(tenant && { tenant }) };
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    const message = e instanceof Error ? e.message : String(e);
    // The chain throws AggregateAuthenticationError when none of its credentials applies here
    // (azure-identity ChainedTokenCredential), and the first real failure as itself: the former
    // means anonymous, as for any registry without credentials, the latter deserves a warning.
    if (name === 'AggregateAuthenticationError' || name === 'CredentialUnavailableError') {
      logger.debug(`acr: no Azure credentials: ${message.split('\n')[0]}`);
      return undefined;
    }
    logger.warn(`Azure DefaultAzureCredential failed: ${message.split('\n')[0]}`);
    return undefined;
  }
}
