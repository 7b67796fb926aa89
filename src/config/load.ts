import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { RegctlError } from '../errors.js';
import type { ConfigFile, ConfigScope } from './types.js';
import { validateConfig } from './validate.js';

/** The project files searched for, from the working directory up to the nearest package.json. */
export const PROJECT_FILES: readonly string[] = [
  'package.json', '.regctlrc', '.regctlrc.json', '.regctlrc.yaml', '.regctlrc.yml',
  'regctl.config.js', 'regctl.config.mjs', 'regctl.config.cjs',
];

/** The user file's names, in `$XDG_CONFIG_HOME/regctl/` (default `~/.config/regctl/`). */
export const USER_FILES: readonly string[] = ['config', 'config.json', 'config.yaml', 'config.yml', 'config.js', 'config.mjs', 'config.cjs'];

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** `--config <file>` (or `REGCTL_CONFIG`): read last, overriding the others. */
  explicitPath?: string;
  /** Where the project search starts; default the working directory. */
  cwd?: string;
  /** For `XDG_CONFIG_HOME` and `REGCTL_CONFIG`; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default the OS home directory. */
  home?: string;
}

/** The directory of the user file. */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'regctl');
}

/**
 * Finds and validates the config files, in increasing precedence: the user file
 * (`$XDG_CONFIG_HOME/regctl/config.*`), the project file (cosmiconfig's search for module
 * `regctl` from the working directory up to the nearest package.json: `.regctlrc[.json|.yaml]`,
 * `regctl.config.[c|m]js`, `package.json#regctl`), then `--config` / `REGCTL_CONFIG`. Each may
 * be missing except the explicit one. A file that does not parse or validate is a `CONFIG`
 * error naming it.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<ConfigFile[]> {
  const env = opts.env ?? process.env;
  const home = opts.home ?? homedir();
  // cosmiconfig (and its YAML and JSON parsers) load only when a command needs settings.
  const { cosmiconfig } = await import('cosmiconfig');
  const search = async (scope: ConfigScope, from: string, places: readonly string[], strategy: 'none' | 'project') => {
    const explorer = cosmiconfig('regctl', { searchPlaces: [...places], searchStrategy: strategy, cache: false });
    const found = await guard(() => explorer.search(from), from);
    return found ? [file(scope, found.filepath, found.config, home)] : [];
  };
  const files = [
    ...(await search('user', userConfigDir(env, home), USER_FILES, 'none')),
    ...(await search('project', resolve(opts.cwd ?? process.cwd()), PROJECT_FILES, 'project')),
  ];
  const explicit = opts.explicitPath ?? (env.REGCTL_CONFIG || undefined);
  if (explicit !== undefined) {
    const path = resolve(opts.cwd ?? process.cwd(), explicit);
    const explorer = cosmiconfig('regctl', { searchStrategy: 'none', cache: false });
    const found = await guard(() => explorer.load(path), path);
    files.push(file('explicit', path, found?.config ?? {}, home));
  }
  // `--config` may name the user or project file itself: read it once.
  return files.filter((f, i) => files.findIndex((g) => g.path === f.path) === i);
}

function file(scope: ConfigScope, path: string, raw: unknown, home: string): ConfigFile {
  // An empty file or an empty `regctl` key in package.json means "no settings".
  return { path, scope, config: validateConfig(raw ?? {}, path, home) };
}

async function guard<T>(fn: () => Promise<T>, where: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { filepath?: string };
    const path = err.filepath ?? err.path ?? where;
    const why = err.code === 'ENOENT' ? 'no such file' : err.message.replace(/^JSON Error in [^\n]*:\n/, '').trim();
    throw new RegctlError('CONFIG', `cannot read config file ${path}: ${why}`, { cause: e });
  }
}
