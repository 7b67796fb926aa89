import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { colorLevel, loadStyle, stripAnsi } from '../../src/cli/format/color.js';
import { grid, table } from '../../src/cli/format/table.js';
import { Output } from '../../src/cli/output.js';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { stdout, stderr, out: () => out, err: () => err };
}

describe('colorLevel', () => {
  it.each([
    [true, {}, 1],
    [false, {}, 0],
    [true, { NO_COLOR: '1' }, 0],
    [true, { NO_COLOR: '' }, 1],
    [true, { TERM: 'dumb' }, 0],
    [false, { FORCE_COLOR: '1' }, 1],
    [false, { FORCE_COLOR: '' }, 1],
    [false, { FORCE_COLOR: '3' }, 3],
    [true, { FORCE_COLOR: '0' }, 0],
    [true, { FORCE_COLOR: 'false' }, 0],
    [false, { FORCE_COLOR: '2', NO_COLOR: '1' }, 2],
  ])('tty=%s env=%j -> %d', (isTTY, env, level) => {
    expect(colorLevel({ isTTY }, env)).toBe(level);
  });

  it('styles with escape codes only at a level above 0', async () => {
    expect((await loadStyle(0)).bold('x')).toBe('x');
    const bold = (await loadStyle(1)).bold('x');
    expect(bold).not.toBe('x');
    expect(stripAnsi(bold)).toBe('x');
  });
});

describe('table and grid', () => {
  it('aligns columns, bolds the header, leaves no trailing blanks', async () => {
    const lines = table(['A', 'LONG HEADER'], [['x', 'y'], ['wider cell', 'z']], await loadStyle(0));
    expect(lines).toEqual(['A           LONG HEADER', 'x           y', 'wider cell  z']);
    const bold = table(['A', 'B'], [['1', '2']], await loadStyle(1));
    expect(stripAnsi(bold[0]!)).toBe('A  B');
  });

  it('fills columns top to bottom within the width', () => {
    expect(grid(['a', 'b', 'c', 'd', 'e'], 9)).toEqual(['a  c  e', 'b  d']);
    expect(grid(['alpha', 'beta'], 3)).toEqual(['alpha', 'beta']);
    expect(grid([], 80)).toEqual([]);
  });
});

describe('Output.result', () => {
  const value = { tags: ['1.0', '2.0'], repository: 'r' };
  const view = { lines: () => value.tags, tty: () => [{ heading: 'tags' }, { grid: value.tags }] };

  it('prints JSON with --json, lines when piped, the terminal view on a TTY', async () => {
    const c1 = capture();
    new Output({ json: true, quiet: false, verbose: false }, c1.stdout, c1.stderr).result(value, view);
    expect(JSON.parse(c1.out())).toEqual(value);
    const c2 = capture();
    new Output({ json: false, quiet: false, verbose: false }, c2.stdout, c2.stderr).result(value, view);
    expect(c2.out()).toBe('1.0\n2.0\n');
    const c3 = capture();
    new Output({ json: false, quiet: false, verbose: false, tty: true, style: await loadStyle(1) }, c3.stdout, c3.stderr).result(value, view);
    expect(stripAnsi(c3.out())).toBe('tags\n1.0  2.0\n');
    expect(c3.out()).toContain('\x1b[');
  });

  it('applies --format to each item of a list result, and warns about unknown fields', () => {
    const c = capture();
    const out = new Output({ json: false, quiet: false, verbose: false, format: '{{.name}}={{.digets}}' }, c.stdout, c.stderr);
    out.result([{ name: 'a', digest: 'd1' }, { name: 'b', digest: 'd2' }]);
    expect(c.out()).toBe('a=\nb=\n');
    expect(c.err()).toBe('warning: --format: no field "digets" in the result; it has digest, name\n');
  });

  it('never lets registry text move the cursor in a table', () => {
    const c = capture();
    new Output({ json: false, quiet: false, verbose: false, tty: true }, c.stdout, c.stderr)
      .result({}, { tty: () => [{ table: { headers: ['TAG'], rows: [['evil\x1b[2Jtag']] } }] });
    expect(c.out()).not.toContain('\x1b');
  });
});
