import { RegctlError } from '../errors.js';
import { digestOf, isDigest } from '../ref/digest.js';
import { isIndex, type Descriptor, type IndexManifest, type Manifest, type Platform } from '../registry/manifest.js';
import type { ImageRepository } from '../transports/types.js';
import { BlobJobs } from './blob-jobs.js';
import type { CopyListener } from './events.js';
import { GraphWalker, type ManifestNode } from './graph.js';
import { TransferLimits } from './limits.js';
import { planFor, type CopyPlan } from './plan.js';
import { formatPlatform, platformMatches } from './platform.js';
import { ManifestPusher } from './push.js';
import { CopyRun, emptyStats, type CopyStats, type Destination } from './run.js';

/** Options of {@link copyImage} and {@link copyImageToAll}. */
export interface CopyOptions {
  /** Copy only these platforms of an index: one gives that image, several a reduced index. */
  platforms?: Platform[];
  /** Blob transfers at once per source registry (default 8, see limits.ts). */
  concurrency?: number;
  /** Limits shared with other copies; takes precedence over `concurrency`. */
  limits?: TransferLimits;
  /** Copy even when the destination tag already points at the source digest, and trust no manifest there. */
  force?: boolean;
  /** Copy referrers too (signatures, SBOMs, attestations), recursively. */
  referrers?: boolean;
  /** Plan only: HEAD the destinations, transfer nothing; each result carries its `plan`. */
  dryRun?: boolean;
  onEvent?: CopyListener;
}

/** The outcome of a copy to one destination. */
export interface CopyResult {
  destination: string;
  /** The digest now at the destination reference. */
  digest: string;
  mediaType: string;
  /** True when the destination already had it and nothing was transferred. */
  skipped: boolean;
  stats: CopyStats;
  /** With `dryRun`: what would be done. */
  plan?: CopyPlan;
}

/** One destination's result in a fan-out copy: a {@link CopyResult}, or its error. */
export type CopyOutcome = ({ ok: true } & CopyResult) | { ok: false; destination: string; error: unknown };

/** Where to copy: a repository and the tag (or, without a tag, the digest alone). */
export interface CopyTarget {
  repository: ImageRepository;
  tag?: string;
}

/**
 * Copies an image or a whole index from `src` to one destination; see {@link copyImageToAll}.
 * Throws the destination's error when it fails.
 */
export async function copyImage(src: ImageRepository, srcReference: string, dst: CopyTarget, opts: CopyOptions = {}): Promise<CopyResult> {
  const [outcome] = await copyImageToAll(src, srcReference, [dst], opts);
  if (!outcome!.ok) throw outcome!.error;
  const { ok: _ok, ...result } = outcome!;
  return result;
}

/**
 * Copies an image or a whole index from `src` to every target at once. The source digest and
 * every destination tag are HEADed first; a destination whose tag already has the digest costs
 * nothing more, and when all do, no GET is sent at all (Docker Hub counts GETs, not HEADs).
 * Each blob is read once and written to every destination lacking it; manifests follow their
 * content and the tag comes last, so a failed copy leaves no tag pointing at incomplete
 * content. Returns one outcome per target, in order; throws only for failures of the source.
 */
