/**
 * Deterministic bytes for image fixtures: seeded pseudo-random content and a minimal ustar
 * archive, so layers are honest `tar` (+gzip) blobs with correct diff_ids.
 */
import { createHash } from 'node:crypto';

/** `size` pseudo-random bytes derived from `seed` (SHA-256 in counter mode). */
export function seededBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0, n = 0; off < size; n++) {
    off += createHash('sha256').update(`${seed}#${n}`).digest().copy(out, off);
  }
  return out;
}

/** `sha256:<hex>` of the bytes. */
export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A POSIX ustar archive holding one regular file (mode 0644, mtime 0, owner 0:0). */
export function tarOneFile(name: string, content: Buffer): Buffer {
  if (Buffer.byteLength(name) > 99) throw new Error('tar name too long for the ustar name field');
  const header = Buffer.alloc(512);
  const put = (off: number, len: number, value: string) => header.write(value, off, len, 'ascii');
  const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';
  put(0, 100, name);
  put(100, 8, octal(0o644, 8));
  put(108, 8, octal(0, 8));
  put(116, 8, octal(0, 8));
  put(124, 12, octal(content.length, 12));
  put(136, 12, octal(0, 12));
  put(148, 8, '        '); // checksum is computed with its own field as spaces
  put(156, 1, '0');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  let sum = 0;
  for (const b of header) sum += b;
  put(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  const pad = (512 - (content.length % 512)) % 512;
  return Buffer.concat([header, content, Buffer.alloc(pad), Buffer.alloc(1024)]);
}
