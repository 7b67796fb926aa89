import { fromHelperCredential } from '../credentials/docker-provider.js';
import { helperDescription, helperLookup } from '../credentials/helper.js';
import type { Credential, CredentialProvider } from '../credentials/types.js';
import type { Settings } from './settings.js';

/**
 * Credentials from the credential helper a config file names for a host
 * (`hosts["<host>"].credentialHelper: ecr-login` runs `docker-credential-ecr-login`), through
 * the docker credential-helper protocol. Hosts without one get nothing here, and the rest of the
 * chain goes on; a helper that is missing or fails raises `CREDENTIALS`, which the chain reports
 * once as a warning before it goes on too (src/credentials/chain.ts).
 */
export class ConfiguredHelperCredentials implements CredentialProvider {
  constructor(private readonly settings: Settings, private readonly env: NodeJS.ProcessEnv = process.env) {}

  async get(host: string): Promise<Credential | undefined> {
    const helper = this.settings.host(host).credentialHelper;
    if (!helper) return undefined;
    const hit = await helperLookup(helper.value, host, { env: this.env });
    return hit && { ...fromHelperCredential(hit.credential), source: `${helperDescription(helper.value)} (from ${helper.from})` };
  }
}
