import type { Command } from 'commander';
import { parsePlatform } from '../../copy/platform.js';
import { resolveDigest, resolveDigestIn } from '../../ops/resolve.js';
import { formatReference, parseReference } from '../../ref/reference.js';
import { isLocalReference, withLocalSource } from '../../transports/open.js';
import { action } from '../context.js';

/** `regctl digest <ref>`: the manifest digest, from a HEAD where possible. */
export function registerDigest(program: Command): void {
  program
    .command('digest <ref>')
    .description('print the digest of an image or index (one HEAD request unless --platform is given); <ref> may also be oci:, oci-archive: or docker-archive:')
    .option('--platform <os/arch[/variant]>', 'the digest of this platform\'s image in an index')
    .action(action(async (ctx, refArg: string, opts: { platform?: string }) => {
      const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
      // oci:, oci-archive: and docker-archive: references are read from disk (src/transports/open.ts).
      const ref = isLocalReference(refArg) ? undefined : parseReference(refArg);
      const digest = ref
        ? await resolveDigest(ctx.client().registry(ref.registry), ref, platform)
        : await withLocalSource(refArg, (src) => resolveDigestIn(src.repository, src.reference, platform));
      if (ctx.out.opts.json) ctx.out.json({ reference: ref ? formatReference(ref) : refArg, digest });
      else ctx.out.line(digest);
    }));
}
