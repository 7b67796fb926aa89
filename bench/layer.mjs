// Synthetic layers: a gzip member over a one-file tar of pseudo-random bytes. The tar and gzip
// framing make the media type `tar+gzip` true; the gzip uses stored (uncompressed) deflate
// blocks, so the bytes stay incompressible and generating them is as fast as AES. skopeo sniffs
// layer bytes and would recompress anything that does not look compressed (containers/image
// copy: DesiredLayerCompression of docker destinations), changing digests and making the
// comparison unfair; a real gzip header avoids that, and both tools copy the bytes as they are.
import { createCipheriv, createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

const CHUNK = 1 << 20;
const STORED_MAX = 65535; // deflate stored blocks carry at most 65535 bytes

/** A ustar header for one regular file `layer.bin` of `size` bytes, mtime 0. */
function tarHeader(size) {
  const h = Buffer.alloc(512);
  const field = (off, len, text) => h.write(text, off, len, 'ascii');
  field(0, 100, 'layer.bin');
  field(100, 8, '0000644\0');
  field(108, 8, '0000000\0');
  field(116, 8, '0000000\0');
  field(124, 12, `${size.toString(8).padStart(11, '0')}\0`);
  field(136, 12, '00000000000\0');
  field(156, 1, '0');
  field(257, 8, 'ustar\u000000');
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  let sum = 0;
  for (const b of h) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** The tar stream in pieces: header, `size` keystream bytes, padding and end-of-archive. */
function* tarPieces(seed, size) {
  yield tarHeader(size);
  // AES-256-CTR keystream under a key derived from the seed: deterministic, so the two passes
  // (digest first, then upload) produce the same bytes, and several GB/s.
  const key = createHash('sha256').update(`regctl-bench:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  for (let left = size; left > 0; left -= CHUNK) yield cipher.update(left >= CHUNK ? zeros : zeros.subarray(0, left));
  yield Buffer.alloc((512 - (size % 512)) % 512 + 1024);
}

/** Wraps `piece` in stored deflate blocks; `last` sets BFINAL on its last block. */
function storedBlocks(piece, last) {
  const blocks = Math.max(1, Math.ceil(piece.length / STORED_MAX));
  const out = Buffer.allocUnsafe(piece.length + 5 * blocks);
  let o = 0;
  for (let i = 0; i < blocks; i++) {
    const part = piece.subarray(i * STORED_MAX, (i + 1) * STORED_MAX);
    out[o] = last && i === blocks - 1 ? 1 : 0; // BFINAL bit, BTYPE 00 (stored)
    out.writeUInt16LE(part.length, o + 1);
    out.writeUInt16LE(~part.length & 0xffff, o + 3);
    part.copy(out, o + 5);
    o += 5 + part.length;
  }
  return out;
}

/**
 * The layer's bytes in chunks of about 1 MiB. `onTar` sees the uncompressed tar (for the
 * diff_id). Same seed and size, same bytes.
 * @param {string} seed @param {number} size payload bytes @param {(tar: Buffer) => void} [onTar]
 */
export function* layerChunks(seed, size, onTar) {
  yield Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]); // gzip, no flags, mtime 0, OS unknown
  let crc = 0;
  let tarSize = 0;
  let prev;
  for (const piece of tarPieces(seed, size)) {
    if (prev) yield storedBlocks(prev, false);
    onTar?.(piece);
    crc = crc32(piece, crc);
    tarSize += piece.length;
    prev = piece;
  }
  yield storedBlocks(prev, true);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(tarSize % 2 ** 32, 4);
  yield trailer;
}

/** One pass over the layer: its digest, size and diff_id (sha256 of the tar). */
export function describeLayer(seed, size) {
  const diff = createHash('sha256');
  const gz = createHash('sha256');
  let bytes = 0;
  for (const chunk of layerChunks(seed, size, (t) => diff.update(t))) {
    gz.update(chunk);
    bytes += chunk.length;
  }
  return { digest: `sha256:${gz.digest('hex')}`, size: bytes, diffId: `sha256:${diff.digest('hex')}` };
}
