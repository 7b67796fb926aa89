/**
 * The global `--config <file>` flag, taken out of argv before commander parses it.
 * `regctl inspect --config` already means "print the image config" (as in skopeo), and
 * commander lets a program option win over a subcommand's option of the same name wherever it
 * appears. So `--config <file>` is global before the command and after any command that has no
 * `--config` of its own; after `inspect` it stays inspect's. `REGCTL_CONFIG` is the same setting.
 */
import { Option, type Command } from 'commander';
import { RegctlError } from '../errors.js';

/** How `--help` shows the flag (it is not a commander option; see above). */
export const CONFIG_OPTION = new Option('--config <file>', 'read this config file after the user and project ones (also REGCTL_CONFIG; docs/config.md)');

const valueTaking = (cmd: Command | undefined) => new Set((cmd?.options ?? []).filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short]).filter((n): n is string => !!n));

/** Removes the global `--config <file>` (or `--config=<file>`) from `args` (argv without node and script). */
export function extractConfigFlag(program: Command, args: readonly string[]): { args: string[]; config?: string } {
  const out: string[] = [];
  let config: string | undefined;
  let command: Command | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const owns = command?.options.some((o) => o.long === '--config') ?? false;
    if (!owns && (a === '--config' || a.startsWith('--config='))) {
      const value = a === '--config' ? args[++i] : a.slice('--config='.length);
      if (value === undefined || value === '') throw new RegctlError('USAGE', 'option \'--config <file>\' argument missing');
      config = value;
      continue;
    }
    out.push(a);
    if (a.startsWith('-')) {
      // A flag's value is not the command name: skip it.
      if (!a.includes('=') && (valueTaking(program).has(a) || valueTaking(command).has(a)) && i + 1 < args.length) out.push(args[++i]!);
      continue;
    }
    command ??= program.commands.find((c) => c.name() === a || c.aliases().includes(a));
  }
  return { args: out, ...(config !== undefined && { config }) };
}
