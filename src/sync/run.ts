import type { RegistryClient } from '../client.js';
import { copyImageToAll, type CopyOutcome } from '../copy/copy.js';
import type { CopyListener } from '../copy/events.js';
import { limiter } from '../copy/limit.js';
import { TransferLimits } from '../copy/limits.js';
import { isRegctlError, redact } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { BudgetExhausted, PullBudget } from './budget.js';
import { BlobLedger, ImageTicket } from './ledger.js';
import { sourceName, type SyncImage, type SyncPlan } from './plan.js';
import type { DestinationResult, ImageResult, SyncReport } from './report.js';
import { SyncDestination, SyncSource } from './repositories.js';

/**
 * Images copied at once. Each image is a few round trips to each side, mostly small requests,
 * and the per-registry limits (shared by all images) bound the load, so this can be well above
 * the blob concurrency; measured in docs/benchmarks.md (the sync case).
 */
export const DEFAULT_IMAGE_CONCURRENCY = 8;

/** Options of {@link runSync}. */
export interface SyncOptions {
  /** HEAD and plan only; nothing is written (manifests of images to copy are still read). */
  dryRun?: boolean;
  /** Copy even where a destination tag already has the source digest. */
  force?: boolean;
  /** Go on after a failure; otherwise no new image starts once one has failed. */
  keepGoing?: boolean;
  /** Stop pulling from a registry that reports a quota before it falls below this. */
  ratelimitMin?: number;
  /** Images at once; default {@link DEFAULT_IMAGE_CONCURRENCY}. */
  imageConcurrency?: number;
  /** Per-registry request and blob limits shared by every image (and the planning). */
  limits?: TransferLimits;
  /** Called as each image finishes. */
  onImage?(result: ImageResult): void;
  onEvent?: CopyListener;
}

/**
 * Copies every image of a plan through one client (one connection pool and token cache), with
 * `imageConcurrency` images at once under shared per-registry limits. A blob shared by several
 * images goes to each destination registry once (src/sync/ledger.ts). Each image is one
 * {@link copyImageToAll}: when a destination tag already has the source digest it costs a HEAD
 * there and a HEAD at the source, nothing more.
 */
export async function runSync(client: RegistryClient, plan: SyncPlan, opts: SyncOptions = {}): Promise<SyncReport> {
  const started = performance.now();
  const limits = opts.limits ?? new TransferLimits();
  const budget = new PullBudget(opts.ratelimitMin);
  const ledger = new BlobLedger();
  const gate = limiter(opts.imageConcurrency ?? DEFAULT_IMAGE_CONCURRENCY);
  let halted = plan.failures.length > 0 && !opts.keepGoing ? `not started: listing ${plan.failures[0]!.source} failed` : undefined;

  const one = async (img: SyncImage): Promise<ImageResult> => {
    const source = sourceName(img.source);
    const srcRegistry = client.registry(img.source.registry);
    const stop = budget.stopped(srcRegistry);
    let result: ImageResult;
    if (halted) result = idle(source, 'not-run', halted);
    else if (stop) result = idle(source, 'deferred', stop.message);
    else result = await copyOne(client, img, srcRegistry, { budget, ledger, limits, opts });
    if (result.status === 'failed' && !opts.keepGoing) halted ??= `not started: ${source} failed (use --keep-going to go on after failures)`;
    try {
      opts.onImage?.(result);
    } catch {
      // A progress display failing is no reason to fail the sync.
    }
    return result;
  };
  const images: ImageResult[] = new Array(plan.images.length);
  await Promise.all(interleaved(plan.images).map((i) => gate(async () => {
    images[i] = await one(plan.images[i]!);
  })));
  const sources = new Set<Registry>(plan.images.map((i) => client.registry(i.source.registry)));
  const stops = budget.stops();
  return {
    dryRun: !!opts.dryRun,
    ...(plan.shard && { shard: plan.shard }),
    otherShards: plan.otherShards,
    images,
    sourceFailures: plan.failures,
    ...((opts.ratelimitMin !== undefined || stops.length > 0) && { budget: { ...(opts.ratelimitMin !== undefined && { min: opts.ratelimitMin }), stopped: stops } }),
    rateLimits: PullBudget.lastReported(sources),
    ms: performance.now() - started,
  };
}

