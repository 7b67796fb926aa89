import { dockerHub } from './dockerhub.js';
import type { Provider } from './types.js';

export type { Provider } from './types.js';

/** The provider table, most specific first. Later issues register ECR, GAR, ACR and Harbor here. */
const PROVIDERS: readonly Provider[] = [dockerHub];

/** The generic OCI registry: no special knowledge. */
const generic: Provider = { name: 'oci', matches: () => true };

/** Returns the provider that serves `host`, or the generic one. */
export function providerFor(host: string): Provider {
  return PROVIDERS.find((p) => p.matches(host)) ?? generic;
}
