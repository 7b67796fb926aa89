import type { Command } from 'commander';
import { parseRegistry } from '../../ref/host.js';
import { action } from '../context.js';

/** `regctl logout <registry>`: erase saved credentials wherever they are. */
export function registerLogout(program: Command): void {
  program
    .command('logout <registry>')
    .summary('remove a saved login everywhere')
    .description('remove the saved login for a registry everywhere: config.json, its credential helpers, the OS keychain, podman\'s auth file')
    .action(action(async (ctx, registryArg: string) => {
      const { logout } = await import('../../ops/login.js');
      const host = parseRegistry(registryArg);
      const { removed, stillSetIn } = await logout(host);
      ctx.out.result({ registry: host, removed: removed.length > 0, from: removed, ...(stillSetIn && { stillSetIn }) }, {
        lines: () => [removed.length > 0 ? `Removed login credentials for ${host} from ${removed.join(', ')}` : `Not logged in to ${host}`],
      });
      if (stillSetIn) ctx.out.warn(`${stillSetIn} still holds credentials for ${host}`);
    }));
}
