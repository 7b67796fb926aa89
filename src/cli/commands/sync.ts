import type { Command } from 'commander';
import { TransferLimits } from '../../copy/limits.js';
import { RegctlError } from '../../errors.js';
import { action } from '../context.js';
import { ReportedError } from '../render-error.js';
import { quotaLines, summaryLine, syncJson, syncProgress, syncTable } from '../sync-render.js';

interface SyncFlags {
  dryRun?: boolean; force?: boolean; keepGoing?: boolean; shard?: string; shardCount?: string;
  ratelimitMin?: string; imageConcurrency?: string; blobConcurrency?: string;
}

/** Exit status of a sync that left images for the next run and failed nowhere (sysexits EX_TEMPFAIL). */
export const EXIT_INCOMPLETE = 75;

function count(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new RegctlError('USAGE', `${flag} must be a whole number${min > 0 ? ` from ${min}` : ''}, not ${JSON.stringify(text)}`);
  return n;
}

/** `regctl sync <file>`: mirror what a sync file names, sharded across runners when asked. */
export function registerSync(program: Command): void {
  program
    .command('sync <file>')
    .summary('mirror the repositories, namespaces or registries a YAML or JSON file names')
    .description('mirror the repositories, namespaces or registries a YAML or JSON file names (tag filters, destination templates) through one client; prints a table per image (--json: every image). Exit 0 when all is copied or up to date, 1 when anything failed, 75 when the --ratelimit-min budget left images for the next run (docs/sync.md)')
    .option('--dry-run', 'list the images and what each would copy; write nothing')
    .option('--shard <index/count>', 'take this share of the repositories (0-based, e.g. 2/4), by a stable hash of their names')
    .option('--shard-count <n>', 'shard count, with the index from JOB_COMPLETION_INDEX (Kubernetes Indexed Job)')
    .option('--ratelimit-min <n>', 'stop pulling from a registry that reports a quota (Docker Hub) before its remaining pulls fall below n; the rest is left for the next run')
    .option('--keep-going', 'go on after an image fails (without it, no new image starts after a failure)')
    .option('--force', 'copy even where a destination tag already has the source digest')
    // 8 is DEFAULT_IMAGE_CONCURRENCY (src/sync/run.ts), written out so `--help` loads no sync
    // code; test/e2e/cli-docs.test.ts keeps the two in step.
    .option('--image-concurrency <n>', 'images at once (default: options.concurrency.images, else 8)')
    .option('--blob-concurrency <n>', 'blob transfers at once per source registry (default: options.concurrency.blobs, else 8)')
    .option('--create-repo', 'create missing destination repositories (ECR) or projects (Harbor)')
    .option('--no-create-repo', 'never create destination repositories; default: ECR creates them')
    .action(action(async (ctx, file: string, opts: SyncFlags) => {
      // The sync engine loads here, not at start-up (docs/benchmarks.md, "Start-up").
      const { loadSyncConfig, parseShard, planSync, runSync, shardFromJobIndex, syncOutcome } = await import('../../sync/index.js');
      if (opts.shard !== undefined && opts.shardCount !== undefined) throw new RegctlError('USAGE', '--shard and --shard-count are alternatives; give one');
      const shard = opts.shard !== undefined ? parseShard(opts.shard) : opts.shardCount !== undefined ? shardFromJobIndex(process.env, opts.shardCount) : undefined;
      const ratelimitMin = count('--ratelimit-min', opts.ratelimitMin, 0);
      const config = await loadSyncConfig(file);
      const images = count('--image-concurrency', opts.imageConcurrency, 1) ?? config.concurrency.images;
      const blobs = count('--blob-concurrency', opts.blobConcurrency, 1) ?? config.concurrency.blobs;
      // The flag or the sync file, else regctl's config (the source host's, then the global `concurrency`).
      const limits = new TransferLimits(ctx.limits(blobs));
      const client = ctx.client();
      const plan = await planSync(client, config, { limits, ...(shard && { shard }) });
      // A status line on a terminal; in logs, a line per image with --verbose (DESIGN principle 9).
      const { json, quiet, verbose } = ctx.out.opts;
      const tty = process.stderr.isTTY === true && ctx.globals.progress !== false;
      const progress = json || quiet || !(tty || verbose) ? undefined : syncProgress((t) => process.stderr.write(t), tty, plan.images.length);
      const report = await runSync(client, plan, {
        limits, dryRun: !!opts.dryRun, force: !!opts.force, keepGoing: !!opts.keepGoing,
        ...(ratelimitMin !== undefined && { ratelimitMin }),
        ...(images !== undefined && { imageConcurrency: images }),
        ...(progress && { onImage: progress.onImage }),
      });
      progress?.done();
      ctx.out.result(syncJson(report), { lines: () => syncTable(report) });
      for (const l of quotaLines(report)) ctx.out.info(l);
      const outcome = syncOutcome(report);
      if (outcome === 'incomplete') process.exitCode = EXIT_INCOMPLETE;
      if (outcome !== 'failed') return;
      const err = new RegctlError('REGISTRY_ERROR', `sync failed: ${summaryLine(report)}`);
      throw json ? new ReportedError(err) : err;
    }));
}
