import type { Command } from 'commander';
import { parseRegistry } from '../../ref/host.js';
import { action } from '../context.js';

/** `regctl config [host]`: the config files in effect and the settings a registry gets. */
export function registerConfig(program: Command): void {
  program
    .command('config [registry]')
    .summary('show the config files and the settings for a registry')
    .description('show which config files were read and the settings in effect, each with its source; with a registry, its TLS mode, CA and client certificate files, mirrors, credential helper, limits, proxy and --connect-to rule (docs/config.md)')
    .action(action(async (ctx, registryArg: string | undefined) => {
      const { configReport, configLines } = await import('../config-view.js');
      const report = configReport(ctx.settings, ctx.globals, registryArg === undefined ? undefined : parseRegistry(registryArg));
      ctx.out.result(report, { lines: () => configLines(report) });
    }));
}
