import { Command, CommanderError, Help, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { registerCommands } from './commands/index.js';
import { CONFIG_OPTION, extractConfigFlag } from './config-flag.js';
import { colorLevel, loadStyle, type Style } from './format/color.js';
import { errorAnnotation, inGitHubActions } from './gha.js';
import { terminalSafe } from './output.js';
import { errorJson, errorText, exitCodeFor, ExitCode, ReportedError } from './render-error.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Builds the commander program with every command and the global flags. */
export function buildProgram(): Command {
  const program: Command = new Command('regctl')
    .description('Inspect, copy, tag, list and delete container images in any OCI registry.')
    .version(version(), '-V, --version')
    .option('--json', 'print results as JSON')
    .option('-q, --quiet', 'print results and warnings only')
    .option('-v, --verbose', 'print requests and auth decisions to stderr (secrets redacted)')
    .option('--no-progress', 'no progress: no bars on a terminal, no per-blob lines off one')
    .option('--plain-http', 'use http instead of https for every registry')
    .option('--insecure', 'do not verify TLS certificates')
    .addOption(new Option('--ca-file <path>', 'trust this PEM CA bundle for TLS'))
    .addOption(new Option('--connect-to <HOST[:PORT]:ADDR:PORT>', 'connect to ADDR:PORT for requests to HOST[:PORT], keeping HOST for TLS and Host (repeatable; also REGCTL_CONNECT_TO, comma-separated)')
      .argParser((v: string, prev: string[] = []) => [...prev, v]))
    .addOption(new Option('--creds <user:password>', 'log in with these credentials for this command only (prefer REGCTL_AUTH_<HOST>: flags show in process lists)'))
    .addOption(new Option('--format <template>', 'print results through a template, e.g. \'{{.digest}}\' or \'{{range .tags}}{{.}}\\n{{end}}\' (fields as in --json; docs/json.md)'))
    .showHelpAfterError('(run with --help for usage)')
    // `--config <file>` is handled outside commander (src/cli/config-flag.ts); listed here, before --help.
    .configureHelp({
      visibleOptions: (cmd): Option[] => {
        const options = Help.prototype.visibleOptions.call(new Help(), cmd);
        return cmd === program ? [...options.slice(0, -1), CONFIG_OPTION, ...options.slice(-1)] : options;
      },
    })
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
  // The completion scripts' callback: answered before commander parses, since the words being
  // completed are half-typed and may hold options of any command.
  if (proc.argv[2] === '__complete') {
    const [{ complete }, { loadSettings }] = await Promise.all([import('./completion.js'), import('../config/index.js')]);
    const hosts = () => loadSettings().then((s) => s.hosts(), () => []);
    const found = await complete(program, proc.argv.slice(3), hosts);
    proc.stdout.write(found.length ? `${found.join('\n')}\n` : '');
    return;
  }
  try {
    const { args, config } = extractConfigFlag(program, proc.argv.slice(2));
    // The same setting as the flag, for makeContext to find.
    if (config !== undefined) proc.env.REGCTL_CONFIG = config;
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0 through here; everything else commander raises is usage.
      if (err.exitCode === 0) return;
      const message = `error: ${err.message.replace(/^error: /, '')}`;
      proc.stderr.write(`${paint(terminalSafe(message), await loadStyle(colorLevel(proc.stderr, proc.env)))}\n(run with --help for usage)\n`);
      if (inGitHubActions(proc.env)) proc.stderr.write(errorAnnotation(err, message, 'USAGE'));
      proc.exitCode = ExitCode.Usage;
      return;
    }
    const reported = err instanceof ReportedError;
    const cause = reported ? err.reason : err;
    if (program.opts().json && !reported) proc.stdout.write(`${terminalSafe(JSON.stringify({ error: errorJson(cause) }, null, 2))}\n`);
    const text = terminalSafe(errorText(cause));
    proc.stderr.write(`${paint(text, await loadStyle(colorLevel(proc.stderr, proc.env)))}\n`);
    // Under GitHub Actions the error also becomes an annotation on the run (src/cli/gha.ts).
    if (inGitHubActions(proc.env)) proc.stderr.write(errorAnnotation(cause, text));
    proc.exitCode = exitCodeFor(cause);
  }
}

/** Colours the `error:` and `hint:` prefixes of an error text (a no-op without colour). */
function paint(text: string, style: Style): string {
  return text.replace(/^error:/, style.red(style.bold('error:'))).replace(/^hint:/m, style.dim('hint:'));
}
