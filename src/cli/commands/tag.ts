import type { Command } from 'commander';
import { action } from '../context.js';

/** `regctl tag <ref> <new-tag>...`: more tags for a manifest, in its own repository. */
export function registerTag(program: Command): void {
  program
    .command('tag <ref> <new-tag...>')
    .summary('add tags to an image')
    .description('add tags to an image in the same repository (no blob is copied)')
    .action(action(async (ctx, refArg: string, tags: string[]) => {
      const [{ tagImage }, { parseReference }] = await Promise.all([import('../../ops/tag.js'), import('../../ref/reference.js')]);
      const ref = parseReference(refArg);
      const digest = await tagImage(ctx.client().registry(ref.registry), ref, tags);
      const names = tags.map((t) => `${ref.registry}/${ref.repository}:${t}`);
      ctx.out.result({ digest, tags: names }, { lines: () => names.map((n) => `${n}@${digest}`) });
    }));
}
