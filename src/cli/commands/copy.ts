import type { Command } from 'commander';
import type { CopyOutcome } from '../../copy/copy.js';
import { DEFAULT_BLOB_CONCURRENCY } from '../../copy/limits.js';
import { parsePlatform } from '../../copy/platform.js';
import { RegctlError } from '../../errors.js';
import type { OpenedImage } from '../../transports/open.js';
import { action, type CommandContext } from '../context.js';
import { outcomeJson, planLines } from '../copy-render.js';
import { inGitHubActions, setStepOutputs } from '../gha.js';
import { lineProgress, type ProgressDisplay } from '../progress.js';
import { errorText, ReportedError } from '../render-error.js';

interface CopyFlags { platform?: string[]; concurrency?: string; force?: boolean; referrers?: boolean; dryRun?: boolean }

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * Bars on a terminal (src/cli/progress-bars.ts); one line per blob event whenever stderr is not
 * a terminal (pipes, files, scripts) and in CI (`CI`, `GITHUB_ACTIONS`) even on one (issue 7);
 * nothing with --quiet, --json or --no-progress.
 */
async function progressFor(ctx: CommandContext): Promise<ProgressDisplay | undefined> {
  const { quiet, json } = ctx.out.opts;
  if (quiet || json || ctx.globals.progress === false) return undefined;
  const ci = (!!process.env.CI && process.env.CI !== 'false') || inGitHubActions();
  if (process.stderr.isTTY && !ci) return (await import('../progress-bars.js')).barProgress(process.stderr);
  return lineProgress((l) => ctx.out.info(l));
}

/** `regctl copy <src> <dst>...`: copy an image or index to one or more destinations at once. */
export function registerCopy(program: Command): void {
  program
    .command('copy <src> <dst...>')
    .summary('copy an image or index to one or more destinations')
    .description('copy an image or a whole multi-platform index to one or more destinations, reading each blob once; prints <dst>@<digest> per destination. Besides registry references, <src> and <dst> may be oci:<dir>[:tag], oci-archive:<file>[:tag] or docker-archive:<file>[:name:tag] (one image: use --platform for an index)')
    .option('--platform <os/arch[/variant]>', 'copy only this platform (repeat for several)', collect)
    .option('--concurrency <n>', `blobs transferred at once per source registry (default ${DEFAULT_BLOB_CONCURRENCY})`)
    .option('--force', 'copy even when the destination tag already has the source digest, checking every blob')
    .option('--referrers', 'also copy signatures, SBOMs and attestations that refer to the image, recursively')
    .option('--dry-run', 'print what would be copied, mounted or skipped, and the bytes; transfer nothing')
    .option('--src-creds <user:password>', 'credentials for the source registry, tried before any saved login')
    .option('--dest-creds <user:password>', 'credentials for the destination registries, tried before any saved login')
    .option('--create-repo', 'create a missing destination repository (ECR) or project (Harbor)')
    .option('--no-create-repo', 'never create destination repositories; default: ECR creates them, Harbor projects are not created')
    .action(action(async (ctx, srcArg: string, dstArgs: string[], opts: CopyFlags) => {
      // The copy engine and transports load here, not at start-up (docs/benchmarks.md).
      const [{ copyImageToAll }, { TransferLimits }, { checkDestinationsFit, parseTransportReference, Transports }, { RegistryRepository }] = await Promise.all([
        import('../../copy/copy.js'), import('../../copy/limits.js'), import('../../transports/open.js'), import('../../transports/registry.js'),
      ]);
      // Registry, oci:, oci-archive: or docker-archive: references (src/transports/open.ts), all
      // parsed before anything is opened.
      for (const arg of [srcArg, ...dstArgs]) parseTransportReference(arg);
      const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
      if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
        throw new RegctlError('USAGE', `--concurrency must be a positive whole number, not ${JSON.stringify(opts.concurrency)}`);
      }
      const platforms = opts.platform?.map(parsePlatform);
      // One client unless --src-creds/--dest-creds give a side its own login.
      const srcClient = ctx.client('src');
      const dstClient = ctx.client('dest');
      const transports = new Transports((ref, role) => (role === 'source'
        ? RegistryRepository.of(srcClient, ref.registry, ref.repository)
        : RegistryRepository.of(dstClient, ref.registry, ref.repository, { destination: true })));
      const { json } = ctx.out.opts;
      const progress = await progressFor(ctx);
      let outcomes: CopyOutcome[];
      let dsts: OpenedImage[];
      try {
        const src = await transports.source(srcArg);
        dsts = await Promise.all(dstArgs.map((d) => transports.destination(d)));
        await checkDestinationsFit(src, dsts, platforms);
        outcomes = await copyImageToAll(src.repository, src.reference, dsts.map((d) => ({
          repository: d.repository, ...(d.reference && { tag: d.reference }),
        })), {
          force: !!opts.force, referrers: !!opts.referrers, dryRun: !!opts.dryRun,
          // --concurrency, else the source host's or the global `concurrency` of the config.
          limits: new TransferLimits(ctx.limits(concurrency)),
          ...(platforms && { platforms }),
          ...(progress && { onEvent: progress.listener }),
        });
        // Archives are assembled now, from what the successful copies staged.
        const ok = (want: boolean) => dsts.filter((_, i) => outcomes[i]!.ok === want).map((d) => d.repository);
        if (!opts.dryRun) await transports.commit(ok(true), ok(false));
      } finally {
        progress?.done();
        await transports.close();
      }
      // A destination named by digest must end up with exactly that digest.
      outcomes = outcomes.map((o, i) => {
        const want = dsts[i]!.digest;
        if (!o.ok || !want || want === o.digest) return o;
        return { ok: false, destination: o.destination, error: new RegctlError('DIGEST_MISMATCH', `copied ${o.digest}, but the destination names ${want}`) };
      });
      const results = outcomes.map(outcomeJson);
      ctx.out.result(results, {
        lines: () => outcomes.flatMap((o, i) => {
          if (!o.ok) return [];
          return o.plan ? planLines(o.destination, o.digest, o.plan) : [`${dsts[i]!.display}@${o.digest}`];
        }),
      });
      // A later workflow step reads steps.<id>.outputs.digest (src/cli/gha.ts).
      const digests = new Set(outcomes.flatMap((o) => (o.ok ? [o.digest] : [])));
      await setStepOutputs({ ...(digests.size === 1 && { digest: [...digests][0]! }), result: JSON.stringify(results) });
      const failures = outcomes.filter((o): o is Extract<CopyOutcome, { ok: false }> => !o.ok);
      if (failures.length === 0) return;
      if (dsts.length > 1) for (const f of failures) ctx.out.error(`${f.destination}: ${errorText(f.error)}`);
      const err = dsts.length === 1 ? failures[0]!.error : new RegctlError('REGISTRY_ERROR', `${failures.length} of ${dsts.length} destinations failed`);
      throw json ? new ReportedError(err) : err;
    }));
}
