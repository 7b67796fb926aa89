import { registerSecret } from '../errors.js';
import type { Credential, CredentialProvider } from './types.js';

/**
 * Credentials given directly (a `login` being verified, `--creds`, a library caller's own),
 * consulted before `fallback`.
 */
export class StaticCredentials implements CredentialProvider {
  private readonly byHost: Map<string, Credential>;

  constructor(entries: Record<string, Credential>, private readonly fallback?: CredentialProvider) {
    this.byHost = new Map(Object.entries(entries));
    for (const c of this.byHost.values()) {
      registerSecret(c.password);
      registerSecret(c.identityToken);
      registerSecret(c.registryToken);
    }
  }

  /** One credential for every host (`--creds` on a command that talks to one registry). */
  static forAllHosts(cred: Credential): CredentialProvider {
    for (const s of [cred.password, cred.identityToken, cred.registryToken]) registerSecret(s);
    return { get: async () => cred };
  }

  /** The credential given for `host`, else what the fallback finds. */
  async get(host: string): Promise<Credential | undefined> {
    return this.byHost.get(host) ?? this.fallback?.get(host);
  }
}
