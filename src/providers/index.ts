import { acr } from './acr.js';
import { dockerHub } from './dockerhub.js';
import { ecrPublic } from './ecr-public.js';
import { ecr } from './ecr.js';
import { gar } from './gar.js';
import { harbor } from './harbor.js';
import type { Provider } from './types.js';

export type { Provider, ProviderContext, ProviderRegistryApi, RateLimit, ResponseNotes, UploadRules } from './types.js';

/**
 * The provider table, most specific first. Providers matched by host name come before those
 * recognised by their `/v2/` challenge (Harbor), which only apply to hosts nobody matched.
 */
const PROVIDERS: readonly Provider[] = [dockerHub, ecr, ecrPublic, gar, acr, harbor];

/** The generic OCI registry: no special knowledge. */
export const genericProvider: Provider = { name: 'oci', matches: () => true };

/** Returns the provider that serves `host`, or the generic one. Needs no network. */
export function providerFor(host: string): Provider {
  return PROVIDERS.find((p) => p.matches(host)) ?? genericProvider;
}

/**
 * The provider of a registry whose `/v2/` ping answered with `challenges`: the one matching the
 * host name, else one that recognises the challenge, else the generic one.
 */
export function providerForEndpoint(host: string, challenges: string[]): Provider {
  const byHost = providerFor(host);
  if (byHost !== genericProvider) return byHost;
  return PROVIDERS.find((p) => p.recognizes?.(challenges)) ?? genericProvider;
}
