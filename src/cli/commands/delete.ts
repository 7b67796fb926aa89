import type { Command } from 'commander';
import { deleteManifestByDigest, untag } from '../../ops/delete.js';
import { parseReference } from '../../ref/reference.js';
import { RegctlError } from '../../errors.js';
import { action } from '../context.js';

/** `regctl delete <ref>`: a tag removes only that tag; a digest deletes the manifest. */
export function registerDelete(program: Command): void {
  program
    .command('delete <ref>')
    .alias('rm')
    .description('delete a tag (only that tag) or, given @digest, the manifest and every tag on it')
    .action(action(async (ctx, refArg: string) => {
      const ref = parseReference(refArg, { defaultTag: false });
      const registry = ctx.client().registry(ref.registry);
      const name = `${ref.registry}/${ref.repository}`;
      if (ref.digest) {
        await deleteManifestByDigest(registry, ref.repository, ref.digest);
        if (ctx.out.opts.json) ctx.out.json({ deleted: `${name}@${ref.digest}`, kind: 'manifest' });
        else ctx.out.line(`deleted ${name}@${ref.digest}`);
        return;
      }
      const tag = ref.tag;
      if (!tag) throw new RegctlError('USAGE', `name the tag or digest to delete, e.g. ${name}:1.0 or ${name}@sha256:...`);
      const method = await untag(registry, ref.repository, tag, ctx.out.logger());
      if (ctx.out.opts.json) ctx.out.json({ deleted: `${name}:${tag}`, kind: 'tag', method });
      else ctx.out.line(`deleted ${name}:${tag}`);
    }));
}
