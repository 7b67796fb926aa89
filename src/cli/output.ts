import type { Logger } from '../log.js';
import { PLAIN, type Style } from './format/color.js';
import { renderBlocks, type ResultView } from './format/result.js';
import { compileTemplate, type Template } from './format/template.js';

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
  /** `--format '<template>'` (src/cli/format/template.ts), applied to the `--json` value. */
  format?: string;
  /** stdout is a terminal: results may be tables (src/cli/format/result.ts). */
  tty?: boolean;
  /** Terminal width for column layouts; default 80. */
  columns?: number;
  /** Styles for stdout and stderr (src/cli/format/color.ts); default no colour. */
  style?: Style;
  errStyle?: Style;
}

export type { ResultView } from './format/result.js';

/**
 * Results go to stdout, everything else to stderr (DESIGN principle 9). `--quiet` keeps
 * warnings and results only; `--verbose` adds debug lines (already redacted by the library).
 */
export class Output {
  private readonly template: Template | undefined;

  constructor(
    readonly opts: OutputOptions,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    // Compiled up front: a syntax error stops the command before it does anything.
    this.template = opts.format === undefined ? undefined : compileTemplate(opts.format);
  }

  /**
   * Prints a command's result: as JSON with `--json`, through the `--format` template (once
   * per item when the result is a list), as the view's terminal blocks when stdout is a
   * terminal, else as its plain lines (default: the JSON).
   */
  result(value: unknown, view: ResultView = {}): void {
    if (this.opts.json) return this.json(value);
    if (this.template) {
      for (const item of Array.isArray(value) ? value : [value]) this.line(this.template.render(item));
      for (const u of this.template.unknownFields()) this.warn(`--format: no field "${u.field}" in the result${u.available.length ? `; it has ${u.available.join(', ')}` : ''}`);
      return;
    }
    if (this.opts.tty && view.tty) {
      const lines = renderBlocks(view.tty(), this.opts.style ?? PLAIN, this.opts.columns ?? 80, terminalSafe);
      for (const l of lines) this.stdout.write(`${l}\n`);
      return;
    }
    for (const l of view.lines?.() ?? [JSON.stringify(value, null, 2)]) this.line(l);
  }

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
    this.stderr.write(`${(this.opts.errStyle ?? PLAIN).yellow('warning:')} ${terminalSafe(text)}\n`);
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
