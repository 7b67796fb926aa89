/**
 * Progress events a copy emits. The library never prints; the CLI turns these into progress
 * bars on a TTY or log lines elsewhere (DESIGN principle 7).
 */
export type CopyEvent =
  | { type: 'blob-start'; digest: string; size: number; destination: string }
  | { type: 'blob-progress'; digest: string; bytes: number; size: number; destination: string }
  | { type: 'blob-done'; digest: string; size: number; destination: string }
  | { type: 'blob-skip'; digest: string; size: number; destination: string }
  | { type: 'blob-mount'; digest: string; size: number; destination: string; from: string }
  | { type: 'manifest-put'; digest: string; reference: string; destination: string }
  | { type: 'image-skip'; digest: string; destination: string };

/** Receives copy events. */
export type CopyListener = (event: CopyEvent) => void;
