import type { Command } from 'commander';
import { RegctlError } from '../../errors.js';
import type { CredentialReport } from '../../ops/login.js';
import { parseRegistry } from '../../ref/host.js';
import { action, type CommandContext } from '../context.js';
import { prompt, readStdin, stdinIsTerminal } from '../prompt.js';

interface LoginFlags { username?: string; password?: string; passwordStdin?: boolean; keychain?: boolean; force?: boolean; show?: boolean }

/** `regctl login <registry>`: verify credentials, then save them; `--show` tells where the current one comes from. */
export function registerLogin(program: Command): void {
  program
    .command('login <registry>')
    .summary('check a login and save it where docker would')
    .description('verify credentials against a registry, then save them: the configured credential helper, else the OS keychain, else config.json')
    .option('-u, --username <user>', 'user name (prompted for on a terminal)')
    .option('-p, --password <password>', 'password or token; visible to other processes, so refused when stdin is not a terminal unless --force')
    .option('--password-stdin', 'read the password or token from stdin')
    .option('--no-keychain', 'save the docker way (the configured helper, else base64 in config.json), never the OS keychain: for tools that cannot run docker-credential-regctl (also REGCTL_NO_KEYCHAIN=1)')
    .option('--force', 'accept -p even when stdin is not a terminal')
    .option('--show', 'save nothing: print which source (flag, environment, docker config, helper, podman, provider) answers for the registry, never the secret')
    .action(action(async (ctx, registryArg: string, opts: LoginFlags) => {
      const { login, showCredential } = await import('../../ops/login.js');
      const host = parseRegistry(registryArg);
      if (opts.show) return printShow(ctx, await showCredential(host, ctx.clientOptions));
      const username = opts.username ?? (await prompt('Username: '));
      if (!username) throw new RegctlError('USAGE', 'a user name is required (-u)');
      const password = await readPassword(ctx, opts);
      if (!password) throw new RegctlError('USAGE', 'the password is empty');
      // Only the flag is passed on: without it, REGCTL_NO_KEYCHAIN still decides (saveCredential).
      const { where, identityToken } = await login({ host, username, password }, { ...ctx.clientOptions, ...(opts.keychain === false && { keychain: false }) });
      ctx.out.result({ registry: host, username, stored: where, identityToken }, {
        lines: () => [`Login Succeeded (${host}, ${identityToken ? 'identity token ' : ''}saved in ${where})`],
      });
    }));
}

async function readPassword(ctx: CommandContext, opts: LoginFlags): Promise<string> {
  if (opts.password !== undefined && opts.passwordStdin) throw new RegctlError('USAGE', '--password and --password-stdin are mutually exclusive');
  if (opts.passwordStdin) return readStdin();
  if (opts.password === undefined) return prompt('Password: ', true);
  // In a script or CI step a -p value lands in process lists and, too often, in logs.
  if (!stdinIsTerminal() && !opts.force) {
    throw new RegctlError('USAGE', 'refusing -p/--password when stdin is not a terminal: it shows in process lists and logs', {
      hint: 'pipe the secret in with --password-stdin (or add --force to accept the risk)',
    });
  }
  ctx.out.warn('a password on the command line is visible to other processes; use --password-stdin');
  return opts.password;
}

function printShow(ctx: CommandContext, r: CredentialReport): void {
  ctx.out.result(r, {
    lines: () => [r.kind === 'anonymous'
      ? `${r.registry}: no credentials found; requests go anonymously`
      : `${r.registry}: ${r.kind}${r.username ? ` for ${r.username}` : ''} from ${r.source}`],
  });
  if (ctx.out.opts.json || ctx.out.opts.format !== undefined) return;
  for (const t of r.tried) ctx.out.info(`  ${t.found ? 'found' : t.error ? 'failed' : 'none '}  ${t.name}${t.error ? `: ${t.error}` : ''}`);
}
