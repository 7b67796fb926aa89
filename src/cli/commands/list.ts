import type { Command } from 'commander';
import { isRegistryName, parseRepository } from '../../ref/reference.js';
import { parseRegistry } from '../../ref/host.js';
import { action } from '../context.js';

/** `regctl list <repository|registry>`: tags of a repository, or repositories of a registry. */
export function registerList(program: Command): void {
  program
    .command('list <repository-or-registry>')
    .alias('ls')
    .description('list the tags of a repository, or the repositories of a registry (one per line)')
    .action(action(async (ctx, target: string) => {
      const client = ctx.client();
      if (isRegistryName(target)) {
        const host = parseRegistry(target);
        const repositories = await client.registry(host).listRepositories();
        if (ctx.out.opts.json) ctx.out.json({ registry: host, repositories });
        else for (const r of repositories) ctx.out.line(r);
        return;
      }
      const repo = parseRepository(target);
      const tags = await client.registry(repo.registry).listTags(repo.repository);
      if (ctx.out.opts.json) ctx.out.json({ repository: `${repo.registry}/${repo.repository}`, tags });
      else for (const t of tags) ctx.out.line(t);
    }));
}
