import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { registerCommands } from './commands/index.js';
import { terminalSafe } from './output.js';
import { errorJson, errorText, exitCodeFor, ExitCode, ReportedError } from './render-error.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Builds the commander program with every command and the global flags. */
export function buildProgram(): Command {
  const program = new Command('regctl')
    .description('Inspect, copy, tag, list and delete container images in any OCI registry.')
    .version(version(), '-V, --version')
    .option('--json', 'print results as JSON')
    .option('-q, --quiet', 'print results and warnings only')
    .option('-v, --verbose', 'print requests and auth decisions to stderr (secrets redacted)')
    .option('--no-progress', 'no progress display, even on a terminal')
    .option('--plain-http', 'use http instead of https for every registry')
    .option('--insecure', 'do not verify TLS certificates')
    .addOption(new Option('--ca-file <path>', 'trust this PEM CA bundle for TLS'))
    .addOption(new Option('--connect-to <HOST[:PORT]:ADDR:PORT>', 'connect to ADDR:PORT for requests to HOST[:PORT], keeping HOST for TLS and Host (repeatable; also REGCTL_CONNECT_TO, comma-separated)')
      .argParser((v: string, prev: string[] = []) => [...prev, v]))
    .addOption(new Option('--creds <user:password>', 'log in with these credentials for this command only (prefer REGCTL_AUTH_<HOST>: flags show in process lists)'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  registerCommands(program);
  return program;
}

/**
 * Runs the CLI: parses `argv`, runs one command, renders any error on stderr (or as JSON with
 * `--json`), and sets the exit code from the one error-to-exit-code table.
 */
export async function main(proc: NodeJS.Process): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(proc.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0 through here; everything else commander raises is usage.
      if (err.exitCode === 0) return;
      proc.stderr.write(`error: ${err.message.replace(/^error: /, '')}\n(run with --help for usage)\n`);
      proc.exitCode = ExitCode.Usage;
      return;
    }
    const reported = err instanceof ReportedError;
    const cause = reported ? err.reason : err;
    if (program.opts().json && !reported) proc.stdout.write(`${terminalSafe(JSON.stringify({ error: errorJson(cause) }, null, 2))}\n`);
    proc.stderr.write(`${terminalSafe(errorText(cause))}\n`);
    proc.exitCode = exitCodeFor(cause);
  }
}
