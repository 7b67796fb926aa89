import { join } from 'node:path';
import { registerSecret } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { credentialFromAuthEntry, matchingKeys } from './auth-entry.js';
import { readDockerConfig, type DockerConfig } from './docker-config.js';
import { configKeyFor, hostFromConfigKey } from './host-key.js';
import type { Credential, CredentialProvider } from './types.js';

/** podman's auth file: `REGISTRY_AUTH_FILE`, else `$XDG_RUNTIME_DIR/containers/auth.json`. */
export function podmanAuthPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json') : undefined;
}

/** Options for {@link PodmanCredentials}. */
export interface PodmanCredentialsOptions {
  /** REGISTRY_AUTH_FILE and XDG_RUNTIME_DIR come from here. */
  env?: NodeJS.ProcessEnv;
  /** A file to skip because another source reads it already (REGISTRY_AUTH_FILE = docker's). */
  skipPath?: string;
  logger?: Logger;
}

// Per process: a broken file is reported once however many providers read it.
const warnedFiles = new Set<string>();

/**
 * Logins kept by podman, buildah and skopeo (containers-auth.json(5)): the `auths` of
 * {@link podmanAuthPath}, same format as docker's. A broken file gives one warning and counts
 * as empty, since it is a secondary source that must not stop docker-config users.
 */
export class PodmanCredentials implements CredentialProvider {
  private readonly env: NodeJS.ProcessEnv;
  private readonly logger: Logger;
  private config?: Promise<DockerConfig | undefined>;

  constructor(private readonly opts: PodmanCredentialsOptions = {}) {
    this.env = opts.env ?? process.env;
    this.logger = opts.logger ?? silentLogger;
  }

  /** The file this provider reads, or undefined when there is none to read. */
  get path(): string | undefined {
    const path = podmanAuthPath(this.env);
    return path && path !== this.opts.skipPath ? path : undefined;
  }

  /** The first usable host-wide entry for `host` in podman's file, or undefined. */
  async get(host: string): Promise<Credential | undefined> {
    const path = this.path;
    if (!path) return undefined;
    this.config ??= readDockerConfig(path).catch((e: Error) => {
      if (!warnedFiles.has(path)) {
        warnedFiles.add(path);
        this.logger.warn(`${e.message}; ignoring it`);
      }
      return undefined;
    });
    const cfg = await this.config;
    const found = cfg && credentialFromAuths(cfg, hostFromConfigKey(host), path, `podman auth file ${path}`, isHostLevelKey);
    if (found) for (const s of [found.password, found.identityToken, found.registryToken]) registerSecret(s);
    return found;
  }
}

/**
 * The first usable `auths` entry of `cfg` for `host` (the exact docker key first), tagged with
 * `source`; `keep` filters the keys considered.
 */
export function credentialFromAuths(
  cfg: DockerConfig,
  host: string,
  file: string,
  source: string,
  keep: (key: string) => boolean = () => true,
): Credential | undefined {
  for (const k of matchingKeys(cfg.auths, host, configKeyFor(host)).filter(keep)) {
    const cred = credentialFromAuthEntry(cfg.auths![k]!, `${file}: auths["${k}"]`);
    if (cred) return { ...cred, source };
  }
  return undefined;
}

// containers-auth.json(5) allows `host/namespace` keys scoped to some repositories; a host-wide
// lookup cannot honour that scope, so only host-level keys count.
function isHostLevelKey(key: string): boolean {
  const path = key.replace(/^https?:\/\//i, '').replace(/^[^/]*/, '');
  return path === '' || /^\/(v[12]\/?)?$/i.test(path);
}
