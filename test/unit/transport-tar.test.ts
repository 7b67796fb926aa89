/**
 * Tar reading and writing for the local transports: header decoding (ustar, GNU, PAX), the
 * offset index and its refusals (paths out of the archive, truncation, huge sizes, odd entry
 * types), and the atomic writer. Archives are crafted byte by byte where a hostile header is
 * needed, with GNU tar as an independent reader and writer.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegctlError } from '../../src/errors.js';
import { readBytes } from '../../src/transport/read-body.js';
import { decodeHeader, decodePax } from '../../src/transports/tar-header.js';
import { TarIndex } from '../../src/transports/tar-index.js';
import { entryPath, hardlinkTarget, symlinkTarget } from '../../src/transports/tar-path.js';
import { writeTarAtomic } from '../../src/transports/tar-write.js';

interface Raw {
  name: string;
  type?: string;
  size?: number;
  /** Data actually stored; defaults to `size` bytes of 'x'. */
  data?: Buffer;
  linkname?: string;
  /** Replaces the octal size field (e.g. base-256 bytes). */
  sizeField?: Buffer;
  gnu?: boolean;
}

/** One header (+ data, padded), with a correct checksum unless `badSum`. */
function rawEntry(e: Raw, badSum = false): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  const size = e.size ?? e.data?.length ?? 0;
  if (e.sizeField) e.sizeField.copy(h, 124);
  else h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
  h.write('00000000000\0', 136, 'ascii');
  h.write(e.type ?? '0', 156, 'ascii');
  if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
  h.write(e.gnu ? 'ustar  \0' : 'ustar\u000000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write((sum + (badSum ? 1 : 0)).toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  const data = e.data ?? Buffer.alloc(e.sizeField ? 0 : size, 'x');
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

const END = Buffer.alloc(1024);
const tarOf = (...entries: Raw[]) => Buffer.concat([...entries.map((e) => rawEntry(e)), END]);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regctl-tar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function indexOf(bytes: Buffer): Promise<TarIndex> {
  const path = join(dir, `t${n++}.tar`);
  await writeFile(path, bytes);
  return TarIndex.open(path);
}

async function refusal(bytes: Buffer): Promise<{ code: string; message: string }> {
  try {
    (await indexOf(bytes)).close();
  } catch (e) {
    if (isRegctlError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('archive was accepted');
}

describe('entry names', () => {
  it.each([
    ['index.json', 'index.json'],
    ['./index.json', 'index.json'],
    ['blobs//sha256/./ab', 'blobs/sha256/ab'],
    ['blobs/', 'blobs'],
    ['./', ''],
  ])('normalises %j to %j', (name, want) => {
    expect(entryPath(name, 'a.tar')).toBe(want);
  });

  it.each(['../x', 'a/../../x', 'a/../b', '/etc/passwd'])('refuses %j', (name) => {
    expect(() => entryPath(name, 'a.tar')).toThrow(/refusing archive a\.tar/);
  });

  it('resolves symlinks relative to their directory and refuses escapes', () => {
    expect(symlinkTarget('a/b/layer.tar', '../c/layer.tar', 'x')).toBe('a/c/layer.tar');
    expect(symlinkTarget('id/layer.tar', '../blob.tar', 'x')).toBe('blob.tar');
    expect(() => symlinkTarget('id/layer.tar', '../../etc/passwd', 'x')).toThrow(/leaves the archive/);
    expect(() => symlinkTarget('id/layer.tar', '/etc/passwd', 'x')).toThrow(/absolute/);
    expect(hardlinkTarget('a/b', './c/d', 'x')).toBe('c/d');
    expect(() => hardlinkTarget('a/b', '../d', 'x')).toThrow(/leaves the archive/);
  });
});

describe('header decoding', () => {
  it('reads ustar fields, the prefix, and refuses a bad checksum', () => {
    const h = rawEntry({ name: 'file', size: 5 }).subarray(0, 512);
    expect(decodeHeader(h, 0)).toEqual({ name: 'file', linkname: '', size: 5, kind: 'file', typeflag: '0' });
    const prefixed = Buffer.from(h);
    prefixed.write('some/dir', 345, 'utf8');
    let sum = 0;
    prefixed.fill(0x20, 148, 156);
    for (const b of prefixed) sum += b;
    prefixed.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    expect(decodeHeader(prefixed, 0).name).toBe('some/dir/file');
    expect(() => decodeHeader(rawEntry({ name: 'x' }, true).subarray(0, 512), 1024)).toThrow(/offset 1024: checksum mismatch/);
  });

  it('reads GNU base-256 sizes', () => {
    const field = Buffer.alloc(12);
    field[0] = 0x80;
    field.writeUIntBE(8 * 1024 ** 3 + 1, 6, 6); // 8 GiB + 1 does not fit 11 octal digits
    expect(decodeHeader(rawEntry({ name: 'big', sizeField: field }).subarray(0, 512), 0).size).toBe(8 * 1024 ** 3 + 1);
  });

  it('parses PAX records and refuses malformed ones', () => {
    const rec = (k: string, v: string) => {
      const body = ` ${k}=${v}\n`;
      let len = body.length + 1;
      if (String(len).length + body.length !== len) len = String(len + 1).length + body.length;
      return `${len}${body}`;
    };
    expect(decodePax(Buffer.from(rec('path', 'a/b') + rec('size', '12')), 0)).toEqual({ path: 'a/b', size: '12' });
    expect(() => decodePax(Buffer.from('99 path=x\n'), 0)).toThrow(/malformed PAX/);
  });
});

describe('TarIndex', () => {
  it('indexes what GNU tar writes (long names both ways) and streams entries by offset', async () => {
    const src = join(dir, 'gnu-src');
    const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(70)}`;
    await mkdir(join(src, long.split('/').slice(0, 2).join('/')), { recursive: true });
    const content = Buffer.alloc(70_000, 'q');
    await writeFile(join(src, long), content);
    await writeFile(join(src, 'small'), 'hello');
    await symlink(long, join(src, 'link'));
    for (const format of ['gnu', 'pax', 'ustar']) {
      const out = join(dir, `gnu-${format}.tar`);
      // ustar cannot hold a 190-character path: that format gets the short entries only.
      const names = format === 'ustar' ? ['small'] : ['small', long, 'link'];
      execFileSync('tar', [`--format=${format}`, '-cf', out, '-C', src, ...names]);
      const t = await TarIndex.open(out);
      try {
        expect((await t.read('small', 100, 'small')).toString()).toBe('hello');
        if (format !== 'ustar') {
          expect(t.entries.get('link')).toMatchObject({ kind: 'symlink', target: long });
          expect((await readBytes(t.stream(t.resolve('link')!), 1e6)).equals(content)).toBe(true);
          expect((await readBytes(t.stream(t.resolve(long)!, 69_990), 1e6)).toString()).toBe('q'.repeat(10));
        }
      } finally {
        await t.close();
      }
    }
  });

  it('follows hard links and symlink chains inside the archive', async () => {
    const t = await indexOf(tarOf(
      { name: 'a/real', data: Buffer.from('data') },
      { name: 'a/hard', type: '1', linkname: 'a/real' },
      { name: 'b/sym', type: '2', linkname: '../a/hard' },
    ));
    try {
      expect((await t.read('b/sym', 10, 'x')).toString()).toBe('data');
    } finally {
      await t.close();
    }
  });

  it.each([
    ['a ".." entry', () => tarOf({ name: '../escape', data: Buffer.from('x') }), /contains "\.\."/],
    ['an absolute entry', () => tarOf({ name: '/etc/cron.d/x', data: Buffer.from('x') }), /absolute path/],
    ['a symlink out of the archive', () => tarOf({ name: 'blobs/sha256/aa', type: '2', linkname: '../../../etc/passwd' }), /leaves the archive/],
    ['an absolute symlink', () => tarOf({ name: 'layer.tar', type: '2', linkname: '/etc/passwd' }), /is absolute/],
    ['a hard link out of the archive', () => tarOf({ name: 'x', type: '1', linkname: '../outside' }), /leaves the archive/],
    ['two entries with one name', () => tarOf({ name: 'index.json', data: Buffer.from('{}') }, { name: './index.json', data: Buffer.from('[]') }), /two entries are named "index.json"/],
    ['a device', () => tarOf({ name: 'dev/sda', type: '4' }), /unsupported type "4"/],
    ['a FIFO', () => tarOf({ name: 'fifo', type: '6' }), /unsupported type "6"/],
    ['a corrupt header', () => Buffer.concat([rawEntry({ name: 'a', data: Buffer.from('x') }), rawEntry({ name: 'b' }, true), END]), /checksum mismatch/],
  ])('refuses %s', async (_what, make, message) => {
    expect((await refusal(make())).message).toMatch(message);
  });

  it('refuses a huge declared size instead of trusting it', async () => {
    const r = await refusal(tarOf({ name: 'big', sizeField: Buffer.from('77777777777\0') }));
    expect(r).toMatchObject({ code: 'INVALID_INPUT' });
    expect(r.message).toMatch(/truncated: entry "big" declares 8589934591 bytes but only 1024 remain/);
  });

  it('refuses truncated archives: mid-data, mid-header and at a block boundary', async () => {
    const whole = tarOf({ name: 'a', data: Buffer.alloc(2000, 1) }, { name: 'b', data: Buffer.alloc(10, 2) });
    for (const cut of [1000, 2560 + 100, 2560 + 512, 2560 + 1024]) {
      const r = await refusal(whole.subarray(0, cut));
      expect(r.message, `cut at ${cut}`).toMatch(/is truncated/);
    }
    // The intact archive is fine, including with just one of the two end blocks.
    (await indexOf(whole)).close();
    (await indexOf(whole.subarray(0, whole.length - 512))).close();
  });

  it('says what is wrong with something that is not a plain tar', async () => {
    expect((await refusal(gzipSync(tarOf({ name: 'a', data: Buffer.from('x') }))))).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/gzip-compressed/) });
    expect((await refusal(Buffer.from('{"not": "a tar"}'.padEnd(600, ' '))))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/is not a tar archive/) });
    expect((await refusal(Buffer.alloc(0))).message).toMatch(/no end-of-archive marker/);
  });

  it('keeps reading the archive it opened when the file is replaced', async () => {
    const path = join(dir, 'replaced.tar');
    await writeFile(path, tarOf({ name: 'a', data: Buffer.from('old content') }));
    const t = await TarIndex.open(path);
    try {
      await rm(path);
      await writeFile(path, tarOf({ name: 'a', data: Buffer.from('new content') }));
      expect((await t.read('a', 100, 'a')).toString()).toBe('old content');
    } finally {
      await t.close();
    }
  });

  it('ends a stream early, rather than inventing bytes, when the file shrinks under it', async () => {
    const path = join(dir, 'shrinks.tar');
    await writeFile(path, tarOf({ name: 'a', data: Buffer.alloc(100_000, 7) }));
    const t = await TarIndex.open(path);
    try {
      await truncate(path, 50_000);
      expect((await readBytes(t.stream(t.resolve('a')!), 1e6)).length).toBeLessThan(100_000);
    } finally {
      await t.close();
    }
  });
});

describe('writeTarAtomic', () => {
  it('writes an archive GNU tar reads back, with fixed timestamps and owners', async () => {
    const path = join(dir, 'written.tar');
    const big = Buffer.alloc(300_000, 9);
    const name512 = `blobs/sha512/${'a'.repeat(128)}`;
    await writeTarAtomic(path, async (w) => {
      await w.directory('blobs');
      await w.bytes('index.json', Buffer.from('{}'));
      await w.file('blobs/big', big.length, Readable.from([big.subarray(0, 1000), big.subarray(1000)]));
      await w.symlink('link', 'blobs/big');
      await w.bytes(name512, Buffer.from('long name'));
    });
    const listing = execFileSync('tar', ['-tvf', path], { encoding: 'utf8' });
    expect(listing).toContain(name512);
    expect(listing).toMatch(/link -> blobs\/big/);
    expect(listing).toMatch(/0\/0 .* 1970-01-01/);
    expect(execFileSync('tar', ['-xOf', path, 'blobs/big']).equals(big)).toBe(true);
    expect((await readdir(dir)).filter((f) => f.startsWith('.written'))).toEqual([]);
  });

  it('leaves neither the file nor a temporary one when an entry fails', async () => {
    const path = join(dir, 'failed.tar');
    await writeFile(path, 'previous');
    const failing = new Readable({ read() { this.destroy(new Error('source broke')); } });
    await expect(writeTarAtomic(path, async (w) => {
      await w.bytes('a', Buffer.from('x'));
      await w.file('b', 10, failing);
    })).rejects.toThrow('source broke');
    expect(await readFile(path, 'utf8')).toBe('previous');
    expect((await readdir(dir)).filter((f) => f.startsWith('.failed'))).toEqual([]);
  });

  it('fails on a source shorter than the size it declared', async () => {
    const path = join(dir, 'short.tar');
    await expect(writeTarAtomic(path, (w) => w.file('a', 10, Readable.from([Buffer.from('12345')])))).rejects.toThrow(/Size mismatch/);
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
  });
});
