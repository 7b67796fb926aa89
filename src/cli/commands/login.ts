import type { Command } from 'commander';
import { RegctlError } from '../../errors.js';
import { login } from '../../ops/login.js';
import { parseRegistry } from '../../ref/host.js';
import { action } from '../context.js';
import { prompt, readStdin } from '../prompt.js';

interface LoginFlags { username?: string; password?: string; passwordStdin?: boolean }

/** `regctl login <registry>`: verify credentials, then save them in docker's format. */
export function registerLogin(program: Command): void {
  program
    .command('login <registry>')
    .description('verify credentials against a registry, then save them where docker would (credential helper or config.json)')
    .option('-u, --username <user>', 'user name')
    .option('-p, --password <password>', 'password or token (visible to other processes: prefer --password-stdin)')
    .option('--password-stdin', 'read the password or token from stdin')
    .action(action(async (ctx, registryArg: string, opts: LoginFlags) => {
      const host = parseRegistry(registryArg);
      if (opts.password !== undefined && opts.passwordStdin) throw new RegctlError('USAGE', '--password and --password-stdin are mutually exclusive');
      const username = opts.username ?? (await prompt('Username: '));
      if (!username) throw new RegctlError('USAGE', 'a user name is required (-u)');
      let password: string;
      if (opts.passwordStdin) password = await readStdin();
      else if (opts.password !== undefined) {
        ctx.out.warn('a password on the command line is visible to other processes; use --password-stdin');
        password = opts.password;
      } else password = await prompt('Password: ', true);
      if (!password) throw new RegctlError('USAGE', 'the password is empty');
      const { where } = await login({ host, username, password }, ctx.clientOptions);
      if (ctx.out.opts.json) ctx.out.json({ registry: host, username, stored: where });
      else ctx.out.line(`Login Succeeded (${host}, saved in ${where})`);
    }));
}
