import { TokenCache } from './auth/token-cache.js';
import { DockerConfigCredentials } from './credentials/docker-provider.js';
import type { CredentialProvider } from './credentials/types.js';
import { silentLogger, redactingLogger, type Logger } from './log.js';
import { RegistryConnection } from './registry/connection.js';
import { Registry } from './registry/registry.js';
import { HttpClient, type HttpClientOptions } from './transport/http.js';

/** Options for a {@link RegistryClient}. */
export interface ClientOptions {
  /** Where credentials come from; defaults to docker's config and its credential helpers. */
  credentials?: CredentialProvider;
  /** Talk plain http to these hosts (or to every host when true). */
  plainHttp?: boolean | ((host: string) => boolean);
  /** Transport settings: TLS CA, `insecure`, timeouts, retries. */
  http?: HttpClientOptions;
  logger?: Logger;
}

/**
 * The entry point of the library: one connection pool, one token cache and one credential
 * chain shared by every registry it talks to.
 *
 * ```ts
 * const client = new RegistryClient();
 * const reg = client.registry('ghcr.io');
 * const m = await reg.getManifest('org/app', '1.2');
 * ```
 */
export class RegistryClient {
  readonly logger: Logger;
  private readonly http: HttpClient;
  private readonly credentials: CredentialProvider;
  private readonly tokens = new TokenCache();
  private readonly registries = new Map<string, Registry>();
  private readonly plainHttp: (host: string) => boolean;

  constructor(opts: ClientOptions = {}) {
    this.logger = redactingLogger(opts.logger ?? silentLogger);
    this.http = new HttpClient({ ...opts.http, logger: this.logger });
    this.credentials = opts.credentials ?? new DockerConfigCredentials({ logger: this.logger });
    const plain = opts.plainHttp;
    this.plainHttp = typeof plain === 'function' ? plain : () => plain === true;
  }

  /** The registry at `host` (as in a reference: `docker.io`, `localhost:5000`). */
  registry(host: string): Registry {
    let reg = this.registries.get(host);
    if (!reg) {
      reg = new Registry(new RegistryConnection(host, {
        http: this.http,
        credentials: this.credentials,
        plainHttp: this.plainHttp(host),
        logger: this.logger,
        tokenCache: this.tokens,
      }));
      this.registries.set(host, reg);
    }
    return reg;
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.http.close();
  }
}
