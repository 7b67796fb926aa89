/**
 * Progress events a copy emits. The library never prints; the CLI turns these into progress
 * bars on a TTY or log lines elsewhere (DESIGN principle 7). Every event names the destination
 * it is about (`<host>/<repo>:<tag>` or `@<digest>`), so a fan-out copy can be told apart.
 */
export type CopyEvent =
  /** A blob starts streaming from the source to this destination. */
  | { type: 'blob-start'; digest: string; size: number; destination: string }
  /** Verified bytes of the blob read so far (at most one event per MiB, and one at the end). */
  | { type: 'blob-progress'; digest: string; bytes: number; size: number; destination: string }
  | { type: 'blob-done'; digest: string; size: number; destination: string }
  /** The destination already had the blob (or it is a non-distributable layer). */
  | { type: 'blob-skip'; digest: string; size: number; destination: string }
  /** The blob was mounted from another repository of the same registry. */
  | { type: 'blob-mount'; digest: string; size: number; destination: string; from: string }
  /**
   * A broken transfer continues at `offset`: `download` after the source connection broke
   * (HTTP Range), `upload` after the destination did (the offset it acknowledged; 0 when it kept
   * nothing and the upload starts over).
   */
  | { type: 'blob-resume'; digest: string; size: number; destination: string; side: 'download' | 'upload'; offset: number }
  | { type: 'manifest-put'; digest: string; reference: string; destination: string }
  /** The destination tag already pointed at the source digest: nothing was sent. */
  | { type: 'image-skip'; digest: string; destination: string };

/** Receives copy events. */
export type CopyListener = (event: CopyEvent) => void;
