/**
 * V8 settings for the CLI process, applied when this module is evaluated. bin/regctl.js loads
 * it before the rest of the CLI, so they take effect before any module has grown the heap.
 * They keep peak RSS bounded on long streaming copies. Measured on a 1 GiB single-layer copy
 * (docs/copy.md, "Memory"): peak RSS 110-130 MB without, about 82 MB with, same wall time.
 * Set later (in the copy command, or as main.ts's first import, which runs only after every
 * module of the CLI has been parsed), they miss much of the gain: the young generation has
 * grown by then.
 *
 * - `--liftoff-only`: undici parses HTTP with llhttp compiled to WebAssembly; V8's background
 *   tier-up of that module to optimised code briefly costs some 35 MB. Baseline code is fast
 *   enough for parsing headers; bodies are not parsed byte by byte.
 * - A fixed 1 MB young generation: every body chunk is a fresh buffer whose memory is released
 *   only when a scavenge collects its wrapper. With the default (growing up to 16 MB) dead
 *   buffers pile up to tens of MB between scavenges; a small young generation collects them
 *   often, at a cost that does not show next to network I/O.
 *
 * Only the CLI's entry point imports this; the library never changes V8 flags.
 */
import { setFlagsFromString } from 'node:v8';

for (const flag of ['--liftoff-only', '--semi-space-growth-factor=1', '--min-semi-space-size=1', '--max-semi-space-size=1']) {
  setFlagsFromString(flag);
}
