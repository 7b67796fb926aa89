/**
 * Whether to colour a stream, and the styles to do it with. Colour goes only to terminals
 * (`TERM` not `dumb`); `NO_COLOR` (any non-empty value, no-color.org) turns it off and
 * `FORCE_COLOR` (`0`/`false` off, `1`-`3` or empty on) overrides both, as in Node itself.
 */

/** 0: none; 1: 16 colours; 2: 256; 3: truecolor (chalk's levels). */
export type ColorLevel = 0 | 1 | 2 | 3;

/** The colour level for output to `stream`. */
export function colorLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ColorLevel {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '' || force === 'true') return 1;
    const n = Number.parseInt(force, 10);
    return (Number.isNaN(n) ? 1 : Math.max(0, Math.min(3, n))) as ColorLevel;
  }
  if (env.NO_COLOR) return 0;
  return stream.isTTY === true && env.TERM !== 'dumb' ? 1 : 0;
}

/** The few styles regctl uses; each returns its input unchanged at level 0. */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

const plainText = (s: string) => s;

/** No colour at all. */
export const PLAIN: Style = { bold: plainText, dim: plainText, red: plainText, yellow: plainText, green: plainText, cyan: plainText };

/** Styles at `level`; chalk loads only when there is colour to draw. */
export async function loadStyle(level: ColorLevel): Promise<Style> {
  if (level === 0) return PLAIN;
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level });
  return { bold: c.bold, dim: c.dim, red: c.red, yellow: c.yellow, green: c.green, cyan: c.cyan };
}

/** Removes ANSI escape sequences (for measuring widths and for tests). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}
