import type { CopyEvent, CopyListener } from '../copy/events.js';
import { formatBytes } from './format.js';

/**
 * A one-line progress display for a terminal: blobs done out of blobs seen, and bytes moved.
 * Redrawn at most every 100 ms; `done()` clears it. Off the terminal nothing is drawn.
 */
export function terminalProgress(stream: NodeJS.WriteStream): { listener: CopyListener; done(): void } {
  const sizes = new Map<string, number>();
  const moved = new Map<string, number>();
  let finished = 0;
  let last = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let bytes = 0;
    for (const b of moved.values()) bytes += b;
    stream.write(`\r\x1b[2Kblobs ${finished}/${sizes.size}  ${formatBytes(bytes)}`);
  };
  const listener = (e: CopyEvent) => {
    const key = 'digest' in e ? `${e.destination} ${e.digest}` : '';
    switch (e.type) {
      case 'blob-start': sizes.set(key, e.size); break;
      case 'blob-progress': moved.set(key, e.bytes); break;
      case 'blob-done': case 'blob-skip': case 'blob-mount': sizes.set(key, e.size); finished++; break;
      default: return;
    }
    draw();
  };
  return { listener, done: () => { if (last > 0) stream.write('\r\x1b[2K'); } };
}
