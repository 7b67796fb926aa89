/**
 * Read access to the files of an OCI image layout, wherever they are: a directory, an indexed
 * tar archive, or staged writes layered over an archive. The layout reader sees only this.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { readBytes } from '../transport/read-body.js';
import type { TarIndex } from './tar-index.js';

/** Files of a layout by their path inside it (`index.json`, `blobs/sha256/<hex>`). */
export interface LayoutFiles {
  /** The file's size, or undefined when it does not exist. */
  size(path: string): Promise<number | undefined>;
  /** Reads a small file whole; TOO_LARGE past `limit`, NOT_FOUND when absent. */
  read(path: string, limit: number, what: string): Promise<Buffer>;
  /** Streams a file from `start`; NOT_FOUND when absent. */
  stream(path: string, start: number, what: string): Promise<{ stream: Readable; size: number }>;
}

function notFound(where: string, what: string): RegctlError {
  return new RegctlError('NOT_FOUND', `${where} has no ${what}`);
}

/** The files of a layout directory. */
export function dirFiles(root: string, where: string): LayoutFiles {
  const size = async (path: string) => {
    try {
      const s = await stat(join(root, path));
      return s.isFile() ? s.size : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw e;
    }
  };
  const stream = async (path: string, start: number, what: string) => {
    const n = await size(path);
    if (n === undefined) throw notFound(where, what);
    return { stream: createReadStream(join(root, path), { start }), size: n };
  };
  return {
    size,
    stream,
    async read(path, limit, what) {
      const { stream: s, size: n } = await stream(path, 0, what);
      if (n > limit) {
        s.destroy();
        throw new RegctlError('TOO_LARGE', `${what} in ${where} is ${n} bytes, over the ${limit}-byte limit`);
      }
      return readBytes(s, limit, `${what} in ${where}`);
    },
  };
}

/** The files of an indexed archive holding a layout at its root. */
export function tarFiles(tar: TarIndex): LayoutFiles {
  return {
    size: async (path) => tar.resolve(path)?.size,
    read: async (path, limit, what) => tar.read(path, limit, what),
    stream: async (path, start, what) => {
      const e = tar.file(path, what);
      return { stream: tar.stream(e, start), size: e.size };
    },
  };
}

/** `upper` where it has the file, else `lower`: staged writes over an archive being updated. */
export function overlayFiles(upper: LayoutFiles, lower: LayoutFiles): LayoutFiles {
  const pick = async (path: string) => ((await upper.size(path)) !== undefined ? upper : lower);
  return {
    size: async (path) => (await upper.size(path)) ?? lower.size(path),
    read: async (path, limit, what) => (await pick(path)).read(path, limit, what),
    stream: async (path, start, what) => (await pick(path)).stream(path, start, what),
  };
}

/** A layout with no files at all: an archive that does not exist yet. */
export function noFiles(where: string): LayoutFiles {
  return {
    size: async () => undefined,
    read: async (_path, _limit, what) => Promise.reject(notFound(where, what)),
    stream: async (_path, _start, what) => Promise.reject(notFound(where, what)),
  };
}
