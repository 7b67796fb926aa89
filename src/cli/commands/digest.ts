import type { Command } from 'commander';
import { parsePlatform } from '../../copy/platform.js';
import { action } from '../context.js';

/** `regctl digest <ref>`: the manifest digest, from a HEAD where possible. */
export function registerDigest(program: Command): void {
  program
    .command('digest <ref>')
    .summary('print the digest of an image or index')
    .description('print the digest of an image or index (one HEAD request unless --platform is given); <ref> may also be oci:, oci-archive: or docker-archive:')
    .option('--platform <os/arch[/variant]>', 'the digest of this platform\'s image in an index')
    .action(action(async (ctx, refArg: string, opts: { platform?: string }) => {
      const [{ resolveDigest, resolveDigestIn }, { formatReference, parseReference }, { isLocalReference, withLocalSource }] = await Promise.all([
        import('../../ops/resolve.js'), import('../../ref/reference.js'), import('../../transports/open.js'),
      ]);
      const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
      // oci:, oci-archive: and docker-archive: references are read from disk (src/transports/open.ts).
      const ref = isLocalReference(refArg) ? undefined : parseReference(refArg);
      const digest = ref
        ? await resolveDigest(ctx.client().registry(ref.registry, { mirrors: true }), ref, platform)
        : await withLocalSource(refArg, (src) => resolveDigestIn(src.repository, src.reference, platform));
      ctx.out.result({ reference: ref ? formatReference(ref) : refArg, digest }, { lines: () => [digest] });
    }));
}
