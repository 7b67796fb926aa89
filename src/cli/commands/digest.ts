import type { Command } from 'commander';
import { parsePlatform } from '../../copy/platform.js';
import { resolveDigest } from '../../ops/resolve.js';
import { formatReference, parseReference } from '../../ref/reference.js';
import { action } from '../context.js';

/** `regctl digest <ref>`: the manifest digest, from a HEAD where possible. */
export function registerDigest(program: Command): void {
  program
    .command('digest <ref>')
    .description('print the digest of an image or index (one HEAD request unless --platform is given)')
    .option('--platform <os/arch[/variant]>', 'the digest of this platform\'s image in an index')
    .action(action(async (ctx, refArg: string, opts: { platform?: string }) => {
      const ref = parseReference(refArg);
      const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
      const digest = await resolveDigest(ctx.client().registry(ref.registry), ref, platform);
      if (ctx.out.opts.json) ctx.out.json({ reference: formatReference(ref), digest });
      else ctx.out.line(digest);
    }));
}
