import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import type { Descriptor } from '../registry/manifest.js';
import { BlobReadSession } from './blob-reader.js';
import type { CopyRun, Destination } from './run.js';
import { tee } from './tee.js';

// Layers marked non-distributable (Windows base layers) live outside registries and are not
// copied, as docker and containerd do (OCI image-spec, "Non-distributable layers").
const NON_DISTRIBUTABLE = /nondistributable|\.foreign\./;

/** What happened (or, in a dry run, would happen) to one blob at one destination. */
export type BlobAction = 'skip' | 'mount' | 'copy';

/**
 * Copies one blob to several destinations with the cheapest strategy for each: skip where it is
 * already there (HEAD), mount where the source is another repository of the same registry,
 * and for the rest one read of the source, verified while it streams, written to all of them at
 * once. In a dry run nothing is mounted or sent and the actions are only predicted. Returns
 * one promise per destination, in order; a destination's failure does not fail the others.
 */
export function copyBlobToAll(run: CopyRun, desc: Descriptor, dests: Destination[]): Array<Promise<BlobAction>> {
  if (NON_DISTRIBUTABLE.test(desc.mediaType) || (desc.urls?.length ?? 0) > 0) {
    return dests.map((d) => Promise.resolve(skipped(run, desc, d)));
  }
  const decided = dests.map((d) => decide(run, desc, d));
  const transfer = Promise.allSettled(decided).then((states) => {
    const needing = dests.filter((_, i) => states[i]!.status === 'fulfilled' && (states[i] as PromiseFulfilledResult<string>).value === 'copy');
    if (needing.length === 0 || run.settings.dryRun) return new Map<Destination, unknown>();
    return run.blobs(run.src)(() => stream(run, desc, needing), desc.size);
  });
  return decided.map(async (p, i) => {
    const action = await p;
    if (action !== 'copy' || run.settings.dryRun) return action;
    const failures = await transfer;
    if (failures.has(dests[i]!)) throw failures.get(dests[i]!);
    return action;
  });
}

function skipped(run: CopyRun, desc: Descriptor, d: Destination): 'skip' {
  if (!run.settings.dryRun) {
    d.stats.blobsSkipped++;
    run.emit({ type: 'blob-skip', digest: desc.digest, size: desc.size, destination: d.name });
  }
  return 'skip';
}

/** Skip, mount or copy at one destination: a HEAD, then a mount attempt where it can work. */
async function decide(run: CopyRun, desc: Descriptor, d: Destination): Promise<BlobAction> {
  const repo = d.repository;
  const small = run.small(repo);
  if (!run.settings.dryRun && repo.awaitSharedBlob && (await repo.awaitSharedBlob(desc.digest))) return skipped(run, desc, d);
  if (await small(() => repo.hasBlob(desc.digest))) return skipped(run, desc, d);
  const mountable = repo.mountBlob !== undefined && (repo.canMountFrom?.(run.src) ?? true);
  if (run.settings.dryRun) return mountable && repo.canMountFrom !== undefined ? 'mount' : 'copy';
  if (mountable && (await small(() => repo.mountBlob!(desc.digest, run.src)))) {
    d.stats.blobsMounted++;
    run.emit({ type: 'blob-mount', digest: desc.digest, size: desc.size, destination: d.name, from: run.src.name });
    return 'mount';
  }
  return 'copy';
}

/**
 * One verified read of the source, teed to every destination that needs the blob. Resolves
 * when all uploads have settled, with the error of each destination that failed. A source
 * failure (digest mismatch, a download that cannot be resumed) is reported as itself, not as
 * the aborted uploads it causes.
 */
async function stream(run: CopyRun, desc: Descriptor, dests: Destination[]): Promise<Map<Destination, unknown>> {
  let reported = 0;
  const session = new BlobReadSession(run.src, desc, {
    onBytes: (bytes) => {
      // At most one event per MiB keeps listeners cheap on multi-GB layers.
      if (bytes - reported < 1 << 20 && bytes !== desc.size) return;
      reported = bytes;
      for (const d of dests) run.emit({ type: 'blob-progress', digest: desc.digest, size: desc.size, bytes, destination: d.name });
    },
    onResume: (offset) => {
      for (const d of dests) run.emit({ type: 'blob-resume', digest: desc.digest, size: desc.size, destination: d.name, side: 'download', offset });
    },
  });
  for (const d of dests) run.emit({ type: 'blob-start', digest: desc.digest, size: desc.size, destination: d.name });
  const main = session.stream();
  let sourceError: unknown;
  main.once('error', (e) => (sourceError ??= e));
  const branches = dests.length === 1 ? [main] : tee(main, dests.length);
  const settled = await Promise.allSettled(dests.map((d, i) => upload(run, desc, d, branches[i]!, session)));
  // Every upload is over; a source nobody started reading still holds a response open.
  main.destroy();
  const failures = new Map<Destination, unknown>();
  settled.forEach((s, i) => {
    const d = dests[i]!;
    if (s.status === 'rejected') {
      failures.set(d, sourceError ?? rootCause(s.reason));
      return;
    }
    d.stats.blobsCopied++;
    d.stats.bytesCopied += desc.size;
    run.emit({ type: 'blob-done', digest: desc.digest, size: desc.size, destination: d.name });
  });
  return failures;
}

async function upload(run: CopyRun, desc: Descriptor, d: Destination, body: Readable, session: BlobReadSession): Promise<void> {
  const repo = d.repository;
  try {
    if (repo.writeBlob) {
      await repo.writeBlob(desc, { stream: body, reopen: (offset) => session.reopen(offset) }, (offset) => {
        run.emit({ type: 'blob-resume', digest: desc.digest, size: desc.size, destination: d.name, side: 'upload', offset });
      });
    } else {
      await repo.putBlob(desc, () => body, false);
    }
  } finally {
    // A branch nobody reads any more would hold back the shared read for every other destination.
    body.destroy();
  }
}

/** The transport wraps a failed request body in a NETWORK error; the body's own verdict is the news. */
function rootCause(e: unknown): unknown {
  let found = e;
  for (let c: unknown = e; c; c = (c as { cause?: unknown }).cause) {
    if (c instanceof RegctlError && c.code !== 'NETWORK' && c.code !== 'TIMEOUT') found = c;
  }
  return found;
}
