import { registerSecret } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { matchingKeys } from './auth-entry.js';
import { dockerConfigPath, readDockerConfig, type DockerConfig } from './docker-config.js';
import { TOKEN_USERNAME, helperDescription, helperLookup, type HelperCredential } from './helper.js';
import { configKeyFor, hostFromConfigKey } from './host-key.js';
import { PodmanCredentials, credentialFromAuths } from './podman.js';
import type { Credential, CredentialProvider } from './types.js';

/** Options for {@link DockerConfigCredentials}. */
export interface DockerConfigCredentialsOptions {
  /** The docker config file; default {@link dockerConfigPath}. */
  configPath?: string;
  /** Environment: DOCKER_CONFIG, REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, and PATH for helpers. */
  env?: NodeJS.ProcessEnv;
  /** Receives one warning per broken credential helper. */
  logger?: Logger;
  /** Also read podman's auth file after the docker config (default true). */
  podman?: boolean;
}

// Per process, not per instance: a CLI run builds several providers and the user should read
// "helper X is missing" once (oras#2020 is the complaint about helpers that break logins).
const warnedHelpers = new Set<string>();

/**
 * Credentials as docker and podman keep them. For a host it asks, in order: the per-registry
 * helper (`credHelpers`), the plain `auths` entries, the default helper (`credsStore`), then
 * podman's auth file; the first credential found wins. A helper that is missing or fails is
 * reported once and skipped, so a stale `credsStore` never blocks anonymous pulls.
 */
export class DockerConfigCredentials implements CredentialProvider {
  private readonly configPath: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly logger: Logger;
  private config?: Promise<DockerConfig>;
  private readonly cache = new Map<string, Promise<Credential | undefined>>();
  private readonly podman?: PodmanCredentials;

  constructor(opts: DockerConfigCredentialsOptions = {}) {
    this.env = opts.env ?? process.env;
    this.configPath = opts.configPath ?? dockerConfigPath(this.env);
    this.logger = opts.logger ?? silentLogger;
    if (opts.podman !== false) this.podman = new PodmanCredentials({ env: this.env, skipPath: this.configPath, logger: this.logger });
  }

  /** The docker config file this provider reads. */
  get path(): string {
    return this.configPath;
  }

  /** The credential for `host` (`docker.io`, `localhost:5000`), or undefined for anonymous. */
  get(host: string): Promise<Credential | undefined> {
    const key = hostFromConfigKey(host);
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.lookup(key);
      // A failure (invalid config) is not cached: the user may fix the file and retry.
      hit.catch(() => this.cache.delete(key));
      this.cache.set(key, hit);
    }
    return hit;
  }

  private async lookup(host: string): Promise<Credential | undefined> {
    this.config ??= readDockerConfig(this.configPath);
    const cfg = await this.config.catch((e) => {
      this.config = undefined;
      throw e;
    });
    const preferred = configKeyFor(host);
    const perHost = matchingKeys(cfg.credHelpers, host, preferred).map((k) => cfg.credHelpers?.[k]);
    const helper = perHost.find((h): h is string => typeof h === 'string' && h !== '');
    const found =
      (helper && (await this.fromHelper(helper, host))) ||
      credentialFromAuths(cfg, host, this.configPath, `docker config ${this.configPath} (auths)`) ||
      (cfg.credsStore && (await this.fromHelper(cfg.credsStore, host))) ||
      (await this.podman?.get(host)) ||
      undefined;
    if (found) {
      registerSecret(found.password);
      registerSecret(found.identityToken);
      registerSecret(found.registryToken);
    }
    return found;
  }

  private async fromHelper(name: string, host: string): Promise<Credential | undefined> {
    try {
      const hit = await helperLookup(name, host, { env: this.env });
      return hit && { ...fromHelperCredential(hit.credential), source: helperDescription(name) };
    } catch (e) {
      if (!warnedHelpers.has(name)) {
        warnedHelpers.add(name);
        this.logger.warn(`${(e as Error).message}; continuing without it`);
      }
      return undefined;
    }
  }
}

/** Maps a helper's answer to a {@link Credential}; `<token>` marks an identity token. */
export function fromHelperCredential(c: HelperCredential): Credential {
  if (c.Username === TOKEN_USERNAME) return { identityToken: c.Secret };
  return { username: c.Username, password: c.Secret };
}
