import type { Command } from 'commander';
import { eraseCredential } from '../../credentials/store.js';
import { parseRegistry } from '../../ref/host.js';
import { action } from '../context.js';

/** `regctl logout <registry>`: erase saved credentials wherever they are. */
export function registerLogout(program: Command): void {
  program
    .command('logout <registry>')
    .description('remove saved credentials for a registry (config.json and credential helper)')
    .action(action(async (ctx, registryArg: string) => {
      const host = parseRegistry(registryArg);
      const removed = await eraseCredential(host);
      if (ctx.out.opts.json) ctx.out.json({ registry: host, removed });
      else ctx.out.line(removed ? `Removed login credentials for ${host}` : `Not logged in to ${host}`);
    }));
}
