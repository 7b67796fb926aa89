import type { Command } from 'commander';
import { copyImageToAll, type CopyOutcome } from '../../copy/copy.js';
import { DEFAULT_BLOB_CONCURRENCY } from '../../copy/limits.js';
import { parsePlatform } from '../../copy/platform.js';
import { RegctlError } from '../../errors.js';
import { checkDestinationsFit, parseTransportReference, Transports, type OpenedImage } from '../../transports/open.js';
import { RegistryRepository } from '../../transports/registry.js';
import { action } from '../context.js';
import { outcomeJson, planLines } from '../copy-render.js';
import { lineProgress, terminalProgress } from '../progress.js';
import { errorText, ReportedError } from '../render-error.js';

interface CopyFlags { platform?: string[]; concurrency?: string; force?: boolean; referrers?: boolean; dryRun?: boolean }

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `regctl copy <src> <dst>...`: copy an image or index to one or more destinations at once. */
export function registerCopy(program: Command): void {
  program
    .command('copy <src> <dst...>')
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
      const { quiet, json, verbose } = ctx.out.opts;
      // Progress only on a terminal; in logs, one line per blob event with --verbose (DESIGN principle 9).
      const progress = quiet || json ? undefined
        : process.stderr.isTTY ? (ctx.globals.progress !== false ? terminalProgress(process.stderr) : undefined)
          : verbose ? lineProgress((l) => ctx.out.info(l)) : undefined;
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
          ...(concurrency !== undefined && { concurrency }),
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
      if (json) ctx.out.json(outcomes.map(outcomeJson));
      else {
        outcomes.forEach((o, i) => {
          if (!o.ok) return;
          const name = dsts[i]!.display;
          if (o.plan) for (const l of planLines(o.destination, o.digest, o.plan)) ctx.out.line(l);
          else ctx.out.line(`${name}@${o.digest}`);
        });
      }
      const failures = outcomes.filter((o): o is Extract<CopyOutcome, { ok: false }> => !o.ok);
      if (failures.length === 0) return;
      if (dsts.length > 1) for (const f of failures) ctx.out.error(`${f.destination}: ${errorText(f.error)}`);
      const err = dsts.length === 1 ? failures[0]!.error : new RegctlError('REGISTRY_ERROR', `${failures.length} of ${dsts.length} destinations failed`);
      throw json ? new ReportedError(err) : err;
    }));
}
