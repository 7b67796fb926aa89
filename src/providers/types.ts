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
  /**
   * What the user asked about creating missing repositories (or projects) on push: true create,
   * false never, undefined the provider's own default (ECR creates, Harbor does not).
   */
  createRepository?: boolean;
}

/** A registry's pull quota as its response headers state it (Docker Hub `ratelimit-*`). */
export interface RateLimit {
  /** Requests left in the current window. */
  remaining: number;
  /** The quota of a whole window. */
  limit?: number;
  windowSeconds?: number;
  /** Who the quota is counted against (Hub's `docker-ratelimit-source`: an IP or account id). */
  source?: string;
}

/** What {@link Provider.observeResponse} learnt from one response. */
export interface ResponseNotes {
  rateLimit?: RateLimit;
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
  /**
   * True when the registry's `/v2/` challenges show it is this product, for self-hosted
   * registries whose host names say nothing (Harbor). Consulted after the ping, for hosts that no
   * provider {@link matches}.
   */
  recognizes?(challenges: string[]): boolean;
  /** The host to connect to, when it differs from the one users write. */
  endpointHost?(host: string): string;
  /** Credentials the platform already offers for this host (cloud SDK chains); undefined: none. */
  credentials?(host: string, ctx: ProviderContext): Promise<Credential | undefined>;
  /** Rewrites a stored credential into what the auth layer expects (ACR's null-GUID user). */
  normalizeCredential?(host: string, credential: Credential): Credential;
  /** Removes one tag only; false means "not handled here", and the generic path is tried. */
  untag?(api: ProviderRegistryApi, repo: string, tag: string, ctx: ProviderContext): Promise<boolean>;
  /**
   * Deletes a manifest by digest where one DELETE is not enough (GAR refuses while tags point at
   * it: untag first); false means "not handled here", and the generic DELETE is sent.
   */
  deleteManifest?(api: ProviderRegistryApi, repo: string, digest: string, ctx: ProviderContext): Promise<boolean>;
  /** Lists repositories where `/v2/_catalog` does not serve; `namespace` narrows it (Hub). */
  listRepositories?(api: ProviderRegistryApi, ctx: ProviderContext, namespace?: string): Promise<string[]>;
  /** Makes sure a repository (or its project) exists before a push. */
  ensureRepository?(api: ProviderRegistryApi, repo: string, ctx: ProviderContext): Promise<void>;
  /** Upload constraints; absent: the generic strategy. */
  uploadRules?: UploadRules;
  /** Sees every registry response (rate-limit headers); the core keeps and reports what it returns. */
  observeResponse?(res: HttpResponse, ctx: ProviderContext): ResponseNotes | void;
}
