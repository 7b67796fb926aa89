import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepEqual, deleteMember, rewriteJson } from '../../src/credentials/json-edit.js';

/** Applies `mutate` to the parsed text and rewrites the text the way updateDockerConfig does. */
function edit(text: string, mutate: (v: any) => void): string {
  const before = JSON.parse(text);
  const after = structuredClone(before);
  mutate(after);
  const out = rewriteJson(text, before, after);
  expect(JSON.parse(out)).toEqual(after);
  return out;
}

describe('rewriteJson: only the changed member changes', () => {
  it.each([
    {
      name: 'appends to a tab-indented object in its style',
      text: '{\n\t"auths": {\n\t\t"a": {\n\t\t\t"auth": "x"\n\t\t}\n\t},\n\t"other": "\\u003ckeep\\u003e"\n}',
      mutate: (c: any) => (c.auths.b = { auth: 'y' }),
      want: '{\n\t"auths": {\n\t\t"a": {\n\t\t\t"auth": "x"\n\t\t},\n\t\t"b": {\n\t\t\t"auth": "y"\n\t\t}\n\t},\n\t"other": "\\u003ckeep\\u003e"\n}',
    },
    {
      name: 'appends to a compact file compactly',
      text: '{"x":1,"auths":{"a":{}}}',
      mutate: (c: any) => (c.auths.b = { auth: 'y' }),
      want: '{"x":1,"auths":{"a":{},"b":{"auth":"y"}}}',
    },
    {
      name: 'keeps a space after colons when the siblings have one',
      text: '{ "a": 1 }',
      mutate: (c: any) => (c.b = [1, 2]),
      want: '{ "a": 1, "b": [1,2] }',
    },
    {
      name: 'fills an empty object on its own lines (two-space file)',
      text: '{\n  "auths": {}\n}\n',
      mutate: (c: any) => (c.auths.h = { auth: 'z' }),
      want: '{\n  "auths": {\n    "h": {\n      "auth": "z"\n    }\n  }\n}\n',
    },
    {
      name: 'adds a missing top-level object after the last member',
      text: '{\n\t"currentContext": "default"\n}\n',
      mutate: (c: any) => (c.credHelpers = { h: 'regctl' }),
      want: '{\n\t"currentContext": "default",\n\t"credHelpers": {\n\t\t"h": "regctl"\n\t}\n}\n',
    },
    {
      name: 'deletes the first of several members',
      text: '{\n\t"auths": {\n\t\t"a": {},\n\t\t"b": {}\n\t}\n}',
      mutate: (c: any) => delete c.auths.a,
      want: '{\n\t"auths": {\n\t\t"b": {}\n\t}\n}',
    },
    {
      name: 'deletes a middle member',
      text: '{"a": 1, "b": 2, "c": 3}',
      mutate: (c: any) => delete c.b,
      want: '{"a": 1, "c": 3}',
    },
    {
      name: 'deletes the last member',
      text: '{\n  "a": 1,\n  "b": 2\n}',
      mutate: (c: any) => delete c.b,
      want: '{\n  "a": 1\n}',
    },
    {
      name: 'deletes the only member, leaving an empty object',
      text: '{\n\t"auths": {\n\t\t"a": {\n\t\t\t"auth": "x"\n\t\t}\n\t}\n}',
      mutate: (c: any) => delete c.auths.a,
      want: '{\n\t"auths": {}\n}',
    },
    {
      name: 'replaces a changed value in place',
      text: '{"auths": {"a": {"auth": "old", "email": "e"}}, "z": true}',
      mutate: (c: any) => (c.auths.a.auth = 'new'),
      want: '{"auths": {"a": {"auth": "new", "email": "e"}}, "z": true}',
    },
    {
      name: 'keeps CRLF line ends',
      text: '{\r\n\t"auths": {}\r\n}\r\n',
      mutate: (c: any) => (c.auths.h = { auth: 'z' }),
      want: '{\r\n\t"auths": {\r\n\t\t"h": {\r\n\t\t\t"auth": "z"\r\n\t\t}\r\n\t}\r\n}\r\n',
    },
    {
      name: 'matches escaped keys by their value',
      text: '{"auths": {"\\u0061": 1, "b\\"q": 2}}',
      mutate: (c: any) => {
        delete c.auths.a;
        c.auths['b"q'] = 3;
      },
      want: '{"auths": {"b\\"q": 3}}',
    },
  ])('$name', ({ text, mutate, want }) => {
    expect(edit(text, mutate)).toBe(want);
  });

  it('returns the text unchanged when nothing changed, whatever the member order', () => {
    const text = '{ "b": {"y": 1, "x": [1, {"k": null}]}, "a": "s" }';
    expect(rewriteJson(text, JSON.parse(text), { a: 's', b: { x: [1, { k: null }], y: 1 } })).toBe(text);
  });

  it('removes every copy of a duplicated key', () => {
    expect(deleteMember('{"a": 1, "b": 2, "a": 3}', [], 'a')).toBe('{"b": 2}');
  });

  it('the result always parses to the new value, and untouched members keep their text', () => {
    const key = fc.string({ minLength: 1, maxLength: 6 });
    const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
    const obj = fc.dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf, { maxKeys: 3 })), { maxKeys: 5 });
    fc.assert(
      fc.property(obj, obj, fc.constantFrom('', '\t', '  ', '    '), (before, patch, indent) => {
        const text = indent ? JSON.stringify(before, null, indent) : JSON.stringify(before);
        const after = { ...before, ...patch };
        const out = rewriteJson(text, before, after);
        expect(deepEqual(JSON.parse(out), after)).toBe(true);
        // A top-level member nobody touched is still in the text, byte for byte.
        for (const [k, v] of Object.entries(before)) {
          if (k in patch || typeof v === 'object') continue;
          expect(out).toContain(`${JSON.stringify(k)}${indent ? ': ' : ':'}${JSON.stringify(v)}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
