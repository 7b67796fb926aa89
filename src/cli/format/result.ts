import type { Style } from './color.js';
import { grid, table } from './table.js';

/** One piece of a terminal view: a line, a bold heading, a table, or words in columns. */
export type Block =
  | string
  | { heading: string }
  | { table: { headers: string[]; rows: string[][] } }
  | { grid: string[] };

/**
 * How a command shows its result besides `--json` and `--format` (which work on the result
 * value itself): `lines` for pipes and files, the stable script-friendly form; `tty` for a
 * terminal, with tables. Either may be left out: without `tty` the lines are shown everywhere.
 */
export interface ResultView {
  lines?: () => string[];
  tty?: () => Block[];
}

/**
 * Renders terminal blocks to lines. Every piece of text goes through `safe` first (it may come
 * from a registry), and styling comes after, so escape codes are only ever regctl's own.
 */
export function renderBlocks(blocks: Block[], style: Style, columns: number, safe: (s: string) => string): string[] {
  return blocks.flatMap((b) => {
    if (typeof b === 'string') return [safe(b)];
    if ('heading' in b) return [style.bold(safe(b.heading))];
    if ('grid' in b) return grid(b.grid.map(safe), columns);
    return table(b.table.headers, b.table.rows.map((r) => r.map(safe)), style);
  });
}
