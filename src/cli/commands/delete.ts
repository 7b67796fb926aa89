import type { Command } from 'commander';
import { RegctlError } from '../../errors.js';
import { action } from '../context.js';

/** `regctl delete <ref>`: a tag removes only that tag; a digest deletes the manifest. */
export function registerDelete(program: Command): void {
  program
    .command('delete <ref>')
    .summary('delete a tag, or a manifest by digest')
    .alias('rm')
    .description('delete a tag (only that tag) or, given @digest, the manifest and every tag on it')
    .action(action(async (ctx, refArg: string) => {
      const [{ deleteManifestByDigest, untag }, { parseReference }] = await Promise.all([import('../../ops/delete.js'), import('../../ref/reference.js')]);
      const ref = parseReference(refArg, { defaultTag: false });
      const registry = ctx.client().registry(ref.registry);
      const name = `${ref.registry}/${ref.repository}`;
      if (ref.digest) {
        await deleteManifestByDigest(registry, ref.repository, ref.digest);
        ctx.out.result({ deleted: `${name}@${ref.digest}`, kind: 'manifest' }, { lines: () => [`deleted ${name}@${ref.digest}`] });
        return;
      }
      const tag = ref.tag;
      if (!tag) throw new RegctlError('USAGE', `name the tag or digest to delete, e.g. ${name}:1.0 or ${name}@sha256:...`);
      const method = await untag(registry, ref.repository, tag, ctx.out.logger());
      ctx.out.result({ deleted: `${name}:${tag}`, kind: 'tag', method }, { lines: () => [`deleted ${name}:${tag}`] });
    }));
}
