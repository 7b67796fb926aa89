import type { Credential } from '../credentials/types.js';
import type { Logger } from '../log.js';
import type { HttpRequest, HttpResponse, HttpSender } from '../transport/types.js';

/**
 * The registry API a provider hook may use: authenticated requests to the registry host itself
 * (paths relative to its base URL, or absolute URLs on it). RegistryConnection satisfies it.
 * Providers sit below the registry layer (DESIGN.md layers), so they see this, not Registry.
 */
export interface ProviderRegistryApi {
  readonly host: string;
  send(req: Omit<HttpRequest, 'url'> & { path: string }, scopes: string[]): Promise<HttpResponse>;
  baseUrl(): Promise<string>;
}

/** What every hook gets. */
export interface ProviderContext {
  logger: Logger;
  /** The plain HTTP client (retries, redirects, TLS settings), for provider APIs on other hosts. */
  http: HttpSender;
  /** The credential already found for the registry host, if any (for APIs that need a login). */
  credential?: Credential;
  env: NodeJS.ProcessEnv;
}

/** How blobs must be uploaded to a registry. */
export interface UploadRules {
  /** `monolithic`: one PUT (GAR has no chunked uploads); `chunked`: PATCH chunks then PUT. */
  mode: 'monolithic' | 'chunked';
  /** Smallest chunk but the last (ECR: 5 MiB, `LayerPartTooSmallException`). */
  minChunkSize?: number;
  /** Send the final chunk in the closing PUT instead of an empty PUT (ECR returned 500 on empty). */
  lastChunkInPut?: boolean;
  /** The registry's `Range` reply cannot be trusted to track offsets (ECR). */
  untrustedRange?: boolean;
}

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
  /** Credentials the platform already offers for this host (cloud SDK chains); undefined: none. */
  credentials?(host: string, ctx: ProviderContext): Promise<Credential | undefined>;
  /** Rewrites a stored credential into what the auth layer expects (ACR's null-GUID user). */
  normalizeCredential?(host: string, credential: Credential): Credential;
  /** Removes one tag only; false means "not handled here", and the generic path is tried. */
  untag?(api: ProviderRegistryApi, repo: string, tag: string, ctx: ProviderContext): Promise<boolean>;
  /** Lists repositories where `/v2/_catalog` does not serve; `namespace` narrows it (Hub). */
  listRepositories?(api: ProviderRegistryApi, ctx: ProviderContext, namespace?: string): Promise<string[]>;
  /** Makes sure a repository (or its project) exists before a push. */
  ensureRepository?(api: ProviderRegistryApi, repo: string, ctx: ProviderContext): Promise<void>;
  /** Upload constraints; absent: the generic strategy. */
  uploadRules?: UploadRules;
  /** Sees every registry response (rate-limit headers). */
  observeResponse?(res: HttpResponse, ctx: ProviderContext): void;
  /** Request tokens per repository rather than one token for many (ACR header limit). */
  tokenPerRepository?: boolean;
}
