import type { Command } from 'commander';
import { copyImage, type CopyResult } from '../../copy/copy.js';
import { parsePlatform } from '../../copy/platform.js';
import { RegctlError } from '../../errors.js';
import { manifestReference, parseReference } from '../../ref/reference.js';
import { RegistryRepository } from '../../transports/registry.js';
import { action } from '../context.js';
import { terminalProgress } from '../progress.js';
import { errorJson, errorText, ReportedError } from '../render-error.js';

interface CopyFlags { platform?: string[]; concurrency?: string; force?: boolean; progress?: boolean }

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `regctl copy <src> <dst>...`: copy an image or index to one or more destinations. */
export function registerCopy(program: Command): void {
  program
    .command('copy <src> <dst...>')
    .description('copy an image or a whole multi-platform index; prints <dst>@<digest> per destination')
    .option('--platform <os/arch[/variant]>', 'copy only this platform (repeat for several)', collect)
    .option('--concurrency <n>', 'blobs transferred at once per destination', '6')
    .option('--force', 'copy even when the destination tag already has the source digest')
    .action(action(async (ctx, srcArg: string, dstArgs: string[], opts: CopyFlags) => {
      const src = parseReference(srcArg);
      const dsts = dstArgs.map((d) => parseReference(d));
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new RegctlError('USAGE', `--concurrency must be a positive whole number, not ${JSON.stringify(opts.concurrency)}`);
      const platforms = opts.platform?.map(parsePlatform);
      const client = ctx.client();
      const source = RegistryRepository.of(client, src.registry, src.repository);
      const tty = process.stderr.isTTY && ctx.globals.progress !== false && !ctx.out.opts.quiet && !ctx.out.opts.json;
      const progress = tty ? terminalProgress(process.stderr) : undefined;
      const settled = await Promise.allSettled(dsts.map((dst) => copyImage(source, manifestReference(src), {
        repository: RegistryRepository.of(client, dst.registry, dst.repository),
        ...(dst.tag && !dst.digest && { tag: dst.tag }),
      }, {
        concurrency, force: !!opts.force,
        ...(platforms && { platforms }),
        ...(progress && { onEvent: progress.listener }),
      }).then((r: CopyResult) => {
        if (dst.digest && dst.digest !== r.digest) throw new RegctlError('DIGEST_MISMATCH', `copied ${r.digest}, but the destination names ${dst.digest}`);
        return r;
      })));
      progress?.done();
      const failures = settled.filter((s) => s.status === 'rejected');
      if (ctx.out.opts.json) {
        ctx.out.json(settled.map((s, i) => (s.status === 'fulfilled'
          ? { ok: true, ...s.value }
          : { destination: `${dsts[i]!.registry}/${dsts[i]!.repository}`, ok: false, error: errorJson(s.reason) })));
      } else {
        settled.forEach((s, i) => {
          if (s.status === 'fulfilled') ctx.out.line(`${dsts[i]!.registry}/${dsts[i]!.repository}@${s.value.digest}`);
        });
      }
      if (failures.length === 0) return;
      const first = (failures[0] as PromiseRejectedResult).reason;
      if (dsts.length > 1) {
        settled.forEach((s, i) => { if (s.status === 'rejected') ctx.out.error(`${dstArgs[i]}: ${errorText(s.reason)}`); });
      }
      const err = dsts.length === 1 ? first : new RegctlError('REGISTRY_ERROR', `${failures.length} of ${dsts.length} destinations failed`);
      throw ctx.out.opts.json ? new ReportedError(err) : err;
    }));
}
