/**
 * Random access to a tar archive without extracting it.
 *
 * Image archives are read out of order: the manifest that says which layers exist usually comes
 * after them. Instead of buffering or spilling entries to disk, regctl reads the archive once,
 * header by header (seeking over the data), and records where each entry's data starts. Entries
 * are then streamed straight from the file by offset. Memory is bounded by the number of
 * entries, never by their size, and nothing is ever written anywhere.
 *
 * The archive is held open through one file handle, so replacing the file (regctl writing a new
 * version of the same archive) does not disturb readers of the old one.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { quote } from '../ref/quote.js';
import { readBytes } from '../transport/read-body.js';
import { sniffCompression } from './tar-compression.js';
import { BLOCK, decodeHeader, decodePax, isZeroBlock } from './tar-header.js';
import { entryPath, hardlinkTarget, symlinkTarget } from './tar-path.js';

/** One indexed entry. `offset` is where its data starts in the archive file. */
export interface TarEntry {
  path: string;
  kind: 'file' | 'directory' | 'symlink' | 'hardlink';
  offset: number;
  size: number;
  /** For links: the archive path they point at. */
  target?: string;
}

/** Caps that keep a hostile archive from exhausting memory while it is indexed. */
const MAX_ENTRIES = 200_000;
const MAX_META_BYTES = 1 << 20; // one PAX header or GNU long name
const MAX_LINK_HOPS = 16;
/** Read size for streaming entries. */
const CHUNK = 256 * 1024;

const pad = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

function truncated(archive: string, why: string): RegctlError {
  return new RegctlError('INVALID_INPUT', `archive ${archive} is truncated: ${why}`, {
    hint: 'the file is incomplete; copy or download it again',
  });
}

/** An archive indexed for random access; {@link TarIndex.close} releases the file. */
export class TarIndex {
  private constructor(
    /** The archive's path, for messages. */
    readonly archive: string,
    private readonly fh: FileHandle,
    /** Entries by normalised path, in archive order. */
    readonly entries: ReadonlyMap<string, TarEntry>,
  ) {}

