import type { CopyEvent, CopyListener } from '../copy/events.js';
import { formatBytes } from './format.js';

/** A progress display: feed it events, call `done()` before printing results. */
export interface ProgressDisplay {
  listener: CopyListener;
  done(): void;
}

/** Blob lines shown at once; the rest are summed up in one line. */
const MAX_BLOB_LINES = 6;

const short = (digest: string) => digest.replace(/^(sha\d+:)([0-9a-f]{12})[0-9a-f]*$/, '$1$2');

interface Active {
  label: string;
  size: number;
  bytes: number;
}

/**
 * A multi-line display for a terminal: one line per blob in flight (bytes and percentage) and
 * a total line (blobs done, bytes moved, overall rate). Redrawn at most every 100 ms in place;
 * `done()` erases it, so only results remain on screen.
 */
export function terminalProgress(stream: NodeJS.WriteStream, now: () => number = Date.now): ProgressDisplay {
  const active = new Map<string, Active>();
  let seen = 0;
  let finished = 0;
  let moved = 0;
  let started: number | undefined;
  let lastDraw = 0;
  let drawn = 0;
  const erase = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}F\x1b[0J`);
    drawn = 0;
  };
  const draw = (force = false) => {
    const t = now();
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    const lines: string[] = [];
    for (const a of [...active.values()].slice(0, MAX_BLOB_LINES)) {
      const pct = a.size > 0 ? Math.floor((a.bytes / a.size) * 100) : 100;
      lines.push(`  ${a.label}  ${String(pct).padStart(3)}%  ${formatBytes(a.bytes)} / ${formatBytes(a.size)}`);
    }
    if (active.size > MAX_BLOB_LINES) lines.push(`  ... and ${active.size - MAX_BLOB_LINES} more`);
    const secs = started === undefined ? 0 : (t - started) / 1000;
    const rate = secs > 0 ? `  ${formatBytes(Math.round(moved / secs))}/s` : '';
    lines.push(`blobs ${finished}/${seen}  ${formatBytes(moved)}${rate}`);
    erase();
    // A wrapped line would break the cursor arithmetic of the next redraw: cut to the width.
    const width = Math.max(20, (stream.columns || 80) - 1);
    stream.write(`${lines.map((l) => `\x1b[2K${l.slice(0, width)}`).join('\n')}\n`);
    drawn = lines.length;
  };
  const listener = (e: CopyEvent) => {
    if (!('size' in e)) return;
    const key = `${e.destination} ${e.digest}`;
    switch (e.type) {
      case 'blob-start':
        started ??= now();
        seen++;
        active.set(key, { label: `${short(e.digest)} -> ${e.destination}`, size: e.size, bytes: 0 });
        break;
      case 'blob-progress': {
        const a = active.get(key);
        if (a) {
          moved += Math.max(0, e.bytes - a.bytes);
          a.bytes = e.bytes;
        }
        break;
      }
      case 'blob-done':
        active.delete(key);
        finished++;
        break;
      case 'blob-skip': case 'blob-mount':
        seen++;
        finished++;
        break;
      default:
        return;
    }
    draw(e.type === 'blob-done' && active.size === 0);
  };
  return { listener, done: erase };
}

/**
 * One stderr line per blob event, for logs (`--verbose` off a terminal): what was copied,
 * mounted, skipped or resumed, and each manifest pushed.
 */
export function lineProgress(write: (line: string) => void): ProgressDisplay {
  const listener = (e: CopyEvent) => {
    switch (e.type) {
      case 'blob-start': return write(`copying ${e.digest} (${formatBytes(e.size)}) to ${e.destination}`);
      case 'blob-done': return write(`copied ${e.digest} (${formatBytes(e.size)}) to ${e.destination}`);
      case 'blob-skip': return write(`skipped ${e.digest}: ${e.destination} has it`);
      case 'blob-mount': return write(`mounted ${e.digest} into ${e.destination} from ${e.from}`);
      case 'blob-resume': return write(`resuming ${e.side} of ${e.digest} for ${e.destination} at byte ${e.offset} of ${e.size}`);
      case 'manifest-put': return write(`pushed manifest ${e.digest} to ${e.destination} as ${e.reference}`);
      case 'image-skip': return write(`${e.destination} is up to date (${e.digest})`);
      default: return undefined;
    }
  };
  return { listener, done: () => undefined };
}
