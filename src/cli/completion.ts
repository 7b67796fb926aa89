/**
 * Shell completion, computed here so the bash, zsh and fish scripts (completion-scripts.ts)
 * stay thin: they call `regctl __complete <words...>` with the words after `regctl` (the last
 * one being completed, possibly empty) and offer what it prints, one candidate a line. The
 * single line `__files__` asks the shell to complete file names instead.
 */
import type { Command, Option } from 'commander';
import { CONFIG_OPTION } from './config-flag.js';

/** What the shell scripts get instead of candidates when a file name is wanted. */
export const FILES = '__files__';

/** Common platforms for `--platform`. */
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/386', 'linux/ppc64le', 'linux/s390x', 'windows/amd64'];

/** Options whose value is a file. */
const FILE_OPTIONS = new Set(['--config', '--ca-file']);

/** Commands whose arguments are image references or repositories: registries offered as `host/`. */
const IMAGE_COMMANDS = new Set(['copy', 'list', 'ls', 'inspect', 'digest', 'tag', 'delete', 'rm']);
/** Commands whose argument is a registry. */
const REGISTRY_COMMANDS = new Set(['login', 'logout', 'config']);

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

const visible = (o: Option) => !o.hidden;
const takesValue = (o: Option) => o.required || o.optional;

function findOption(options: readonly Option[], word: string): Option | undefined {
  return options.find((o) => o.long === word || o.short === word);
}

/**
 * Candidates for the last of `words` (the words after `regctl`). `hosts` gives the registries
 * the config knows; it is only called where a registry can be typed.
 */
export async function complete(program: Command, words: string[], hosts: () => Promise<string[]>): Promise<string[]> {
  const cur = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  let cmd: Command | undefined;
  let expectValue: Option | undefined;
  let positionals = 0;
  // The global --config is not a commander option (src/cli/config-flag.ts); inspect has its own.
  const globals = (c: Command | undefined) => [...program.options, ...(c?.options.some((o) => o.long === '--config') ? [] : [CONFIG_OPTION])];
  for (const w of before) {
    const options = [...globals(cmd), ...(cmd?.options ?? [])];
    if (expectValue) {
      expectValue = undefined;
      continue;
    }
    if (w.startsWith('-')) {
      const o = findOption(options, w.split('=')[0]!);
      if (o && takesValue(o) && !w.includes('=')) expectValue = o;
      continue;
    }
    if (!cmd) cmd = program.commands.find((c) => c.name() === w || c.aliases().includes(w));
    else positionals++;
  }
  const options = [...globals(cmd), ...(cmd?.options ?? [])].filter(visible);
  const pick = (list: string[]) => list.filter((c) => c.startsWith(cur));
  if (expectValue) {
    if (FILE_OPTIONS.has(expectValue.long ?? '')) return [FILES];
    if (expectValue.long === '--platform') return pick(PLATFORMS);
    return [];
  }
  if (cur.startsWith('-')) return pick(options.flatMap((o) => [o.long, o.short]).filter((n): n is string => !!n && (n.startsWith('--') || cur.length <= 2)));
  if (!cmd || cmd.name() === 'help') return pick(program.createHelp().visibleCommands(program).map((c) => c.name()));
  const name = cmd.name();
  if (name === 'completion') return positionals === 0 ? pick([...SHELLS]) : [];
  if (name === 'sync' && positionals === 0) return [FILES];
  if (IMAGE_COMMANDS.has(name)) return pick((await hosts()).map((h) => `${h}/`));
  if (REGISTRY_COMMANDS.has(name) && positionals === 0) return pick(await hosts());
  return [];
}
