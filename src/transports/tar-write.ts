/**
 * Writing a tar archive with tar-stream, streamed and atomic: entries go to a temporary file
 * next to the destination, which is flushed and renamed over it only when every entry has been
 * written whole. A failure leaves no file behind, and never a half-written archive at `path`.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import tar from 'tar-stream';
import type { TarIndex } from './tar-index.js';

/** Adds entries to an archive being written; calls must not overlap (await each one). */
export interface TarWriter {
  /** A regular file of exactly `size` bytes from `source`. */
  file(name: string, size: number, source: Readable): Promise<void>;
  bytes(name: string, data: Buffer): Promise<void>;
  directory(name: string): Promise<void>;
  symlink(name: string, target: string): Promise<void>;
}

// A fixed mtime and owner make archives of the same content byte-identical (reproducible).
const EPOCH = new Date(0);
const base = { mtime: EPOCH, uid: 0, gid: 0 };

/** The temporary name a file being replaced is written under: hidden, unique, same directory. */
export function tempSibling(path: string, suffix = 'tmp'): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.${suffix}`);
}

/**
 * A new file (never an existing one: `wx`) that is flushed to disk before it reports `close`.
 * Path-based rather than FileHandle streams: a FileHandle's close() waits for streams that
 * were opened with autoClose off, which would hang the fsync-then-close sequence.
 */
export function createNewFile(path: string): WriteStream {
  return createWriteStream(path, { flags: 'wx', mode: 0o644, flush: true });
}

/** Waits until a file stream has finished and closed its descriptor. */
export async function closed(out: WriteStream): Promise<void> {
  // Wait for 'close' even when `finished` rejects: a stream destroyed while its file was still
  // being opened creates the file afterwards, and an unlink that ran before that left a stray
  // temporary file in the layout (found by the fault suite, docs/reliability.md).
  const gone = out.closed ? undefined : new Promise<void>((resolve) => out.once('close', () => resolve()));
  try {
    await finished(out);
  } finally {
    await gone;
  }
}

/** Writes the archive `fill` describes to `path`; see the file comment. */
export async function writeTarAtomic(path: string, fill: (w: TarWriter) => Promise<void>): Promise<void> {
  const tmp = tempSibling(path);
  const out = createNewFile(tmp);
  const pack = tar.pack();
  const written = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.on('error', reject);
    pack.on('error', reject);
  });
  written.catch(() => undefined); // observed below; avoids an unhandled rejection meanwhile
  pack.pipe(out);

  const entry = (header: Partial<tar.Header> & { name: string }, source?: Readable | Buffer) => new Promise<void>((resolve, reject) => {
    written.catch(reject); // a dead output stream must not leave the entry waiting forever
    const sink = Buffer.isBuffer(source)
      ? pack.entry({ ...base, ...header }, source, (err) => (err ? reject(err) : resolve()))
      : pack.entry({ ...base, ...header }, (err) => (err ? reject(err) : resolve()));
    // The entry's callback reports the sink's failure (a size mismatch, say); the listener only
    // keeps an 'error' event without other listeners from becoming an uncaught exception.
    sink.on('error', reject);
    if (source && !Buffer.isBuffer(source)) {
      source.on('error', (e) => {
        sink.destroy(e);
        reject(e);
      });
      source.pipe(sink);
    }
  });
  const writer: TarWriter = {
    file: (name, size, source) => entry({ name, size, type: 'file', mode: 0o644 }, source),
    bytes: (name, data) => entry({ name, type: 'file', mode: 0o644 }, data),
    directory: (name) => entry({ name, type: 'directory', mode: 0o755 }),
    symlink: (name, target) => entry({ name, type: 'symlink', linkname: target, mode: 0o777 }),
  };
  try {
    await fill(writer);
    pack.finalize();
    await written;
    await closed(out);
    await rename(tmp, path);
  } catch (e) {
    pack.destroy();
    out.destroy();
    await closed(out).catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/**
 * Copies the entries of an indexed archive into one being written, in their order, except those
 * `skip` names; returns the paths written. Symlinks stay symlinks; a hard link is written as the
 * file it names, which every reader understands.
 */
export async function copyEntries(w: TarWriter, from: TarIndex, skip: (path: string) => boolean): Promise<Set<string>> {
  const written = new Set<string>();
  for (const e of from.entries.values()) {
    if (skip(e.path)) continue;
    if (e.kind === 'directory') await w.directory(e.path);
    else if (e.kind === 'symlink') await w.symlink(e.path, posix.relative(posix.dirname(e.path), e.target!));
    else {
      const file = from.file(e.path, 'linked file');
      await w.file(e.path, file.size, from.stream(file));
    }
    written.add(e.path);
  }
  return written;
}
