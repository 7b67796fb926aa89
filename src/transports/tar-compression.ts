/**
 * Compression of tars (archives and layers) as docker handles it: by sniffing the first bytes,
 * not by trusting a media type or a file name. `docker save` writes uncompressed layer tars,
 * but archives from other tools (and gzip layers arriving from a registry) may be compressed;
 * docker archives need the plain tar both ways.
 */
import { Readable, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';
import { RegctlError } from '../errors.js';

/** What a stream starts with. */
export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

const MAGIC: Array<[Compression, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];
const SNIFF_BYTES = 6;

/** The compression `head` (the first bytes of a stream) announces. */
export function sniffCompression(head: Buffer): Compression {
  for (const [kind, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return kind;
  return 'none';
}

/**
 * Reads the first bytes of `source` and returns them with a stream of the whole content again
 * (head first). An async iterator rather than unshift(), which fails once a short stream ended.
 */
async function peek(source: Readable): Promise<{ head: Buffer; whole: Readable }> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let have = 0;
  let ended = false;
  while (have < SNIFF_BYTES) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    chunks.push(r.value);
    have += r.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let r = ended ? undefined : await it.next(); r && !r.done; r = await it.next()) yield r.value;
  }
  return { head, whole: Readable.from(all(), { objectMode: false }) };
}

function decompressor(kind: Compression, what: string): NodeJS.ReadWriteStream {
  if (kind === 'gzip') return zlib.createGunzip();
  // Node 22.15 and 23.8 added zstd to zlib; on older Node such layers cannot be unpacked.
  const zstd = (zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream }).createZstdDecompress;
  if (kind === 'zstd' && zstd) return zstd();
  throw new RegctlError('UNSUPPORTED', `${what} is ${kind}-compressed, which regctl cannot decompress${kind === 'zstd' ? ' on this Node.js version (zstd needs Node 22.15 or later)' : ''}`);
}

/**
 * The uncompressed bytes of `source`, whatever it is compressed with. Errors on either side
 * reach the returned stream; backpressure is preserved, so memory stays bounded.
 */
export async function decompressed(source: Readable, what: string): Promise<{ stream: Readable; compression: Compression }> {
  const { head, whole } = await peek(source);
  const compression = sniffCompression(head);
  if (compression === 'none') return { stream: whole, compression };
  let inflate: NodeJS.ReadWriteStream;
  try {
    inflate = decompressor(compression, what);
  } catch (e) {
    whole.destroy();
    source.destroy();
    throw e;
  }
  pipeline(whole, inflate, () => undefined); // the callback form destroys both on error
  return { stream: inflate as unknown as Readable, compression };
}
