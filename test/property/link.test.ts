/**
 * Property tests for `Link` header parsing (tag and catalog pagination): it never throws, and
 * finds the `rel="next"` target among any other links, quoted or not, whatever the URLs hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextLink } from '../../src/registry/link.js';
import { anyString, params, syntaxString } from './support.js';

/** URL-ish targets: relative or absolute, with queries full of commas, semicolons and equals signs. */
const target = fc.tuple(
  fc.constantFrom('', 'https://r.example:5000', 'http://127.0.0.1:5000'),
  fc.stringMatching(/^\/v2\/[a-z0-9/]{1,20}\/(tags\/list|_catalog)$/),
  fc.option(fc.string({ unit: fc.constantFrom(...'abc123=&,;%_-'.split('')), maxLength: 20 }), { nil: undefined }),
).map(([origin, path, q]) => `${origin}${path}${q !== undefined ? `?${q}` : ''}`);
const rel = fc.constantFrom('prev', 'first', 'last', 'alternate', 'nextish');

describe('Link headers', () => {
  it('never throw, whatever the header', () => {
    fc.assert(fc.property(fc.oneof(anyString(120), syntaxString('<>;,= rel"next/?&')), (h) => {
      const n = nextLink(h);
      expect(n === undefined || typeof n === 'string').toBe(true);
    }), params);
  });

  it('find rel=next among other links, in any position and quoting', () => {
    fc.assert(fc.property(fc.array(fc.tuple(target, rel), { maxLength: 3 }), target, fc.nat(), fc.boolean(), fc.constantFrom(', ', ',', ' ,  '),
      (others, next, at, quoted, sep) => {
        const links = others.map(([u, r]) => `<${u}>; rel="${r}"`);
        links.splice(at % (links.length + 1), 0, `<${next}>; rel=${quoted ? '"next"' : 'next'}`);
        expect(nextLink(links.join(sep))).toBe(next);
      }), params);
  });

  it('find nothing when no link is rel=next', () => {
    fc.assert(fc.property(fc.array(fc.tuple(target, rel), { maxLength: 4 }), (others) => {
      expect(nextLink(others.map(([u, r]) => `<${u}>; rel="${r}"`).join(', '))).toBeUndefined();
    }), params);
  });
});
