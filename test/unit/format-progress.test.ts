import { describe, expect, it } from 'vitest';
import { BlobBoard } from '../../src/cli/progress-bars.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const DST = 'reg.example/app:1';
const MiB = 1 << 20;

describe('BlobBoard (the terminal progress display)', () => {
  it('shows a bar per blob in flight with bytes, rate and ETA, under a totals line', () => {
    const b = new BlobBoard();
    b.update({ type: 'blob-start', digest: D1, size: 10 * MiB, destination: DST }, 1_000);
    b.update({ type: 'blob-start', digest: D2, size: 4 * MiB, destination: DST }, 1_000);
    b.update({ type: 'blob-skip', digest: `sha256:${'c'.repeat(64)}`, size: 100, destination: DST }, 1_000);
    b.update({ type: 'blob-progress', digest: D1, bytes: 5 * MiB, size: 10 * MiB, destination: DST }, 3_000);
    expect(b.lines(3_000, 200)).toEqual([
      'blobs 1/3  5.0 MiB of 14.0 MiB  2.5 MiB/s  ETA 4s',
      `  sha256:aaaaaaaaaaaa → ${DST}  ██████████░░░░░░░░░░  50%  5.0 MiB/10.0 MiB  2.5 MiB/s  ETA 2s`,
      `  sha256:bbbbbbbbbbbb → ${DST}  ░░░░░░░░░░░░░░░░░░░░   0%  0 B/4.0 MiB`,
    ]);
    b.update({ type: 'blob-done', digest: D1, size: 10 * MiB, destination: DST }, 4_000);
    expect(b.lines(4_000, 200)).toHaveLength(2);
    expect(b.lines(4_000, 200)[0]).toMatch(/^blobs 2\/3 /);
  });

  it('writes long ETAs in minutes and hours', () => {
    const b = new BlobBoard();
    b.update({ type: 'blob-start', digest: D1, size: 1000 * MiB, destination: DST }, 0);
    b.update({ type: 'blob-progress', digest: D1, bytes: MiB, size: 1000 * MiB, destination: DST }, 1_000);
    expect(b.lines(1_000, 200)[1]).toContain('1.0 MiB/s  ETA 16m39s');
    b.update({ type: 'blob-progress', digest: D1, bytes: 2 * MiB, size: 1000 * MiB, destination: DST }, 100_000);
    expect(b.lines(100_000, 200)[1]).toMatch(/ETA 13h5\dm$/);
  });

  it('cuts lines to the terminal width and sums up blobs beyond six', () => {
    const b = new BlobBoard();
    for (let i = 0; i < 8; i++) b.update({ type: 'blob-start', digest: `sha256:${String(i).repeat(64)}`, size: MiB, destination: `${'long.example.com/'.repeat(4)}app:1` }, 0);
    const lines = b.lines(0, 40);
    expect(lines).toHaveLength(8);
    expect(lines.at(-1)).toBe('  … and 2 more');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(37);
  });

  it('ignores events that are not about blobs, and progress for blobs it never saw start', () => {
    const b = new BlobBoard();
    expect(b.update({ type: 'manifest-put', digest: D1, reference: '1', destination: DST }, 0)).toBe(false);
    expect(b.update({ type: 'blob-progress', digest: D1, bytes: 1, size: 2, destination: DST }, 0)).toBe(false);
  });
});
