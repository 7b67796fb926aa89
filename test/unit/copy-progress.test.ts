import { describe, expect, it } from 'vitest';
import { lineProgress, terminalProgress } from '../../src/cli/progress.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const DST = 'reg.example/app:1';
const MiB = 1 << 20;

/** A fake terminal: collects writes and interprets just enough ANSI to show the final screen. */
function fakeTerminal() {
  const writes: string[] = [];
  const stream = { write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, writes, all: () => writes.join('') };
}

describe('terminalProgress', () => {
  it('draws one line per blob in flight and a total with the rate, then erases itself', () => {
    const term = fakeTerminal();
    let t = 1_000;
    const p = terminalProgress(term.stream, () => t);
    p.listener({ type: 'blob-start', digest: D1, size: 10 * MiB, destination: DST });
    p.listener({ type: 'blob-start', digest: D2, size: 4 * MiB, destination: DST });
    p.listener({ type: 'blob-skip', digest: `sha256:${'c'.repeat(64)}`, size: 100, destination: DST });
    t += 2_000;
    p.listener({ type: 'blob-progress', digest: D1, bytes: 5 * MiB, size: 10 * MiB, destination: DST });
    const frame = term.writes.at(-1)!;
    expect(frame).toContain(`sha256:aaaaaaaaaaaa -> ${DST}   50%  5.0 MiB / 10.0 MiB`);
    expect(frame).toContain(`sha256:bbbbbbbbbbbb -> ${DST}    0%`);
    // 5 MiB in 2 s, one blob of three finished (the skipped one).
    expect(frame).toContain('blobs 1/3  5.0 MiB  2.5 MiB/s');

    t += 50;
    const before = term.writes.length;
    p.listener({ type: 'blob-progress', digest: D1, bytes: 6 * MiB, size: 10 * MiB, destination: DST });
    expect(term.writes.length).toBe(before); // at most one redraw per 100 ms

    t += 1_000;
    p.listener({ type: 'blob-done', digest: D1, size: 10 * MiB, destination: DST });
    p.listener({ type: 'blob-progress', digest: D2, bytes: 4 * MiB, size: 4 * MiB, destination: DST });
    p.listener({ type: 'blob-done', digest: D2, size: 4 * MiB, destination: DST });
    const last = term.writes.at(-1)!;
    expect(last).toContain('blobs 3/3  10.0 MiB');
    expect(last).not.toContain('sha256:aaaa');
    p.done();
    // Cursor back up over the lines drawn and clear to the end of the screen.
    expect(term.writes.at(-1)).toBe('\x1b[1F\x1b[0J');
  });

  it('cuts lines to the terminal width so redraws stay in place', () => {
    const term = fakeTerminal();
    (term.stream as { columns?: number }).columns = 40;
    const p = terminalProgress(term.stream, () => 0);
    p.listener({ type: 'blob-start', digest: D1, size: MiB, destination: `${'very-long-registry.example.com/'.repeat(3)}app:1` });
    p.listener({ type: 'blob-done', digest: D1, size: MiB, destination: `${'very-long-registry.example.com/'.repeat(3)}app:1` });
    for (const line of term.all().split('\n')) expect(line.replace(/\x1b\[[0-9]*[A-Za-z]/g, '').length).toBeLessThanOrEqual(39);
  });

  it('draws nothing when there are no blob events', () => {
    const term = fakeTerminal();
    const p = terminalProgress(term.stream);
    p.listener({ type: 'image-skip', digest: D1, destination: DST });
    p.done();
    expect(term.writes).toEqual([]);
  });
});

describe('lineProgress', () => {
  it('writes one plain line per blob and manifest event, none for byte progress', () => {
    const lines: string[] = [];
    const p = lineProgress((l) => lines.push(l));
    p.listener({ type: 'blob-start', digest: D1, size: 2 * MiB, destination: DST });
    p.listener({ type: 'blob-progress', digest: D1, bytes: MiB, size: 2 * MiB, destination: DST });
    p.listener({ type: 'blob-resume', digest: D1, size: 2 * MiB, destination: DST, side: 'download', offset: 1234 });
    p.listener({ type: 'blob-done', digest: D1, size: 2 * MiB, destination: DST });
    p.listener({ type: 'blob-skip', digest: D2, size: 10, destination: DST });
    p.listener({ type: 'blob-mount', digest: D2, size: 10, destination: DST, from: 'reg.example/other' });
    p.listener({ type: 'manifest-put', digest: D1, reference: '1', destination: DST });
    expect(lines).toEqual([
      `copying ${D1} (2.0 MiB) to ${DST}`,
      `resuming download of ${D1} for ${DST} at byte 1234 of ${2 * MiB}`,
      `copied ${D1} (2.0 MiB) to ${DST}`,
      `skipped ${D2}: ${DST} has it`,
      `mounted ${D2} into ${DST} from reg.example/other`,
      `pushed manifest ${D1} to ${DST} as 1`,
    ]);
    expect(lines.join('')).not.toContain('\x1b');
  });
});
