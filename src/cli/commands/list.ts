import type { Command } from 'commander';
import { action, type CommandContext } from '../context.js';

/** Numbers compared as numbers (`1.9` before `1.10`), for people reading a terminal. */
const natural = (x: string, y: string) => x.localeCompare(y, 'en', { numeric: true });

/**
 * Names one per line, in the registry's order, when piped; on a terminal a heading and the
 * names sorted in columns, like `ls`.
 */
function showNames(ctx: CommandContext, value: unknown, what: string, names: string[]): void {
  ctx.out.result(value, {
    lines: () => names,
    tty: () => (names.length === 0 ? [`${what}: none`] : [{ heading: `${what} (${names.length})` }, { grid: [...names].sort(natural) }]),
  });
}

/** `regctl list <repository|namespace/|registry>`: tags, or repositories. */
export function registerList(program: Command): void {
  program
    .command('list <target>')
    .summary('list the tags of a repository, or repositories')
    .alias('ls')
    .description('list the tags of a repository, or the repositories of a registry or of a namespace written with a trailing "/" (docker.io/library/); also the tags in oci:<dir>, oci-archive:<file> or docker-archive:<file>. One per line when piped, in columns on a terminal')
    .action(action(async (ctx, arg: string) => {
      const [{ listRepositories, parseListTarget }, { isLocalReference, localTags }] = await Promise.all([
        import('../../ops/list.js'), import('../../transports/open.js'),
      ]);
      // oci:<dir>, oci-archive:<file>, docker-archive:<file>: the tags (RepoTags) they hold.
      if (isLocalReference(arg)) {
        const tags = await localTags(arg);
        return showNames(ctx, { repository: arg, tags }, `tags of ${arg}`, tags);
      }
      const target = parseListTarget(arg);
      const registry = ctx.client().registry(target.registry);
      if (target.kind === 'repository') {
        const repository = `${target.registry}/${target.repository}`;
        const tags = await registry.listTags(target.repository);
        return showNames(ctx, { repository, tags }, `tags of ${repository}`, tags);
      }
      const namespace = target.kind === 'namespace' ? target.namespace : undefined;
      const repositories = await listRepositories(registry, namespace);
      const where = namespace !== undefined ? `${target.registry}/${namespace}/` : target.registry;
      showNames(ctx, { registry: target.registry, ...(namespace !== undefined && { namespace }), repositories }, `repositories in ${where}`, repositories);
    }));
}
