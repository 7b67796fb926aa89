/**
 * The keys under which docker's config.json (and credential helpers) file a registry's
 * credentials, and the way back from such a key to a registry host.
 */

/**
 * The key docker/cli writes for Docker Hub: a v1 index URL, kept for compatibility with the
 * very first registry API (REGISTRIES.md, "docker config.json").
 */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';

/** The canonical host regctl uses for Docker Hub. */
export const DOCKER_HUB_HOST = 'docker.io';

// Docker Hub answers under three names that are one registry (REGISTRIES.md, "Docker Hub").
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Normalises a config key (or a host a user typed) to a registry host: strips an `http://` or
 * `https://` scheme and any path (`/v1/`, `/v2/`, a podman namespace), lower-cases it, and maps
 * Docker Hub's aliases to `docker.io`.
 *
 *     hostFromConfigKey('https://index.docker.io/v1/') === 'docker.io'
 *     hostFromConfigKey('HTTP://Localhost:5000/v2/')    === 'localhost:5000'
 */
export function hostFromConfigKey(key: string): string {
  let host = key.trim().toLowerCase();
  // docker/cli ConvertToHostname only knows these two schemes; other text is left alone.
  host = host.replace(/^https?:\/\//, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  return HUB_ALIASES.has(host) ? DOCKER_HUB_HOST : host;
}

/**
 * The key docker would write for a registry host: Docker Hub's v1 URL for `docker.io` and its
 * aliases, the bare host (`localhost:5000`) for every other registry.
 */
export function configKeyFor(host: string): string {
  const normalised = hostFromConfigKey(host);
  return normalised === DOCKER_HUB_HOST ? DOCKER_HUB_CONFIG_KEY : normalised;
}

/** True when `key` (any spelling docker or podman may have written) names `host`. */
export function keyMatchesHost(key: string, host: string): boolean {
  return hostFromConfigKey(key) === hostFromConfigKey(host);
}
