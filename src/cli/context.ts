import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RegistryClient, type ClientOptions } from '../client.js';
import { parseUserPassword } from '../credentials/env.js';
import { StaticCredentials } from '../credentials/static.js';
import type { CredentialProvider } from '../credentials/types.js';
import { RegctlError } from '../errors.js';
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
}

/** Which side of a copy a client serves; each may have its own `--src-creds`/`--dest-creds`. */
export type ClientRole = 'src' | 'dest';

/** What a command runs with: the output sink and a library client built from the global flags. */
export interface CommandContext {
  out: Output;
  globals: GlobalOptions;
  /** Client options derived from the flags, for commands that build their own client. */
  clientOptions: ClientOptions;
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

/** Builds the context from the root command's parsed options. */
export function makeContext(cmd: Command): CommandContext {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  const out = new Output({ json: !!globals.json, quiet: !!globals.quiet, verbose: !!globals.verbose });
  const clientOptions: ClientOptions = {
    logger: out.logger(),
    plainHttp: !!globals.plainHttp,
    ...(globals.creds && { explicitCredentials: flagCredentials(globals.creds, '--creds') }),
    ...(globals.createRepo !== undefined && { createRepositories: globals.createRepo }),
    http: {
      ...(globals.insecure && { insecure: true }),
      ...(globals.caFile && { ca: readCa(globals.caFile) }),
      // Flags first: the first matching rule wins, so a flag overrides the environment.
      connectTo: [...(globals.connectTo ?? []), process.env.REGCTL_CONNECT_TO ?? ''].filter((s) => s !== ''),
    },
  };
  const roleFlags = { src: ['--src-creds', globals.srcCreds], dest: ['--dest-creds', globals.destCreds] } as const;
  const clients = new Map<string, RegistryClient>();
  const ctx: CommandContext & { _clients: Map<string, RegistryClient> } = {
    out,
    globals,
    clientOptions,
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

function flagCredentials(value: string, flag: string): CredentialProvider {
  return StaticCredentials.forAllHosts({ ...parseUserPassword(value, flag), source: flag });
}

/**
 * Wraps a command action: builds the context from the invoking command, runs the action, and
 * closes pooled connections whatever happens.
 */
export function action<A extends unknown[]>(fn: (ctx: CommandContext, ...args: A) => Promise<void>) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const ctx = makeContext(cmd);
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
