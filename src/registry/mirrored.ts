import type { Logger } from '../log.js';
import type { BlobReader } from './blobs.js';
import type { Descriptor, Manifest } from './manifest.js';
import { Registry } from './registry.js';

/** A pull-through mirror of a registry: its {@link Registry} and the path prefix repositories have there. */
export interface Mirror {
  registry: Registry;
  /** Prepended to repository names (`dockerhub` for `harbor.example.com/dockerhub`); empty for none. */
  prefix: string;
}

/**
 * A registry whose reads (manifests, blobs, referrers) try its mirrors first, in order
 * (config `hosts["<host>"].mirrors`, like docker's `registry-mirrors` and containerd's
 * hosts.toml), falling back to the next mirror and then to the registry itself on any failure
 * or absence. Writes, deletes, listings and referrers (a mirror may lack those pushed later)
 * always go to the registry itself. Only copy sources,
 * `inspect` and `digest` use it (RegistryClient.registry with `mirrors`): a copy destination's
 * "do you have this blob?" must be answered by the destination, never by a mirror.
 */
export class MirroredRegistry extends Registry {
  constructor(upstream: Registry, private readonly mirrors: readonly Mirror[], private readonly log?: Logger) {
    super(upstream.connection);
  }

  override getManifest(repo: string, reference: string): Promise<Manifest> {
    return this.first(`manifest ${repo}:${reference}`, repo, (m, r) => m.getManifest(r, reference), () => super.getManifest(repo, reference));
  }

  override headManifest(repo: string, reference: string): Promise<Descriptor | undefined> {
    return this.first(`manifest ${repo}:${reference}`, repo, (m, r) => m.headManifest(r, reference), () => super.headManifest(repo, reference));
  }

  override headBlob(repo: string, digest: string): Promise<number | undefined> {
    return this.first(`blob ${repo}@${digest}`, repo, (m, r) => m.headBlob(r, digest), () => super.headBlob(repo, digest));
  }

  override getBlob(repo: string, digest: string, offset = 0): Promise<BlobReader> {
    return this.first(`blob ${repo}@${digest}`, repo, (m, r) => m.getBlob(r, digest, offset), () => super.getBlob(repo, digest, offset));
  }

  /** The first mirror's answer that is not a failure or undefined, else the registry's. */
  private async first<T>(what: string, repo: string, fromMirror: (m: Registry, repo: string) => Promise<T | undefined>, upstream: () => Promise<T>): Promise<T> {
    for (const m of this.mirrors) {
      const name = m.prefix ? `${m.prefix}/${repo}` : repo;
      try {
        const found = await fromMirror(m.registry, name);
        if (found !== undefined) {
          this.log?.debug(`${what}: from mirror ${m.registry.host}/${name}`);
          return found;
        }
        this.log?.debug(`${what}: not on mirror ${m.registry.host}/${name}`);
      } catch (e) {
        this.log?.debug(`${what}: mirror ${m.registry.host} failed (${(e as Error).message}); trying the next source`);
      }
    }
    return upstream();
  }
}
