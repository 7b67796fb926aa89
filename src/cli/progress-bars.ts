/**
 * The copy progress display for a terminal: an ora spinner line with the totals (blobs done,
 * bytes, rate, ETA) and one bar per blob in flight (digest and destination, bar, bytes, rate,
 * ETA). ora draws and clears it, and lifts anything else written meanwhile (a warning) above
 * it. Only ever used when stderr is a terminal; logs and CI get src/cli/progress.ts's lines.
 */
import type { CopyEvent } from '../copy/events.js';
import { colorLevel } from './format/color.js';
import { formatBytes } from './format.js';
import type { ProgressDisplay } from './progress.js';

/** Blob bars shown at once; the rest are counted in one line. */
const MAX_BARS = 6;
const BAR = 20;

interface Blob {
  name: string;
  size: number;
  bytes: number;
  started: number;
}

const short = (digest: string) => digest.replace(/^(sha\d+:)([0-9a-f]{12})[0-9a-f]*$/, '$1$2');

/** `12s`, `3m05s`, `1h02m`. */
function duration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Rate and ETA for `bytes` of `size` moved since `started`; empty until something moved. */
function pace(bytes: number, size: number, started: number, now: number): string {
  const secs = (now - started) / 1000;
  if (bytes <= 0 || secs <= 0) return '';
  const rate = bytes / secs;
  return `  ${formatBytes(Math.round(rate))}/s  ETA ${duration((size - bytes) / rate)}`;
}

/** What a copy's events say about its blobs, as lines for the display. Pure, for tests. */
export class BlobBoard {
  private readonly active = new Map<string, Blob>();
  private seen = 0;
  private finished = 0;
  private moved = 0;
  private total = 0;
  private started?: number;

  /** Takes one event; returns true when it changed what is shown. */
  update(e: CopyEvent, now: number): boolean {
    if (!('size' in e)) return false;
    const key = `${e.destination} ${e.digest}`;
    switch (e.type) {
      case 'blob-start':
        this.started ??= now;
        this.seen++;
        this.total += e.size;
        this.active.set(key, { name: `${short(e.digest)} → ${e.destination}`, size: e.size, bytes: 0, started: now });
        return true;
      case 'blob-progress': {
        const b = this.active.get(key);
        if (!b) return false;
        this.moved += Math.max(0, e.bytes - b.bytes);
        b.bytes = e.bytes;
        return true;
      }
      case 'blob-done':
        this.active.delete(key);
        this.finished++;
        return true;
      case 'blob-skip': case 'blob-mount':
        this.seen++;
        this.finished++;
        return true;
      default:
        return false;
    }
  }

  /** The spinner's text: a totals line, then a bar per blob in flight, each cut to `columns`. */
  lines(now: number, columns: number): string[] {
    const cut = (l: string) => (l.length > columns - 3 ? `${l.slice(0, columns - 4)}…` : l);
    const head = `blobs ${this.finished}/${this.seen}  ${formatBytes(this.moved)} of ${formatBytes(this.total)}${this.started === undefined ? '' : pace(this.moved, this.total, this.started, now)}`;
    const bars = [...this.active.values()].slice(0, MAX_BARS).map((b) => {
      const frac = b.size > 0 ? Math.min(1, b.bytes / b.size) : 1;
      const filled = Math.round(frac * BAR);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}`;
      return `  ${b.name}  ${bar} ${String(Math.floor(frac * 100)).padStart(3)}%  ${formatBytes(b.bytes)}/${formatBytes(b.size)}${pace(b.bytes, b.size, b.started, now)}`;
    });
    const more = this.active.size > MAX_BARS ? [`  … and ${this.active.size - MAX_BARS} more`] : [];
    return [head, ...bars, ...more].map(cut);
  }
}

/**
 * Starts the display on `stream` (a terminal). ora loads here, only for a copy on a terminal.
 * Text updates are throttled to one per 100 ms; ora redraws on its own tick. `done()` clears it,
 * so only the results stay on screen.
 */
export async function barProgress(stream: NodeJS.WriteStream, now: () => number = Date.now): Promise<ProgressDisplay> {
  const { default: ora } = await import('ora');
  // Some pseudo-terminals report a width of 0, which ora divides by when it counts the lines to
  // clear (and then clears without end): assume 80 columns there.
  if (!(stream.columns > 0)) stream.columns = 80;
  const board = new BlobBoard();
  // stdin stays as it is: a copy reads nothing from it, and ora's discarding would put the
  // terminal in raw mode.
  // ora's own colour check ignores NO_COLOR: decide here.
  const spinner = ora({ stream, isEnabled: true, discardStdin: false, color: colorLevel(stream) > 0 ? 'cyan' : false, text: 'starting' }).start();
  let last = 0;
  const listener = (e: CopyEvent) => {
    if (!board.update(e, now())) return;
    const t = now();
    if (t - last < 100 && e.type !== 'blob-done') return;
    last = t;
    spinner.text = board.lines(t, stream.columns || 80).join('\n');
  };
  return { listener, done: () => { spinner.stop(); } };
}
