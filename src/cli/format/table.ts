import { stripAnsi, type Style } from './color.js';

const width = (s: string) => stripAnsi(s).length;
const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));

/**
 * An aligned table for a terminal: a bold header row, then one row per item, columns two
 * spaces apart; the last column is not padded, so long values (media types) do not leave
 * trailing blanks.
 */
export function table(headers: string[], rows: string[][], style: Style): string[] {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd();
  return [style.bold(line(headers)), ...rows.map(line)];
}

/**
 * Words in columns, like `ls` on a terminal: filled top to bottom, as many columns as fit in
 * `columns` characters (at least one).
 */
export function grid(items: string[], columns: number): string[] {
  if (items.length === 0) return [];
  const cell = Math.max(...items.map(width)) + 2;
  const perRow = Math.max(1, Math.floor((columns + 2) / cell));
  const rows = Math.ceil(items.length / perRow);
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c * rows + r < items.length; c++) cells.push(items[c * rows + r]!);
    out.push(cells.map((s, i) => (i === cells.length - 1 ? s : pad(s, cell))).join(''));
  }
  return out;
}
