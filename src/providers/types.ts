/**
 * What regctl knows about one kind of registry. The core never tests host names itself: it asks
 * the provider table (src/providers/index.ts) and calls these hooks (DESIGN principle 2).
 * Every hook is optional; a registry with no provider uses the generic OCI path.
 */
export interface Provider {
  /** A short name for logs and `--verbose`, e.g. `dockerhub`. */
  readonly name: string;
  /** True when this provider serves the given registry host (as in a reference). */
  matches(host: string): boolean;
  /** The host to connect to, when it differs from the one users write. */
  endpointHost?(host: string): string;
}
