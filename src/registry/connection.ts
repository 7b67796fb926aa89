import { RegistryAuth } from '../auth/auth-client.js';
import type { TokenCache } from '../auth/token-cache.js';
import type { CredentialProvider } from '../credentials/types.js';
import type { Logger } from '../log.js';
import type { HttpRequest, HttpResponse, HttpSender } from '../transport/types.js';
import { resolveEndpoint, type Endpoint } from './endpoint.js';

/** What a {@link RegistryConnection} needs. */
export interface ConnectionOptions {
  http: HttpSender;
  credentials: CredentialProvider;
  plainHttp?: boolean;
  logger?: Logger;
  tokenCache?: TokenCache;
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
  private ready?: Promise<{ endpoint: Endpoint; auth: RegistryAuth }>;

  constructor(host: string, opts: ConnectionOptions) {
    this.host = host;
    this.opts = opts;
  }

  /** The logger, for API modules. */
  get logger(): Logger | undefined {
    return this.opts.logger;
  }

  /** Pings the registry (once) and sets up its auth session. */
  connect(): Promise<{ endpoint: Endpoint; auth: RegistryAuth }> {
    this.ready ??= (async () => {
      const endpoint = await resolveEndpoint(this.opts.http, this.host, { plainHttp: this.opts.plainHttp ?? false }, this.opts.logger);
      const auth = new RegistryAuth({
        http: this.opts.http,
        host: this.host,
        secure: endpoint.secure,
        credentials: this.opts.credentials,
        ...(this.opts.logger && { logger: this.opts.logger }),
        ...(this.opts.tokenCache && { cache: this.opts.tokenCache }),
      });
      if (endpoint.challenges.length > 0) auth.setChallenges(endpoint.challenges);
      return { endpoint, auth };
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

  /** Sends a request with the token scopes it needs. */
  async send(req: RegistryRequest, scopes: string[]): Promise<HttpResponse> {
    const { auth } = await this.connect();
    const { path, ...rest } = req;
    return auth.send({ ...rest, url: await this.url(path) }, scopes);
  }
}
