import { describe, expect, it } from 'vitest';
import { lineProgress } from '../../src/cli/progress.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const DST = 'reg.example/app:1';
const MiB = 1 << 20;

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
