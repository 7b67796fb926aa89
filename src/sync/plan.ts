import type { RegistryClient } from '../client.js';
import { TransferLimits } from '../copy/limits.js';
import { RegctlError } from '../errors.js';
import { listRepositories } from '../ops/list.js';
import type { RepositoryName } from '../ref/reference.js';
import type { Platform } from '../registry/manifest.js';
import type { SourceSpec, SyncConfig } from './config.js';
import { inShard, type Shard } from './shard.js';
import { needsListing, selectTags } from './tags.js';
import { expandTemplate } from './template.js';

/** One image to sync: a source tag (or a pinned digest under that tag) and where it goes. */
export interface SyncImage {
  source: RepositoryName & { tag: string; digest?: string };
  /** Destination repositories; each gets the source tag. */
  targets: RepositoryName[];
  platforms?: Platform[];
  referrers: boolean;
}

/** A source that could not be expanded (a listing failed); its images are unknown. */
export interface SourceFailure {
  /** `docker.io/library/` (a namespace listing) or `ghcr.io/org/app` (a tag listing). */
  source: string;
  error: unknown;
}

/** What a sync run will do. */
export interface SyncPlan {
  images: SyncImage[];
  failures: SourceFailure[];
  shard?: Shard;
  /** Repositories this shard left to the others. */
  otherShards: number;
}

/** Options of {@link planSync}. */
export interface PlanOptions {
  shard?: Shard;
  /** Listing requests share these per-registry limits with the copies. */
  limits?: TransferLimits;
}

/** `registry/repo:tag`, with `@digest` when pinned. */
export function sourceName(s: SyncImage['source']): string {
  return `${s.registry}/${s.repository}:${s.tag}${s.digest ? `@${s.digest}` : ''}`;
}

/**
 * Expands the sources of a sync file into images: lists namespaces and registries, keeps this
 * shard's repositories (sharded by repository name, so all tags of one repository, which share
 * most layers, go to one runner), lists and filters their tags, and maps each to its destinations.
 * A listing that fails is reported as a {@link SourceFailure} and the rest goes on. Two sources
 * writing the same destination repository (or tag) from different places is a CONFIG error,
 * found before anything is copied.
 */
export async function planSync(client: RegistryClient, config: SyncConfig, opts: PlanOptions = {}): Promise<SyncPlan> {
  const limits = opts.limits ?? new TransferLimits();
  const failures: SourceFailure[] = [];
  const expanded = await Promise.all(config.sources.map(async (spec) => {
    try {
      return { spec, repos: await repositoriesOf(client, spec, limits) };
    } catch (e) {
      failures.push({ source: spec.label, error: e });
      return { spec, repos: [] };
    }
  }));
  const pairs = expanded.flatMap(({ spec, repos }) => repos.map((repository) => ({ spec, source: { registry: spec.registry, repository } })));
  checkRepositoryCollisions(pairs);
  const mine = pairs.filter((p) => inShard(`${p.source.registry}/${p.source.repository}`, opts.shard));
  const allNames = new Set(pairs.map((p) => `${p.source.registry}/${p.source.repository}`));
  const myNames = new Set(mine.map((p) => `${p.source.registry}/${p.source.repository}`));
  const tagged = await Promise.all(mine.map(async (p) => {
    try {
      return { ...p, tags: await tagsOf(client, p.spec, p.source, limits) };
    } catch (e) {
      failures.push({ source: `${p.source.registry}/${p.source.repository}`, error: e });
      return { ...p, tags: [] };
    }
  }));
  const images = new Map<string, SyncImage>();
  const writers = new Map<string, string>();
  for (const { spec, source, tags } of tagged) {
    for (const { tag, digest } of tags) {
      const targets = spec.destinations.map((t) => expandTemplate(t, source));
      const img: SyncImage = { source: { ...source, tag, ...(digest && { digest }) }, targets, ...(spec.platforms && { platforms: spec.platforms }), referrers: spec.referrers };
      const key = `${sourceName(img.source)} ${JSON.stringify(spec.platforms ?? [])} ${spec.referrers}`;
      const known = images.get(key);
      for (const t of targets) {
        const dest = `${t.registry}/${t.repository}:${tag}`;
        const other = writers.get(dest);
        if (other !== undefined && other !== key) throw new RegctlError('CONFIG', `${config.file}: ${dest} would be written from both ${other.split(' ')[0]} and ${sourceName(img.source)} (${spec.where})`);
        writers.set(dest, key);
        if (known && !known.targets.some((k) => k.registry === t.registry && k.repository === t.repository)) known.targets.push(t);
      }
      if (!known) images.set(key, img);
    }
  }
  const order = (i: SyncImage) => sourceName(i.source);
  return {
    images: [...images.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0)),
    failures: failures.sort((a, b) => (a.source < b.source ? -1 : 1)),
    ...(opts.shard && { shard: opts.shard }),
    otherShards: allNames.size - myNames.size,
  };
}

async function repositoriesOf(client: RegistryClient, spec: SourceSpec, limits: TransferLimits): Promise<string[]> {
  if (spec.kind === 'repository') return [spec.path!];
  const listed = await limits.small(spec.registry)(() => listRepositories(client.registry(spec.registry), spec.path));
  const { include, exclude } = spec.repositories;
  return [...new Set(listed)].filter((r) => (include.length === 0 || include.some((x) => x.test(r))) && !exclude.some((x) => x.test(r)));
}

async function tagsOf(client: RegistryClient, spec: SourceSpec, source: RepositoryName, limits: TransferLimits): Promise<Array<{ tag: string; digest?: string }>> {
  const pinned = [...spec.tags.pin].map(([tag, digest]) => ({ tag, digest }));
  if (!needsListing(spec.tags)) return pinned;
  const listed = await limits.small(source.registry)(() => client.registry(source.registry).listTags(source.repository));
  return [...selectTags(listed, spec.tags).map((tag) => ({ tag })), ...pinned];
}

/** Two different source repositories may not fill one destination repository. */
function checkRepositoryCollisions(pairs: Array<{ spec: SourceSpec; source: RepositoryName }>): void {
  const seen = new Map<string, { name: string; where: string }>();
  for (const { spec, source } of pairs) {
    const name = `${source.registry}/${source.repository}`;
    for (const t of spec.destinations) {
      const dest = expandTemplate(t, source);
      const key = `${dest.registry}/${dest.repository}`;
      const before = seen.get(key);
      if (before && before.name !== name) {
        throw new RegctlError('CONFIG', `${spec.where}: destination ${JSON.stringify(t.text)} maps both ${before.name} (${before.where}) and ${name} to ${key}`, { hint: 'use {repo} or {namespace} in the template so each repository gets its own' });
      }
      seen.set(key, { name, where: spec.where });
    }
  }
}
