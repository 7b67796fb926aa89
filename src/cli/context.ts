import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
// Types only at the top: the library (undici, cosmiconfig, ...) loads in makeContext, after
// argument parsing, so `regctl --help` never pays for it (docs/benchmarks.md, "Start-up").
import type { ClientOptions, RegistryClient } from '../client.js';
import type { Settings } from '../config/settings.js';
import type { TransferLimitOptions } from '../copy/limits.js';
import type { CredentialProvider } from '../credentials/types.js';
import { RegctlError } from '../errors.js';
import { colorLevel, loadStyle } from './format/color.js';
import { Output } from './output.js';

/** The global flags every command accepts. */
export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  progress?: boolean;
  plainHttp?: boolean;
  insecure?: boolean;
  caFile?: string;
  connectTo?: string[];
  /** `copy --create-repo` / `--no-create-repo`; undefined: each provider's default. */
  createRepo?: boolean;
  /** `--creds user:password` for every registry the command talks to. */
  creds?: string;
  /** `copy --src-creds` / `--dest-creds`: per side, overriding `--creds`. */
  srcCreds?: string;
  destCreds?: string;
  /** `--format '<template>'`. */
  format?: string;
}

/** Which side of a copy a client serves; each may have its own `--src-creds`/`--dest-creds`. */
export type ClientRole = 'src' | 'dest';

/** What a command runs with: the output sink and a library client built from the global flags. */
export interface CommandContext {
  out: Output;
  globals: GlobalOptions;
  /** Client options derived from the flags and config files, for commands that build their own client. */
  clientOptions: ClientOptions;
  /** The config files' settings (src/config). */
  settings: Settings;
  /**
   * Blob concurrency for a copy: the `--concurrency` flag, else the host's `concurrency` from
   * the config, else the config's global `concurrency`, else the library default.
   */
  limits(flag?: number): TransferLimitOptions;
  /**
   * The shared client. With a `role` whose `--src-creds`/`--dest-creds` flag is set, a client
   * of its own that tries those credentials first (so source and destination may log in to one
   * registry as different users).
   */
  client(role?: ClientRole): RegistryClient;
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new RegctlError('USAGE', `cannot read --ca-file ${JSON.stringify(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The output sink for the parsed global flags: `--json`, `--format`, colours and tables on a terminal. */
export async function makeOutput(globals: GlobalOptions): Promise<Output> {
  if (globals.json && globals.format !== undefined) throw new RegctlError('USAGE', '--json and --format cannot be used together');
  const [style, errStyle] = await Promise.all([loadStyle(colorLevel(process.stdout)), loadStyle(colorLevel(process.stderr))]);
  return new Output({
    json: !!globals.json,
    quiet: !!globals.quiet,
    verbose: !!globals.verbose,
    ...(globals.format !== undefined && { format: globals.format }),
    tty: process.stdout.isTTY === true,
    ...(process.stdout.columns && { columns: process.stdout.columns }),
    style,
    errStyle,
  });
}

/** Builds the context from the root command's parsed options and the config files. */
export async function makeContext(cmd: Command): Promise<CommandContext> {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  const out = await makeOutput(globals);
  const [{ RegistryClient }, { loadSettings }, { StaticCredentials }, { parseUserPassword }] = await Promise.all([
    import('../client.js'), import('../config/index.js'), import('../credentials/static.js'), import('../credentials/env.js'),
  ]);
  const flagCredentials = (value: string, flag: string): CredentialProvider =>
    StaticCredentials.forAllHosts({ ...parseUserPassword(value, flag), source: flag });
  // `--config <file>` arrives as REGCTL_CONFIG (src/cli/config-flag.ts).
  const settings = await loadSettings();
  for (const w of settings.projectTlsWarnings()) out.warn(`${w}: that registry is reached without verified TLS`);
  const g = settings.global();
  const clientOptions: ClientOptions = {
    logger: out.logger(),
    plainHttp: !!globals.plainHttp,
    settings,
    ...(globals.creds && { explicitCredentials: flagCredentials(globals.creds, '--creds') }),
    ...(globals.createRepo !== undefined && { createRepositories: globals.createRepo }),
    http: {
      ...(globals.insecure && { insecure: true }),
      ...(globals.caFile && { ca: readCa(globals.caFile) }),
      // Flags first: the first matching rule wins, so a flag overrides the environment.
      connectTo: [...(globals.connectTo ?? []), process.env.REGCTL_CONNECT_TO ?? ''].filter((s) => s !== ''),
      ...(g.retries && { retry: { max: g.retries.value } }),
      ...(g.timeouts.connect && { connectTimeoutMs: g.timeouts.connect.value }),
      ...(g.timeouts.response && { headersTimeoutMs: g.timeouts.response.value }),
      ...(g.timeouts.idle && { bodyTimeoutMs: g.timeouts.idle.value }),
    },
  };
  const roleFlags = { src: ['--src-creds', globals.srcCreds], dest: ['--dest-creds', globals.destCreds] } as const;
  const clients = new Map<string, RegistryClient>();
  const ctx: CommandContext & { _clients: Map<string, RegistryClient> } = {
    out,
    globals,
    clientOptions,
    settings,
    limits: (flag) => ({
      ...((flag ?? g.concurrency?.value) !== undefined && { blobs: flag ?? g.concurrency!.value }),
      ...(flag === undefined && { blobsFor: (host: string) => settings.host(host).concurrency?.value }),
    }),
    _clients: clients,
    client: (role) => {
      const [flag, value] = role ? roleFlags[role] : [];
      const key = value ? role! : 'shared';
      let c = clients.get(key);
      if (!c) {
        c = new RegistryClient(value ? { ...clientOptions, explicitCredentials: flagCredentials(value, flag!) } : clientOptions);
        clients.set(key, c);
      }
      return c;
    },
  };
  return ctx;
}

/**
 * Wraps a command action: builds the context from the invoking command, runs the action, and
 * closes pooled connections whatever happens.
 */
export function action<A extends unknown[]>(fn: (ctx: CommandContext, ...args: A) => Promise<void>) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const ctx = await makeContext(cmd);
    try {
      await fn(ctx, ...(args.slice(0, -1) as A));
    } finally {
      await closeQuietly(ctx);
    }
  };
}

async function closeQuietly(ctx: CommandContext): Promise<void> {
  const clients = (ctx as { _clients?: Map<string, RegistryClient> })._clients;
  await Promise.all([...(clients?.values() ?? [])].map((c) => c.close().catch(() => undefined)));
}
