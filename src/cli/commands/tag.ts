import type { Command } from 'commander';
import { tagImage } from '../../ops/tag.js';
import { parseReference } from '../../ref/reference.js';
import { action } from '../context.js';

/** `regctl tag <ref> <new-tag>...`: more tags for a manifest, in its own repository. */
export function registerTag(program: Command): void {
  program
    .command('tag <ref> <new-tag...>')
    .description('add tags to an image in the same repository (no blob is copied)')
    .action(action(async (ctx, refArg: string, tags: string[]) => {
      const ref = parseReference(refArg);
      const digest = await tagImage(ctx.client().registry(ref.registry), ref, tags);
      const names = tags.map((t) => `${ref.registry}/${ref.repository}:${t}`);
      if (ctx.out.opts.json) ctx.out.json({ digest, tags: names });
      else for (const n of names) ctx.out.line(`${n}@${digest}`);
    }));
}