  /** Opens and indexes `path`. Throws INVALID_INPUT for a malformed, truncated or hostile archive. */
  static async open(path: string): Promise<TarIndex> {
    const fh = await open(path, 'r');
    try {
      return new TarIndex(path, fh, await indexEntries(fh, path));
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** The regular file `path` names, following links inside the archive; undefined when absent. */
  resolve(path: string): TarEntry | undefined {
    let e = this.entries.get(path);
    for (let hops = 0; e && (e.kind === 'symlink' || e.kind === 'hardlink'); hops++) {
      if (hops >= MAX_LINK_HOPS) throw new RegctlError('INVALID_INPUT', `archive ${this.archive}: too many links resolving ${quote(path)}`);
      e = this.entries.get(e.target!);
    }
    return e?.kind === 'file' ? e : undefined;
  }

  /** The regular file `path` names; throws NOT_FOUND naming `what` when there is none. */
  file(path: string, what: string): TarEntry {
    const e = this.resolve(path);
    if (!e) throw new RegctlError('NOT_FOUND', `archive ${this.archive} has no ${what} (${quote(path)})`);
    return e;
  }

  /**
   * Streams a file's data, from `start` bytes in, by positional reads on the shared handle.
   * (FileHandle.createReadStream would do, but the handle's close() then waits for streams a
   * consumer abandoned half-read.) Ends early, which verifiers see, if the file has shrunk.
   */
  stream(entry: TarEntry, start = 0): Readable {
    let pos = entry.offset + Math.min(start, entry.size);
    const end = entry.offset + entry.size;
    const fh = this.fh;
    return new Readable({
      highWaterMark: CHUNK,
      read() {
        const n = Math.min(CHUNK, end - pos);
        if (n <= 0) return void this.push(null);
        fh.read(Buffer.allocUnsafe(n), 0, n, pos).then(({ bytesRead, buffer }) => {
          pos += bytesRead;
          if (bytesRead === 0) this.push(null);
          else this.push(buffer.subarray(0, bytesRead));
        }, (e: unknown) => this.destroy(e as Error));
      },
    });
  }

  /** Reads a small file whole; TOO_LARGE past `limit` bytes. */
  async read(path: string, limit: number, what: string): Promise<Buffer> {
    const e = this.file(path, what);
    if (e.size > limit) throw new RegctlError('TOO_LARGE', `${what} in ${this.archive} is ${e.size} bytes, over the ${limit}-byte limit`);
    return readBytes(this.stream(e), limit, `${what} in ${this.archive}`);
  }

  /** Releases the file handle. */
  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return bytesRead === length ? buf : buf.subarray(0, bytesRead);
}

/** One pass over the headers; see the file comment. */
async function indexEntries(fh: FileHandle, archive: string): Promise<Map<string, TarEntry>> {
  const fileSize = (await fh.stat()).size;
  const entries = new Map<string, TarEntry>();
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let pos = 0;
  checkNotCompressed(await readAt(fh, 0, Math.min(BLOCK, fileSize)), archive);
  for (;;) {
    // A tar ends with zero blocks; a file that just stops, even on a block boundary, was cut short.
    if (pos + BLOCK > fileSize) throw truncated(archive, pos === fileSize ? 'no end-of-archive marker' : `ends inside the header at offset ${pos}`);
    const block = await readAt(fh, pos, BLOCK);
    if (isZeroBlock(block)) break;
    const h = pos === 0 ? firstHeader(block, archive) : decodeHeader(block, pos);
    const dataStart = pos + BLOCK;
    const meta = h.kind === 'pax' || h.kind === 'pax-global' || h.kind === 'gnu-long-name' || h.kind === 'gnu-long-link';
    const size = !meta && pax.size !== undefined ? Number(pax.size) : h.size;
    if (!Number.isSafeInteger(size) || size < 0) throw new RegctlError('INVALID_INPUT', `corrupt tar header at offset ${pos}: bad size`);
    if (dataStart + size > fileSize) {
      throw truncated(archive, `entry ${quote(h.name)} declares ${size} bytes but only ${Math.max(0, fileSize - dataStart)} remain`);
    }
    if (meta) {
      if (size > MAX_META_BYTES) throw new RegctlError('TOO_LARGE', `archive ${archive}: extended header at offset ${pos} is ${size} bytes`);
      const data = await readAt(fh, dataStart, size);
      if (h.kind === 'pax') pax = decodePax(data, pos);
      else if (h.kind === 'gnu-long-name') longName = data.toString('utf8').replace(/\0.*$/s, '');
      else if (h.kind === 'gnu-long-link') longLink = data.toString('utf8').replace(/\0.*$/s, '');
    } else {
      if (h.kind === 'other') {
        throw new RegctlError('INVALID_INPUT', `archive ${archive}: entry ${quote(h.name)} has unsupported type ${quote(h.typeflag)} (devices, FIFOs and sparse files do not belong in an image archive)`);
      }
      const name = pax.path ?? longName ?? h.name;
      const link = pax.linkpath ?? longLink ?? h.linkname;
      pax = {};
      longName = longLink = undefined;
      const path = entryPath(name, archive);
      if (path !== '') addEntry(entries, archive, {
        path, kind: h.kind as TarEntry['kind'], offset: dataStart, size: h.kind === 'file' ? size : 0,
        ...(h.kind === 'symlink' && { target: symlinkTarget(path, link, archive) }),
        ...(h.kind === 'hardlink' && { target: hardlinkTarget(path, link, archive) }),
      });
    }
    pos = dataStart + pad(size);
  }
  return entries;
}

function firstHeader(block: Buffer, archive: string) {
  try {
    return decodeHeader(block, 0);
  } catch (e) {
    throw new RegctlError('INVALID_INPUT', `${archive} is not a tar archive (${(e as Error).message})`);
  }
}

const UNPACK: Record<string, string> = { gzip: 'gunzip', zstd: 'unzstd', bzip2: 'bunzip2', xz: 'unxz' };

// Offsets only exist in an uncompressed tar; `docker save | gzip` output has to be unpacked first.
function checkNotCompressed(first: Buffer, archive: string): void {
  const kind = sniffCompression(first);
  if (kind !== 'none') {
    throw new RegctlError('UNSUPPORTED', `archive ${archive} is ${kind}-compressed; regctl reads plain tar archives`, {
      hint: `decompress it first (e.g. ${UNPACK[kind]} -k ${archive})`,
    });
  }
}

function addEntry(entries: Map<string, TarEntry>, archive: string, e: TarEntry): void {
  const prev = entries.get(e.path);
  if (prev) {
    if (prev.kind === 'directory' && e.kind === 'directory') return;
    // Later entries shadow earlier ones when tar extracts; readers disagree on which one counts,
    // so an archive that relies on it is refused rather than read one way or the other.
    throw new RegctlError('INVALID_INPUT', `refusing archive ${archive}: two entries are named ${quote(e.path)}`);
  }
  if (entries.size >= MAX_ENTRIES) throw new RegctlError('TOO_LARGE', `archive ${archive} has more than ${MAX_ENTRIES} entries`);
  entries.set(e.path, e);
}
