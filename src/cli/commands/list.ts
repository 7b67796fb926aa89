import type { Command } from 'commander';
import { listRepositories, parseListTarget } from '../../ops/list.js';
import { isLocalReference, localTags } from '../../transports/open.js';
import { action } from '../context.js';

/** `regctl list <repository|namespace/|registry>`: tags, or repositories. */
export function registerList(program: Command): void {
  program
    .command('list <target>')
    .alias('ls')
    .description('list the tags of a repository, or the repositories of a registry or of a namespace written with a trailing "/" (docker.io/library/); also the tags in oci:<dir>, oci-archive:<file> or docker-archive:<file>')
    .action(action(async (ctx, arg: string) => {
      // oci:<dir>, oci-archive:<file>, docker-archive:<file>: the tags (RepoTags) they hold.
      if (isLocalReference(arg)) {
        const tags = await localTags(arg);
        if (ctx.out.opts.json) ctx.out.json({ repository: arg, tags });
        else for (const t of tags) ctx.out.line(t);
        return;
      }
      const target = parseListTarget(arg);
      const registry = ctx.client().registry(target.registry);
      if (target.kind === 'repository') {
        const tags = await registry.listTags(target.repository);
        if (ctx.out.opts.json) ctx.out.json({ repository: `${target.registry}/${target.repository}`, tags });
        else for (const t of tags) ctx.out.line(t);
        return;
      }
      const namespace = target.kind === 'namespace' ? target.namespace : undefined;
      const repositories = await listRepositories(registry, namespace);
      if (ctx.out.opts.json) ctx.out.json({ registry: target.registry, ...(namespace !== undefined && { namespace }), repositories });
      else for (const r of repositories) ctx.out.line(r);
    }));
}
