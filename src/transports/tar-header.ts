/**
 * Decoding of tar header blocks (POSIX ustar, GNU and PAX), for indexing an archive by offset.
 * tar-stream only parses sequentially and does not expose where an entry's data starts, and its
 * header codec is not exported, so the index reader decodes headers itself (see tar-index.ts).
 */
import { RegctlError } from '../errors.js';

/** Size of a tar block: headers are one block, data is padded to whole blocks. */
export const BLOCK = 512;

/** What one header block says. `kind` folds the type flags regctl distinguishes. */
export interface RawHeader {
  name: string;
  linkname: string;
  size: number;
  kind: 'file' | 'directory' | 'symlink' | 'hardlink' | 'pax' | 'pax-global' | 'gnu-long-name' | 'gnu-long-link' | 'other';
  /** The raw type flag, for error messages about unsupported entries. */
  typeflag: string;
}

const KINDS: Record<string, RawHeader['kind']> = {
  '0': 'file', '\0': 'file', '7': 'file', '5': 'directory', '2': 'symlink', '1': 'hardlink',
  x: 'pax', g: 'pax-global', L: 'gnu-long-name', K: 'gnu-long-link',
};

function cString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

/** A numeric field: octal text, or GNU base-256 (high bit set) for values that do not fit. */
function numeric(buf: Buffer, start: number, len: number, what: string, offset: number): number {
  const field = buf.subarray(start, start + len);
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) throw corrupt(offset, `negative ${what}`);
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    if (!Number.isSafeInteger(n)) throw corrupt(offset, `${what} too large`);
    return n;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw corrupt(offset, `${what} field is not octal`);
  const n = parseInt(text, 8);
  if (!Number.isSafeInteger(n)) throw corrupt(offset, `${what} too large`);
  return n;
}

function corrupt(offset: number, why: string): RegctlError {
  return new RegctlError('INVALID_INPUT', `corrupt tar header at offset ${offset}: ${why}`);
}

/** True when the block is all zeros: the end-of-archive marker is two of them. */
export function isZeroBlock(block: Buffer): boolean {
  for (const b of block) if (b !== 0) return false;
  return true;
}

/**
 * Decodes one header block, verifying its checksum. `offset` is where the block sits in the
 * archive, for messages. The ustar `prefix` field is joined to the name; GNU headers reuse that
 * area for other data, so it is read only when the magic says POSIX ustar.
 */
export function decodeHeader(block: Buffer, offset: number): RawHeader {
  const stored = numeric(block, 148, 8, 'checksum', offset);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  // Some old tar implementations summed signed bytes; both sums are accepted, as GNU tar does.
  if (stored !== unsigned && stored !== signed) throw corrupt(offset, 'checksum mismatch');
  const typeflag = String.fromCharCode(block[156]!);
  let name = cString(block, 0, 100);
  const posix = block.toString('latin1', 257, 263) === 'ustar\0';
  if (posix) {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    linkname: cString(block, 157, 100),
    size: numeric(block, 124, 12, 'size', offset),
    kind: KINDS[typeflag] ?? 'other',
    typeflag,
  };
}

/** Parses PAX extended header records (`<len> <key>=<value>\n`). */
export function decodePax(data: Buffer, offset: number): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // padding some writers leave after the last record
    const space = data.indexOf(0x20, pos);
    const len = space < 0 ? NaN : Number(data.toString('latin1', pos, space));
    if (!Number.isSafeInteger(len) || len <= space - pos || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
      throw corrupt(offset, 'malformed PAX record');
    }
    const record = data.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw corrupt(offset, 'malformed PAX record');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}
