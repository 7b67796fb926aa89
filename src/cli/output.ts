import type { Logger } from '../log.js';

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
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
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
    if (!this.opts.quiet) this.stderr.write(`${text}\n`);
  }

  /** Prints a warning to stderr. */
  warn(text: string): void {
    this.stderr.write(`warning: ${text}\n`);
  }

  /** A {@link Logger} for the library that writes to stderr. */
  logger(): Logger {
    return {
      debug: (m) => { if (this.opts.verbose) this.stderr.write(`debug: ${m}\n`); },
      info: (m) => this.info(m),
      warn: (m) => this.warn(m),
    };
  }

  /** Writes an error to stderr. */
  error(text: string): void {
    this.stderr.write(`${text}\n`);
  }
}
