import type { Logger } from '../log.js';

/**
 * Text that may come from a registry (tags, repository names, error messages, annotations) is
 * printed through here: control and invisible formatting characters are shown as `\uXXXX`, so a
 * hostile registry cannot move the cursor, retitle the terminal or hide text behind a carriage
 * return (found by the abuse suite, docs/reliability.md). Newlines and tabs are kept.
 */
export function terminalSafe(text: string): string {
  return text.replace(/(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** Global flags that shape output. */
export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

/**
 * Results go to stdout, everything else to stderr (DESIGN principle 9). `--quiet` keeps
 * warnings and results only; `--verbose` adds debug lines (already redacted by the library).
 */
export class Output {
  constructor(
    readonly opts: OutputOptions,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** Prints one result line. */
  line(text: string): void {
    const safe = terminalSafe(text);
    this.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
  }

  /** Prints raw bytes as they are (`inspect --raw`). */
  raw(bytes: Buffer): void {
    this.stdout.write(bytes);
  }

  /** Prints a value as indented JSON. */
  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** Prints a status message to stderr unless `--quiet`. */
  info(text: string): void {
    if (!this.opts.quiet) this.stderr.write(`${terminalSafe(text)}\n`);
  }

  /** Prints a warning to stderr. */
  warn(text: string): void {
    this.stderr.write(`warning: ${terminalSafe(text)}\n`);
  }

  /** A {@link Logger} for the library that writes to stderr. */
  logger(): Logger {
    return {
      debug: (m) => { if (this.opts.verbose) this.stderr.write(`debug: ${terminalSafe(m)}\n`); },
      info: (m) => this.info(m),
      warn: (m) => this.warn(m),
    };
  }

  /** Writes an error to stderr. */
  error(text: string): void {
    this.stderr.write(`${terminalSafe(text)}\n`);
  }
}
