import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RegistryClient, type ClientOptions } from '../client.js';
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
}

/** What a command runs with: the output sink and a library client built from the global flags. */
export interface CommandContext {
  out: Output;
  globals: GlobalOptions;
  /** Client options derived from the flags, for commands that build their own client. */
  clientOptions: ClientOptions;
  client(): RegistryClient;
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
    http: {
      ...(globals.insecure && { insecure: true }),
      ...(globals.caFile && { ca: readCa(globals.caFile) }),
    },
  };
  const ctx: CommandContext & { _client?: RegistryClient } = {
    out,
    globals,
    clientOptions,
    client: () => (ctx._client ??= new RegistryClient(clientOptions)),
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
    const ctx = makeContext(cmd);
    try {
      await fn(ctx, ...(args.slice(0, -1) as A));
    } finally {
      await closeQuietly(ctx);
    }
  };
}

async function closeQuietly(ctx: CommandContext): Promise<void> {
  const c = (ctx as { _client?: RegistryClient })._client;
  await c?.close().catch(() => undefined);
}
