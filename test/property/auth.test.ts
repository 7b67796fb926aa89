/**
 * Property tests for the auth parsers: `WWW-Authenticate` challenges (never throw; what a
 * server can write, they read back), token scopes (never throw; merging is idempotent and order
 * does not change the cache key) and token replies (a token or a typed error).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../../src/auth/challenge.js';
import { formatScope, mergeScopes, parseScope, scopeKey } from '../../src/auth/scope.js';
import { parseTokenReply } from '../../src/auth/token-reply.js';
import { anyString, params, syntaxString, typedOnly } from './support.js';

const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
/** Any value, quoted: `"` and `\` escaped as RFC 9110 allows. */
const quotedValue = fc.string({ unit: fc.constantFrom(...'abc ,=;/:"\\é'.split('')), maxLength: 20 });
const challenge = fc.record({
  scheme: fc.constantFrom('Bearer', 'Basic', 'Negotiate', 'bearer'),
  params: fc.uniqueArray(fc.tuple(token, quotedValue), { selector: ([k]) => k.toLowerCase(), maxLength: 4 }),
});
const render = (c: { scheme: string; params: Array<[string, string]> }) =>
  [c.scheme, c.params.map(([k, v]) => `${k}="${v.replace(/[\\"]/g, (m) => `\\${m}`)}"`).join(', ')].filter(Boolean).join(' ');

describe('challenge parsing', () => {
  it('never throws, whatever the headers', () => {
    fc.assert(fc.property(fc.array(fc.oneof(anyString(), syntaxString('Bearer Basic realm="a,b" service=x, \\"=\t')), { maxLength: 3 }), (headers) => {
      const out = parseChallenges(headers);
      for (const c of out) {
        expect(c.scheme).toBe(c.scheme.toLowerCase());
        expect(typeof c.params).toBe('object');
      }
    }), params);
  });

  it('reads back challenges written by the grammar, one header or several', () => {
    fc.assert(fc.property(fc.array(challenge, { minLength: 1, maxLength: 3 }), fc.boolean(), (cs, oneHeader) => {
      const headers = oneHeader ? [cs.map(render).join(', ')] : cs.map(render);
      const out = parseChallenges(headers);
      expect(out.map((c) => c.scheme)).toEqual(cs.map((c) => c.scheme.toLowerCase()));
      out.forEach((c, i) => expect(c.params).toEqual(Object.fromEntries(cs[i]!.params.map(([k, v]) => [k.toLowerCase(), v]))));
    }), params);
  });
});

const action = fc.constantFrom('pull', 'push', 'delete', '*');
const scope = fc.record({
  type: fc.constantFrom('repository', 'registry', 'repository(plugin)'),
  name: fc.oneof(fc.stringMatching(/^[a-z0-9]+(?:\/[a-z0-9._-]+){0,3}$/), fc.constantFrom('localhost:5000/app', 'catalog', 'a:b:c')),
  actions: fc.uniqueArray(action, { minLength: 1, maxLength: 3 }),
});

describe('scope parsing', () => {
  it('never throws, and merging any scopes is idempotent', () => {
    fc.assert(fc.property(fc.array(fc.oneof(anyString(30), syntaxString('repository:ab/c:pull,push* ')), { maxLength: 5 }), (scopes) => {
      for (const s of scopes) parseScope(s);
      const merged = mergeScopes(scopes);
      expect(mergeScopes(merged)).toEqual(merged);
    }), params);
  });

  it('prints parsed scopes back as they were, names with host:port included', () => {
    fc.assert(fc.property(scope, (p) => {
      expect(parseScope(formatScope(p))).toEqual(p);
    }), params);
  });

  it('gives a cache key that ignores order and repeats', () => {
    fc.assert(fc.property(fc.array(scope.map(formatScope), { minLength: 1, maxLength: 5 }), fc.infiniteStream(fc.nat()), (scopes, picks) => {
      const shuffled = [...scopes].sort(() => (picks.next().value % 3) - 1);
      expect(scopeKey([...shuffled, ...scopes.slice(0, 1)])).toBe(scopeKey(scopes));
      // push first: "a few registries just look at the first scope" (REGISTRIES.md).
      const merged = mergeScopes(scopes);
      const firstPush = merged.findIndex((s) => parseScope(s)?.actions.includes('push'));
      if (firstPush >= 0) expect(merged.slice(0, firstPush).every((s) => parseScope(s)?.actions.includes('push'))).toBe(true);
    }), params);
  });
});

describe('token replies', () => {
  it('give a token or INVALID_INPUT for any JSON', () => {
    const reply = fc.oneof(
      fc.jsonValue(),
      fc.record({
        token: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)),
        access_token: fc.oneof(fc.string(), fc.constant(null), fc.constant(undefined)),
        expires_in: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(undefined)),
        issued_at: fc.oneof(fc.string(), fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'garbage' : d.toISOString())), fc.constant(undefined)),
      }, { requiredKeys: [] }),
    );
    fc.assert(fc.property(reply, (body) => {
      const t = typedOnly(() => parseTokenReply(body), 'INVALID_INPUT');
      if (t) {
        expect(typeof t.token).toBe('string');
        expect(t.token.length).toBeGreaterThan(0);
        expect(Number.isNaN(t.expiresAt)).toBe(false);
      }
    }), params);
  });
});
