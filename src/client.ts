import { TokenCache } from './auth/token-cache.js';
import { ConfiguredHelperCredentials } from './config/credentials.js';
import type { Settings } from './config/settings.js';
import { CredentialChain, defaultCredentialChain, type ChainExplanation } from './credentials/chain.js';
import type { CredentialProvider } from './credentials/types.js';
import { silentLogger, redactingLogger, type Logger } from './log.js';
import { ProviderCredentials } from './providers/credentials.js';
import { RegistryConnection } from './registry/connection.js';
import { MirroredRegistry } from './registry/mirrored.js';
import { Registry } from './registry/registry.js';
import { HttpClient, type HttpClientOptions } from './transport/http.js';

/** Options for a {@link RegistryClient}. */
export interface ClientOptions {
  /**
   * Where credentials come from. The default is the documented chain (README, "Credentials"):
   * {@link ClientOptions.explicitCredentials}, `REGCTL_AUTH_<HOST>` variables, docker's config
   * and its credential helpers, podman's auth file, then what the registry's platform offers
   * (the AWS, Google and Azure credential chains); nothing found means anonymous.
   */
  credentials?: CredentialProvider;
  /** Asked first by the default chain (`--creds`, `--src-creds`, `--dest-creds`); ignored with `credentials`. */
  explicitCredentials?: CredentialProvider;
  /**
   * Create missing repositories (ECR) or projects (Harbor) before a push: true, false, or
   * undefined for each provider's default (ECR creates, Harbor does not).
   */
  createRepositories?: boolean;
  /** Talk plain http to these hosts (or to every host when true). */
  plainHttp?: boolean | ((host: string) => boolean);
  /** Transport settings: TLS CA, `insecure`, timeouts, retries, proxies. */
  http?: HttpClientOptions;
  /**
   * Per-host settings from regctl's config files (src/config; `loadSettings()`): TLS mode, CA
   * files and client certificates (with docker's certs.d), read mirrors, credential helper,
   * requests per second and upload chunk size.
   */
  settings?: Settings;
  logger?: Logger;
}

/** Options of {@link RegistryClient.registry}. */
export interface RegistryOptions {
  /**
   * Read manifests and blobs through the host's configured mirrors first (copy sources,
   * `inspect`, `digest`); never for a destination.
   */
  mirrors?: boolean;
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
  private readonly mirrored = new Map<string, Registry>();
  private readonly settings: Settings | undefined;
  private readonly plainHttp: (host: string) => boolean;
  private readonly createRepositories: boolean | undefined;

  constructor(opts: ClientOptions = {}) {
    this.logger = redactingLogger(opts.logger ?? silentLogger);
    const settings = opts.settings;
    this.settings = settings;
    this.http = new HttpClient({ ...(settings && { tlsFor: (authority: string) => settings.tls(authority) }), ...opts.http, logger: this.logger });
    this.credentials = opts.credentials ?? defaultCredentialChain({
      logger: this.logger,
      ...(opts.explicitCredentials && { explicit: opts.explicitCredentials }),
      ...(settings && { configured: new ConfiguredHelperCredentials(settings) }),
      providers: new ProviderCredentials({ http: this.http, logger: this.logger }),
    });
    this.createRepositories = opts.createRepositories;
    const plain = opts.plainHttp;
    this.plainHttp = typeof plain === 'function' ? plain : () => plain === true;
  }

  /** The registry at `host` (as in a reference: `docker.io`, `localhost:5000`). */
  registry(host: string, opts: RegistryOptions = {}): Registry {
    let reg = this.registries.get(host);
    if (!reg) {
      const s = this.settings?.host(host);
      const tls = s?.tls?.value;
      reg = new Registry(new RegistryConnection(host, {
        http: this.http,
        credentials: this.credentials,
        plainHttp: this.plainHttp(host) || tls === 'disabled',
        logger: this.logger,
        tokenCache: this.tokens,
        ...(this.createRepositories !== undefined && { createRepositories: this.createRepositories }),
        // docker's insecure registries: https without verification, then plain http.
        ...(tls === 'insecure' && { httpFallback: true }),
        ...(tls === 'enabled' && { httpFallback: false }),
        ...(s?.requestsPerSecond && { requestsPerSecond: s.requestsPerSecond.value }),
        ...(s?.chunkSize && { chunkSize: s.chunkSize.value }),
      }));
      this.registries.set(host, reg);
    }
    return opts.mirrors ? this.withMirrors(host, reg) : reg;
  }

  private withMirrors(host: string, upstream: Registry): Registry {
    let reg = this.mirrored.get(host);
    if (!reg) {
      const mirrors = (this.settings?.host(host).mirrors?.value ?? [])
        .map((m) => ({ host: m.split('/')[0]!, prefix: m.split('/').slice(1).join('/') }))
        .filter((m) => m.host !== host)
        .map((m) => ({ registry: this.registry(m.host), prefix: m.prefix }));
      reg = mirrors.length > 0 ? new MirroredRegistry(upstream, mirrors, this.logger) : upstream;
      this.mirrored.set(host, reg);
    }
    return reg;
  }

  /**
   * Which source of the credential chain answers for `host` (`regctl login --show`). The
   * credential is in the answer; print its `source` and user name, never its secret.
   */
  async explainCredentials(host: string): Promise<ChainExplanation> {
    if (this.credentials instanceof CredentialChain) return this.credentials.explain(host);
    const credential = await this.credentials.get(host);
    return credential
      ? { credential, answeredBy: credential.source ?? 'the configured provider', tried: [{ name: 'the configured provider', found: true }] }
      : { tried: [{ name: 'the configured provider', found: false }] };
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.http.close();
  }
}
