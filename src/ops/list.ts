import { parseRegistry } from '../ref/host.js';
import { isRegistryName, parseRepository } from '../ref/reference.js';
import type { Registry } from '../registry/registry.js';

/** What `regctl list` was asked about. */
export type ListTarget =
  | { kind: 'registry'; registry: string }
  | { kind: 'namespace'; registry: string; namespace: string }
  | { kind: 'repository'; registry: string; repository: string };

/**
 * Reads a `list` argument: a registry (`ghcr.io`), a namespace written with a trailing slash
 * (`docker.io/library/`, `harbor.example.com/project/`, `myuser/` on Docker Hub), or a
 * repository (`alpine`, `ghcr.io/org/app`). The slash is what tells a namespace from a
 * repository, since `docker.io/myuser` is itself a repository name (`library/myuser`).
 */
export function parseListTarget(target: string): ListTarget {
  if (isRegistryName(target)) return { kind: 'registry', registry: parseRegistry(target) };
  if (!target.endsWith('/')) {
    const r = parseRepository(target);
    return { kind: 'repository', registry: r.registry, repository: r.repository };
  }
  const stripped = target.replace(/\/+$/, '');
  if (isRegistryName(stripped)) return { kind: 'registry', registry: parseRegistry(stripped) };
  // Parsing `<prefix>/x` validates every component and finds the registry the way references
  // do, without Docker Hub's `library/` rule applying to the namespace itself.
  const probe = parseRepository(`${stripped}/x`);
  return { kind: 'namespace', registry: probe.registry, namespace: probe.repository.slice(0, -'/x'.length) };
}

/**
 * The repositories of a registry, or of one namespace in it. The provider's listing API comes
 * first (Docker Hub and Harbor have no usable `/v2/_catalog`, GAR lists through its own API);
 * otherwise the catalog, narrowed to the namespace.
 */
export async function listRepositories(registry: Registry, namespace?: string): Promise<string[]> {
  const conn = registry.connection;
  const provider = await conn.provider();
  if (provider.listRepositories) return provider.listRepositories(conn, await conn.providerContext(), namespace);
  const all = await registry.listRepositories();
  return namespace === undefined ? all : all.filter((r) => r.startsWith(`${namespace}/`));
}
