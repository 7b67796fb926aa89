/**
 * Azure Container Registry host names and the cloud each belongs to. Pure.
 * REGISTRIES.md, "Azure Container Registry": `<name>.azurecr.io`, `.azurecr.cn`, `.azurecr.us`.
 */

/** The Azure cloud of a registry: where Entra ID tokens come from and what they are for. */
export interface AzureCloud {
  /** Entra ID (AAD) authority host, used when `AZURE_AUTHORITY_HOST` is not set. */
  authorityHost: string;
  /** The scope of the Entra token exchanged at `/oauth2/exchange`: Azure Resource Manager. */
  armScope: string;
}

// The authorities and Resource Manager audiences of each cloud, as `az cloud show` lists them.
// ACR's /oauth2/exchange takes an Entra token for Resource Manager: the Azure SDKs offer exactly
// these per cloud (azure-sdk-for-java ContainerRegistryAudience AZURE_RESOURCE_MANAGER_*).
const CLOUDS: Record<string, AzureCloud> = {
  'azurecr.io': { authorityHost: 'https://login.microsoftonline.com', armScope: 'https://management.azure.com/.default' },
  'azurecr.cn': { authorityHost: 'https://login.chinacloudapi.cn', armScope: 'https://management.chinacloudapi.cn/.default' },
  'azurecr.us': { authorityHost: 'https://login.microsoftonline.us', armScope: 'https://management.usgovcloudapi.net/.default' },
};

// One DNS label before the suffix: `<name>.<region>.data.azurecr.io` is a data endpoint (blob
// downloads), not a registry, and must not match.
const ACR = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.(azurecr\.(?:io|cn|us))$/;

/** Parses an ACR host: the registry name and its cloud, or undefined for anything else. */
export function parseAcrHost(host: string): { name: string; cloud: AzureCloud } | undefined {
  const m = ACR.exec(host);
  if (!m) return undefined;
  return { name: m[1]!, cloud: CLOUDS[m[2]!]! };
}
