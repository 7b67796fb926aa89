import { describe, expect, it } from 'vitest';
import { RegctlError } from '../../src/errors.js';
import {
  assertDigest,
  createDigester,
  digestOf,
  digestProblem,
  isDigest,
  parseDigest,
  verifyContent,
} from '../../src/ref/digest.js';

// Published test vectors (FIPS 180-2 examples and the well-known empty-input hashes).
const SHA256_EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA256_ABC = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA512_ABC =
  'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';
const SHA512_EMPTY =
  'sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';

const abc = new TextEncoder().encode('abc');

function thrown(fn: () => unknown): RegctlError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RegctlError);
    return e as RegctlError;
  }
  throw new Error('expected a RegctlError, nothing was thrown');
}

describe('parseDigest', () => {
  it.each([
    [SHA256_ABC, 'sha256', SHA256_ABC.slice(7)],
    [SHA512_ABC, 'sha512', SHA512_ABC.slice(7)],
  ])('parses %s', (d, algorithm, hex) => {
    expect(parseDigest(d)).toEqual({ algorithm, hex });
    expect(isDigest(d)).toBe(true);
    expect(() => assertDigest(d)).not.toThrow();
  });

  it.each([
    ['', 'digest is empty'],
    ['abc', 'must have the form <algorithm>:<hex>'],
    [':abc', 'digest algorithm "" is malformed'],
    ['sha256:', 'must be 64 hex characters, got none'],
    [`sha256:${'a'.repeat(63)}`, 'sha256 digest must be 64 hex characters, got 63'],
    [`sha256:${'a'.repeat(128)}`, 'sha256 digest must be 64 hex characters, got 128'],
    [`sha512:${'a'.repeat(64)}`, 'sha512 digest must be 128 hex characters, got 64'],
    [`sha256:${'B'.repeat(64)}`, 'must use lowercase hex'],
    [`sha256:${'z'.repeat(64)}`, 'got non-hex characters'],
    [`sha256:${'a'.repeat(63)}\n`, 'got non-hex characters'],
    [`md5:${'a'.repeat(32)}`, 'unsupported digest algorithm "md5"'],
    [`sha384:${'a'.repeat(96)}`, 'unsupported digest algorithm "sha384"'],
    [`Sha256:${'a'.repeat(64)}`, 'digest algorithm "Sha256" is malformed'],
    [`sha256+b64u:${'a'.repeat(43)}`, 'unsupported digest algorithm "sha256+b64u"'],
  ])('rejects %j', (d, fragment) => {
    expect(isDigest(d)).toBe(false);
    expect(digestProblem(d)).toContain(fragment);
    const err = thrown(() => parseDigest(d));
    expect(err.code).toBe('INVALID_REFERENCE');
    expect(err.message).toContain(fragment);
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it('uses the code the caller asks for', () => {
    expect(thrown(() => parseDigest('nope', 'INVALID_INPUT')).code).toBe('INVALID_INPUT');
    expect(thrown(() => assertDigest('nope', 'INVALID_INPUT')).code).toBe('INVALID_INPUT');
  });
});

describe('digestOf / createDigester', () => {
  it.each([
    [new Uint8Array(0), 'sha256' as const, SHA256_EMPTY],
    [abc, 'sha256' as const, SHA256_ABC],
    [new Uint8Array(0), 'sha512' as const, SHA512_EMPTY],
    [abc, 'sha512' as const, SHA512_ABC],
  ])('digestOf(%o, %s)', (bytes, algorithm, expected) => {
    expect(digestOf(bytes, algorithm)).toBe(expected);
  });

  it('defaults to sha256', () => {
    expect(digestOf(abc)).toBe(SHA256_ABC);
    expect(createDigester().algorithm).toBe('sha256');
  });

  it.each(['sha256', 'sha512'] as const)('incremental %s equals one-shot for any chunking', (algorithm) => {
    const data = new Uint8Array(100_003).map((_, i) => (i * 31 + 7) & 0xff);
    for (const size of [1, 7, 4096, 65_536, data.length]) {
      const d = createDigester(algorithm);
      for (let off = 0; off < data.length; off += size) d.update(data.subarray(off, off + size));
      expect(d.digest()).toBe(digestOf(data, algorithm));
    }
  });

  it('refuses an algorithm smuggled past the types', () => {
    expect(thrown(() => digestOf(abc, 'md5' as never)).message).toContain('unsupported digest algorithm "md5"');
    expect(thrown(() => createDigester('sha1' as never)).code).toBe('INVALID_INPUT');
  });
});

describe('verifyContent', () => {
  it('accepts matching content for either algorithm', () => {
    expect(() => verifyContent(abc, SHA256_ABC)).not.toThrow();
    expect(() => verifyContent(abc, SHA512_ABC)).not.toThrow();
  });

  it('throws DIGEST_MISMATCH naming both digests', () => {
    const err = thrown(() => verifyContent(new TextEncoder().encode('abd'), SHA256_ABC, 'blob'));
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.message).toContain(`expected ${SHA256_ABC}`);
    expect(err.message).toMatch(/^blob has digest sha256:[0-9a-f]{64}/);
  });

  it('rejects a malformed expected digest as INVALID_INPUT', () => {
    expect(thrown(() => verifyContent(abc, 'sha256:xyz')).code).toBe('INVALID_INPUT');
  });
});