interface RunState {
  budget: PullBudget;
  ledger: BlobLedger;
  limits: TransferLimits;
  opts: SyncOptions;
}

async function copyOne(client: RegistryClient, img: SyncImage, srcRegistry: Registry, { budget, ledger, limits, opts }: RunState): Promise<ImageResult> {
  const source = sourceName(img.source);
  const t0 = performance.now();
  const ticket = new ImageTicket(ledger);
  const dests = img.targets.map((t) => new SyncDestination(client.registry(t.registry), t.repository, { ledger, ticket, limits }));
  try {
    const outcomes = await copyImageToAll(new SyncSource(srcRegistry, img.source.repository, budget), img.source.digest ?? img.source.tag,
      dests.map((d) => ({ repository: d, tag: img.source.tag })), {
        limits, force: !!opts.force, dryRun: !!opts.dryRun, referrers: img.referrers,
        ...(img.platforms && { platforms: img.platforms }),
        ...(opts.onEvent && { onEvent: opts.onEvent }),
      });
    const destinations = outcomes.map((o, i) => destinationResult(o, dests[i]!, img.source.tag, !!opts.dryRun));
    const failed = destinations.find((d) => d.status === 'failed');
    const status = failed ? 'failed' : (['copied', 'planned'] as const).find((s) => destinations.some((d) => d.status === s)) ?? 'skipped';
    const digest = destinations.find((d) => d.digest)?.digest;
    return {
      source, status, ...(failed && { reason: `${failed.reference}: ${message(failed.error)}`, error: failed.error }),
      ...(digest && { digest }), bytes: destinations.reduce((a, d) => a + d.bytes, 0), ms: performance.now() - t0, destinations,
    };
  } catch (e) {
    // A failure of the source: every destination shares it.
    if (e instanceof BudgetExhausted) return { ...idle(source, 'deferred', e.message), ms: performance.now() - t0 };
    if (isRegctlError(e, 'RATE_LIMITED')) budget.stop(srcRegistry, `${srcRegistry.host} answered 429 (rate limit); the rest is left for the next run`);
    const reason = message(e);
    return {
      source, status: 'failed', reason, error: e, bytes: 0, ms: performance.now() - t0,
      destinations: dests.map((d) => ({ reference: `${d.name}:${img.source.tag}`, status: 'failed', bytes: 0, error: e })),
    };
  } finally {
    for (const d of dests) d.release();
  }
}

function destinationResult(o: CopyOutcome, d: SyncDestination, tag: string, dryRun: boolean): DestinationResult {
  const reference = `${d.name}:${tag}`;
  if (!o.ok) return { reference, status: 'failed', bytes: 0, error: o.error };
  const s = o.stats;
  return {
    reference,
    status: o.skipped ? 'skipped' : dryRun ? 'planned' : 'copied',
    digest: o.digest,
    bytes: dryRun ? (o.plan?.bytesToCopy ?? 0) : s.bytesCopied,
    ...(!dryRun && { blobs: { copied: s.blobsCopied, mounted: s.blobsMounted + d.ledgerMounts, skipped: s.blobsSkipped - d.ledgerMounts } }),
  };
}

/**
 * The order images start in: the first tag of every repository, then the second of each, and so
 * on. Tags of one repository share layers, so started together they would mostly wait for one
 * another's uploads (src/sync/ledger.ts); spread out, the images in flight bring different
 * layers and later tags find theirs already there.
 */
export function interleaved(images: readonly SyncImage[]): number[] {
  const byRepo = new Map<string, number[]>();
  images.forEach((img, i) => {
    const key = `${img.source.registry}/${img.source.repository}`;
    byRepo.set(key, [...(byRepo.get(key) ?? []), i]);
  });
  const lists = [...byRepo.values()];
  const out: number[] = [];
  for (let round = 0; out.length < images.length; round++) for (const l of lists) if (round < l.length) out.push(l[round]!);
  return out;
}

function idle(source: string, status: 'deferred' | 'not-run', reason: string): ImageResult {
  return { source, status, reason, bytes: 0, ms: 0, destinations: [] };
}

function message(e: unknown): string {
  return redact(e instanceof Error ? e.message : String(e));
}
