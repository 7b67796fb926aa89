import { isRegctlError, registerSecret } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { DockerConfigCredentials } from './docker-provider.js';
import { EnvCredentials } from './env.js';
import { PodmanCredentials } from './podman.js';
import type { Credential, CredentialProvider } from './types.js';

/** One link of a {@link CredentialChain}: a provider and the name `login --show` gives it. */
export interface ChainLink {
  name: string;
  provider: CredentialProvider;
}

/** What each link said about a host, for `login --show`. */
export interface ChainExplanation {
  /** The credential that answered, if any; its `source` says where it came from. */
  credential?: Credential;
  /** The link that answered, or undefined for anonymous. */
  answeredBy?: string;
  /** Every link asked, in order, up to the one that answered. */
  tried: Array<{ name: string; found: boolean; error?: string }>;
}

/**
 * Asks providers in order and returns the first credential found; none means anonymous. A
 * link failing with a `CREDENTIALS` error (a keychain or cloud SDK that cannot answer) is
 * reported once as a warning and skipped, so one broken source never blocks the others; other
 * errors (an invalid config file, a malformed `--creds`) stop the lookup, since the user must
 * fix them.
 */
export class CredentialChain implements CredentialProvider {
  private readonly warned = new Set<string>();

  constructor(readonly links: readonly ChainLink[], private readonly logger: Logger = silentLogger) {}

  /** The first credential any link finds for `host`; undefined means anonymous. */
  async get(host: string): Promise<Credential | undefined> {
    return (await this.explain(host)).credential;
  }

  /** Asks each link in turn and records what it said; stops at the first credential. */
  async explain(host: string): Promise<ChainExplanation> {
    const tried: ChainExplanation['tried'] = [];
    for (const link of this.links) {
      let found: Credential | undefined;
      try {
        found = await link.provider.get(host);
      } catch (e) {
        if (!isRegctlError(e, 'CREDENTIALS')) throw e;
        this.warnOnce(link.name, `${link.name}: ${e.message}; continuing without it`);
        tried.push({ name: link.name, found: false, error: e.message });
        continue;
      }
      tried.push({ name: link.name, found: found !== undefined });
      if (found) {
        for (const s of [found.password, found.identityToken, found.registryToken]) registerSecret(s);
        return { credential: { ...found, source: found.source ?? link.name }, answeredBy: link.name, tried };
      }
    }
    return { tried };
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(message);
  }
}

/** Options for {@link defaultCredentialChain}. */
export interface DefaultChainOptions {
  /** Credentials given on the command line or by the caller, asked first. */
  explicit?: CredentialProvider;
  /** Environment for REGCTL_AUTH_*, DOCKER_CONFIG, podman's paths and helpers' PATH. */
  env?: NodeJS.ProcessEnv;
  /** The docker config file; default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
  configPath?: string;
  /** Platform credentials (cloud SDK chains of the provider table), asked after the files. */
  providers?: CredentialProvider;
  /** The credential helpers regctl's config names per host (src/config/credentials.ts), asked after the environment. */
  configured?: CredentialProvider;
  logger?: Logger;
}

/**
 * The documented lookup order (README, "Credentials"): explicit credentials (`--creds`,
 * `--src-creds`, `--dest-creds`), the environment (`REGCTL_AUTH_<HOST>`), the credential helper
 * regctl's config names for the host (`hosts["<host>"].credentialHelper`), the docker config
 * (credHelpers, auths, credsStore), podman's auth file, provider credentials; nothing found
 * means anonymous.
 */
export function defaultCredentialChain(opts: DefaultChainOptions = {}): CredentialChain {
  const env = opts.env ?? process.env;
  const logger = opts.logger ?? silentLogger;
  const docker = new DockerConfigCredentials({ env, logger, podman: false, ...(opts.configPath && { configPath: opts.configPath }) });
  const links: ChainLink[] = [];
  if (opts.explicit) links.push({ name: 'command-line credentials', provider: opts.explicit });
  links.push({ name: 'environment', provider: new EnvCredentials(env) });
  if (opts.configured) links.push({ name: 'regctl config', provider: opts.configured });
  links.push({ name: 'docker config', provider: docker });
  links.push({ name: 'podman auth file', provider: new PodmanCredentials({ env, skipPath: docker.path, logger }) });
  if (opts.providers) links.push({ name: 'provider credentials', provider: opts.providers });
  return new CredentialChain(links, logger);
}