export async function copyImageToAll(src: ImageRepository, srcReference: string, targets: CopyTarget[], opts: CopyOptions = {}): Promise<CopyOutcome[]> {
  const settings = { force: !!opts.force, dryRun: !!opts.dryRun, referrers: !!opts.referrers };
  const limits = opts.limits ?? new TransferLimits(opts.concurrency !== undefined ? { blobs: opts.concurrency } : {});
  const run = new CopyRun(src, settings, limits, opts.onEvent);
  const dests: Destination[] = targets.map((t, index) => ({
    index, repository: t.repository, ...(t.tag && { tag: t.tag }), name: `${t.repository.name}:${t.tag}`, stats: emptyStats(),
  }));
  const [head, tagged] = await Promise.all([
    opts.platforms?.length ? undefined : headSource(run, srcReference),
    Promise.all(dests.map((d) => tagDigest(run, d))),
  ]);
  const alive = () => dests.filter((d) => d.failure === undefined);
  let rootManifest: Manifest | undefined;
  if (!head || alive().some((d) => tagged[d.index] !== head.digest)) {
    const fetched = await run.small(src)(() => src.getManifest(head?.digest ?? srcReference));
    rootManifest = await selectRoot(run, fetched, opts.platforms);
  }
  const rootDesc = rootManifest ? { mediaType: rootManifest.mediaType, digest: rootManifest.digest, size: rootManifest.bytes.length } : head!;
  for (const d of dests) if (!d.tag) d.name = `${d.repository.name}@${rootDesc.digest}`;
  const upToDate = new Set(alive().filter((d) => tagged[d.index] === rootDesc.digest));
  for (const d of upToDate) run.emit({ type: 'image-skip', digest: rootDesc.digest, destination: d.name });

  const jobs = new BlobJobs(run);
  const pusher = new ManifestPusher(run, jobs);
  const plans = new Map<Destination, CopyPlan>();
  let root: ManifestNode | undefined;
  if (alive().some((d) => !upToDate.has(d)) || settings.referrers) {
    try {
      root = await new GraphWalker(run, jobs, alive()).root(rootDesc, rootManifest, alive().filter((d) => !upToDate.has(d)));
    } catch (e) {
      await jobs.settle();
      throw e;
    }
    await Promise.all(alive().map(async (d) => {
      try {
        if (settings.dryRun) plans.set(d, await planFor(jobs, root!, d));
        else await finish(run, pusher, root!, d);
      } catch (e) {
        run.fail(d, e);
      }
    }));
    await jobs.settle();
  }
  // A dry run answers with a plan for every destination, an empty one where all is there.
  if (settings.dryRun) for (const d of alive()) if (!plans.has(d)) plans.set(d, { blobs: [], manifests: [], bytesToCopy: 0 });
  return dests.map((d): CopyOutcome => {
    if (d.failure !== undefined) return { ok: false, destination: d.name, error: d.failure };
    return {
      ok: true, destination: d.name, digest: rootDesc.digest, mediaType: rootDesc.mediaType,
      skipped: upToDate.has(d) && d.stats.manifestsPushed === 0, stats: d.stats, ...(plans.has(d) && { plan: plans.get(d)! }),
    };
  });
}

/** Pushes everything `d` lacks: content, the root by digest when referrers need a subject, referrers, then the tag. */
async function finish(run: CopyRun, pusher: ManifestPusher, root: ManifestNode, d: Destination): Promise<void> {
  const withReferrers = run.settings.referrers && hasReferrers(root);
  if (root.needs.has(d)) {
    if (withReferrers || !d.tag) await pusher.manifest(root, d);
    else await pusher.content(root, d);
  }
  if (withReferrers) await pusher.referrers(root, d);
  if (d.tag && root.needs.has(d)) await pusher.put(root, d, d.tag);
}

function hasReferrers(n: ManifestNode): boolean {
  return n.referrers.length > 0 || n.children.some(hasReferrers);
}

/** The source digest from a HEAD (or the reference itself when it is a digest). */
async function headSource(run: CopyRun, reference: string): Promise<Descriptor> {
  const found = await run.small(run.src)(() => run.src.headManifest(reference));
  if (!found) throw new RegctlError('MANIFEST_UNKNOWN', `${run.src.name}${isDigest(reference) ? '@' : ':'}${reference}: manifest unknown`);
  return found;
}

/** What the destination tag points at now; undefined when there is none to compare (or `force`). */
async function tagDigest(run: CopyRun, d: Destination): Promise<string | undefined> {
  if (!d.tag || run.settings.force) return undefined;
  try {
    return (await run.small(d.repository)(() => d.repository.headManifest(d.tag!)))?.digest;
  } catch (e) {
    run.fail(d, e);
    return undefined;
  }
}

/** Picks the manifest to copy: the source as is, or the platforms asked for. */
async function selectRoot(run: CopyRun, root: Manifest, platforms: Platform[] | undefined): Promise<Manifest> {
  if (!platforms?.length || !isIndex(root)) return root;
  const chosen = platforms.map((p) => {
    const d = root.parsed.manifests.find((m) => platformMatches(p, m.platform));
    if (!d) {
      const have = root.parsed.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : '?')).join(', ');
      throw new RegctlError('NOT_FOUND', `${run.src.name}@${root.digest} has no ${formatPlatform(p)} image (it has: ${have})`);
    }
    return d;
  });
  if (chosen.length === 1) return run.small(run.src)(() => run.src.getManifest(chosen[0]!.digest));
  // Several platforms: a new index holding just those, so its digest differs from the source's.
  const parsed: IndexManifest = { ...root.parsed, manifests: [...new Set(chosen)] };
  const bytes = Buffer.from(JSON.stringify(parsed));
  return { mediaType: root.mediaType, digest: digestOf(bytes), bytes, parsed };
}
