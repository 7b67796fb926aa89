import type { CopyEvent, CopyListener } from '../copy/events.js';
import { formatBytes } from './format.js';

/** A progress display: feed it events, call `done()` before printing results. */
export interface ProgressDisplay {
  listener: CopyListener;
  done(): void;
}

/**
 * One stderr line per blob event, for logs (stderr not a terminal, or CI): what was copied,
 * mounted, skipped or resumed, and each manifest pushed. Plain text, no control codes, so a
 * piped or CI log reads line by line (issue 7).
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
