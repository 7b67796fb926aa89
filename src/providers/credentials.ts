import type { Credential, CredentialProvider } from '../credentials/types.js';
import { isRegctlError, registerSecret } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { HttpSender } from '../transport/types.js';
import { providerFor } from './index.js';

/** What {@link ProviderCredentials} needs. */
export interface ProviderCredentialsOptions {
  /** For providers that call token services (the plain client, with --connect-to and TLS settings). */
  http: HttpSender;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

/**
 * The credentials a platform already offers: asks the provider of the host (its `credentials`
 * hook: the AWS, Google or Azure chains), and nothing at all for hosts without one, so no cloud
 * SDK is loaded for other registries. It comes after the user's own logins (flags, env, docker
 * config, podman) in the credential chain assembled by src/client.ts. Not cached here: providers
 * cache their short-lived secrets themselves and hand out fresh ones near expiry.
 */
export class ProviderCredentials implements CredentialProvider {
  private readonly http: HttpSender;
  private readonly logger: Logger;
  private readonly env: NodeJS.ProcessEnv;

  constructor(opts: ProviderCredentialsOptions) {
    this.http = opts.http;
    this.logger = opts.logger ?? silentLogger;
    this.env = opts.env ?? process.env;
  }

  async get(host: string): Promise<Credential | undefined> {
    const provider = providerFor(host);
    if (!provider.credentials) return undefined;
    let cred: Credential | undefined;
    try {
      cred = await provider.credentials(host, { logger: this.logger, http: this.http, env: this.env });
    } catch (e) {
      // A provider's own RegctlError is deliberate (a refused token exchange) and is reported as
      // such; anything else is an SDK that found no usable credentials: go on anonymously.
      if (isRegctlError(e)) throw e;
      this.logger.warn(`${provider.name}: no credentials for ${host} from the platform: ${(e as Error).message}`);
      return undefined;
    }
    if (cred) {
      for (const s of [cred.password, cred.identityToken, cred.registryToken]) registerSecret(s);
      cred = { ...cred, source: cred.source ?? `${provider.name} platform credentials` };
    }
    return cred;
  }
}
