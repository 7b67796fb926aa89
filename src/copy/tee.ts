import { Readable } from 'node:stream';

/** Bytes a branch may hold that its consumer has not taken yet. */
export const DEFAULT_TEE_BUFFER = 1 << 20;

/**
 * Splits one stream into `count` branches that each see every byte, reading the source once.
 * Backpressure: the next chunk is read only when every live branch holds less than
 * `bufferBytes`, so a slow consumer slows the others only once its own buffer is full, and
 * memory stays at most `count * (bufferBytes + one chunk)`. A destroyed branch drops out (one
 * failed destination does not stop the rest); when none is left the source is destroyed. A
 * source error reaches every live branch.
 */
export function tee(source: Readable, count: number, bufferBytes = DEFAULT_TEE_BUFFER): Readable[] {
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let started = false;
  const branches: Readable[] = Array.from({ length: count }, () => new Readable({
    highWaterMark: bufferBytes,
    read() {
      if (!started) {
        started = true;
        void pump();
      }
      poke();
    },
    destroy(err, cb) {
      poke();
      cb(err);
    },
  }));
  // A branch whose consumer has not attached yet (an OCI layout still creating its directory)
  // must not turn a source error into an uncaught exception; a consumer that attaches later
  // still sees the error, since the branch stays errored (found by the fault suite,
  // docs/reliability.md).
  for (const b of branches) b.on('error', () => undefined);
  const live = () => branches.filter((b) => !b.destroyed);

  async function pump(): Promise<void> {
    const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      for (;;) {
        const alive = live();
        if (alive.length === 0) {
          source.destroy();
          return;
        }
        if (alive.some((b) => b.readableLength >= bufferBytes)) {
          // Checked and armed in one synchronous step, so no wake-up can slip in between.
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const next = await it.next();
        if (next.done) {
          for (const b of live()) b.push(null);
          return;
        }
        for (const b of live()) b.push(next.value);
      }
    } catch (e) {
      for (const b of live()) b.destroy(e as Error);
    }
  }
  return branches;
}
