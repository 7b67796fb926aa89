import { RegistryAuth } from '../auth/auth-client.js';
import type { TokenCache } from '../auth/token-cache.js';
import type { CredentialProvider } from '../credentials/types.js';
import { silentLogger, type Logger } from '../log.js';
import { providerForEndpoint } from '../providers/index.js';
import type { Provider, ProviderContext, RateLimit } from '../providers/types.js';
import { pacer } from '../transport/pace.js';
import type { HttpRequest, HttpResponse, HttpSender } from '../transport/types.js';
import { resolveEndpoint, type Endpoint } from './endpoint.js';
import { observeRateLimit, type RateLimitState } from './rate-limit.js';

/** What a {@link RegistryConnection} needs. */
export interface ConnectionOptions {
  http: HttpSender;
  credentials: CredentialProvider;
  plainHttp?: boolean;
  logger?: Logger;
  tokenCache?: TokenCache;
  /** The provider hooks to use; default: the provider table's choice for the host and its ping. */
  provider?: Provider;
  /** Create missing repositories on push: true, false, or undefined for the provider's default. */
  createRepositories?: boolean;
  /** For provider hooks; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Try plain http when https fails; default: loopback hosts only (src/registry/endpoint.ts). */
  httpFallback?: boolean;
  /** At most this many requests a second through this connection (config `requestsPerSecond`). */
  requestsPerSecond?: number;
  /** Largest upload request body (config `chunkSize`); bigger blobs go up in chunks. */
  chunkSize?: number;
}

/** What {@link RegistryConnection.connect} sets up once. */
interface Session {
  endpoint: Endpoint;
  auth: RegistryAuth;
  provider: Provider;
}

/** A request relative to the registry's base URL (`/v2/...`) or to an absolute URL it gave us. */
export type RegistryRequest = Omit<HttpRequest, 'url'> & { path: string };

/**
 * One registry host: resolves its endpoint once (the `/v2/` ping), then sends authenticated
 * requests through the auth layer. Every API module (manifests, blobs, uploads, listing) goes
 * through {@link RegistryConnection.send}.
 */
export class RegistryConnection {
  readonly host: string;
  private readonly opts: ConnectionOptions;
  private ready?: Promise<Session>;
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly rates: RateLimitState = { warned: false };

  constructor(host: string, opts: ConnectionOptions) {
    this.host = host;
    const rps = opts.requestsPerSecond;
    // Pacing wraps the sender, so the ping, every auth replay and token fetch count too.
    this.opts = rps ? { ...opts, http: paced(opts.http, rps) } : opts;
  }

  /** The largest upload request body configured for this registry, if any. */
  get chunkSize(): number | undefined {
    return this.opts.chunkSize;
  }

  /** The logger, for API modules. */
  get logger(): Logger | undefined {
    return this.opts.logger;
  }

  /** Pings the registry (once), picks its provider and sets up its auth session. */
  connect(): Promise<Session> {
    this.ready ??= (async () => {
      const endpoint = await resolveEndpoint(this.opts.http, this.host, {
        plainHttp: this.opts.plainHttp ?? false,
        ...(this.opts.httpFallback !== undefined && { httpFallback: this.opts.httpFallback }),
      }, this.opts.logger);
      const provider = this.opts.provider ?? providerForEndpoint(this.host, endpoint.challenges);
      if (provider.name !== 'oci') this.opts.logger?.debug(`${this.host}: ${provider.name} registry`);
      const auth = new RegistryAuth({
        http: this.opts.http,
        host: this.host,
        secure: endpoint.secure,
        credentials: normalizing(provider, this.opts.credentials),
        ...(this.opts.logger && { logger: this.opts.logger }),
        ...(this.opts.tokenCache && { cache: this.opts.tokenCache }),
      });
      if (endpoint.challenges.length > 0) auth.setChallenges(endpoint.challenges);
      return { endpoint, auth, provider };
    })();
    // A failed ping is not cached, so a later call (after the network recovers) tries again.
    this.ready.catch(() => { this.ready = undefined; });
    return this.ready;
  }

  /** The resolved base URL, e.g. `https://registry-1.docker.io`. */
  async baseUrl(): Promise<string> {
    return (await this.connect()).endpoint.baseUrl;
  }

  /** Resolves a path or a `Location` header (absolute, or relative to the base URL). */
  async url(pathOrLocation: string): Promise<string> {
    return new URL(pathOrLocation, `${await this.baseUrl()}/`).toString();
  }

  /** Sends a request with the token scopes it needs; the provider sees every response. */
  async send(req: RegistryRequest, scopes: string[]): Promise<HttpResponse> {
    const { auth, provider } = await this.connect();
    const { path, ...rest } = req;
    const res = await auth.send({ ...rest, url: await this.url(path) }, scopes);
    const notes = provider.observeResponse?.(res, this.baseContext());
    if (notes?.rateLimit) observeRateLimit(this.rates, this.host, notes.rateLimit, this.logger);
    return res;
  }

  /** The provider of this registry (known after the ping). */
  async provider(): Promise<Provider> {
    return (await this.connect()).provider;
  }

  /** The last pull quota the registry reported (Docker Hub), if any. */
  get rateLimit(): RateLimit | undefined {
    return this.rates.last;
  }

  /** What provider hooks get, with the credential found for this host. */
  async providerContext(): Promise<ProviderContext> {
    const credential = await (await this.connect()).auth.credential();
    return { ...this.baseContext(), ...(credential && { credential }) };
  }

  /**
   * Runs the provider's ensure-repository hook once per repository (ECR creates it, Harbor checks
   * its project) before the first push. A failure is not remembered: the next push asks again.
   */
  ensureRepository(repo: string): Promise<void> {
    let p = this.ensured.get(repo);
    if (!p) {
      p = (async () => {
        const provider = await this.provider();
        if (provider.ensureRepository) await provider.ensureRepository(this, repo, await this.providerContext());
      })();
      p.catch(() => this.ensured.delete(repo));
      this.ensured.set(repo, p);
    }
    return p;
  }

  private baseContext(): ProviderContext {
    const create = this.opts.createRepositories;
    return {
      logger: this.opts.logger ?? silentLogger,
      http: this.opts.http,
      env: this.opts.env ?? process.env,
      ...(create !== undefined && { createRepository: create }),
    };
  }
}

/** Applies the provider's `normalizeCredential` (ACR's null-GUID user) to what the chain finds. */
function normalizing(provider: Provider, credentials: CredentialProvider): CredentialProvider {
  const normalize = provider.normalizeCredential;
  if (!normalize) return credentials;
  return { get: async (host) => {
    const c = await credentials.get(host);
    return c && normalize(host, c);
  } };
}

/** A sender that waits for its turn before each request. */
function paced(http: HttpSender, perSecond: number): HttpSender {
  const wait = pacer(perSecond);
  return { send: async (req) => {
    await wait();
    return http.send(req);
  } };
}
