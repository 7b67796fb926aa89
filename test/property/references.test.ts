/**
 * Property tests for reference parsing (src/ref, src/transports/open.ts): any input either
 * parses or fails with INVALID_REFERENCE (or UNSUPPORTED for foreign transports), and what
 * parses prints back to a reference that parses to the same thing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatReference, parseReference, parseRepository, isRegistryName, parseRegistry, quote } from '../../src/ref/index.js';
import { parseTransportReference } from '../../src/transports/open.js';
import { anyString, params, syntaxString, typedOnly } from './support.js';

const REF_CHARS = 'abcAZ09._-:/@[]sha256:ef+ \t\u0000\u001b\u202e';

const component = fc.stringMatching(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/).filter((s) => s.length <= 30);
const host = fc.oneof(
  fc.constantFrom('docker.io', 'ghcr.io', 'localhost', 'localhost:5000', '127.0.0.1:5000', '[::1]:5000', 'registry.example.com:443', 'index.docker.io'),
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/), fc.constantFrom('.com', '.io', '.example')).map(([a, b]) => `${a}${b}`),
);
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}$/);
const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`);
/** References built from the grammar in src/ref/reference.ts. */
const validReference = fc.record({
  host: fc.option(host, { nil: undefined }),
  path: fc.array(component, { minLength: 1, maxLength: 4 }),
  tag: fc.option(tag, { nil: undefined }),
  digest: fc.option(digest, { nil: undefined }),
  prefix: fc.boolean(),
})
  // Without a host, a first component with "." (or `localhost`) would itself read as a host, as in
  // docker; and a lone 64-hex name reads as an image ID.
  .filter(({ host: h, path }) => h !== undefined || (!path[0]!.includes('.') && path[0] !== 'localhost' && !/^[a-f0-9]{64}$/.test(path.join('/'))))
  .map(({ host: h, path, tag: t, digest: d, prefix }) => `${prefix ? 'docker://' : ''}${h ? `${h}/` : ''}${path.join('/')}${t ? `:${t}` : ''}${d ? `@${d}` : ''}`)
  .filter((s) => s.length < 200);

describe('reference parsing', () => {
  it('returns or throws INVALID_REFERENCE for any string', () => {
    fc.assert(fc.property(fc.oneof(anyString(), syntaxString(REF_CHARS)), (s) => {
      typedOnly(() => parseReference(s), 'INVALID_REFERENCE');
      typedOnly(() => parseRepository(s), 'INVALID_REFERENCE');
      typedOnly(() => parseRegistry(s), 'INVALID_REFERENCE');
      expect(typeof isRegistryName(s)).toBe('boolean');
    }), params);
  });

  it('parses every reference of the grammar, and its printed form parses to the same', () => {
    fc.assert(fc.property(validReference, (s) => {
      const ref = parseReference(s);
      expect(parseReference(formatReference(ref))).toEqual(ref);
      expect(ref.repository).not.toMatch(/^\/|\/$/);
    }), params);
  });

  it('never accepts whitespace or control characters anywhere', () => {
    const spoiled = fc.tuple(validReference, fc.nat(), fc.constantFrom(' ', '\t', '\n', '\r', '\u0000', '\u001b', '\u007f', '\u0085', '\u200b', '\u202e', '\u2028'))
      .map(([s, at, c]) => s.slice(0, at % (s.length + 1)) + c + s.slice(at % (s.length + 1)));
    fc.assert(fc.property(spoiled, (s) => {
      expect(() => parseReference(s)).toThrowError(expect.objectContaining({ code: 'INVALID_REFERENCE' }));
    }), params);
  });

  it('quotes any string into valid JSON without raw control characters', () => {
    fc.assert(fc.property(anyString(), (s) => {
      const q = quote(s);
      expect(q).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
      expect(typeof JSON.parse(q)).toBe('string');
    }), params);
  });

  it('parses transport references or fails with a typed error', () => {
    const transported = fc.tuple(fc.constantFrom('oci:', 'oci-archive:', 'docker-archive:', 'docker://', 'dir:', ''), fc.oneof(anyString(40), syntaxString(REF_CHARS)))
      .map(([t, rest]) => `${t}${rest}`);
    fc.assert(fc.property(transported, (s) => {
      typedOnly(() => parseTransportReference(s), 'INVALID_REFERENCE', 'UNSUPPORTED', 'USAGE');
    }), params);
  });
});
