import { describe, expect, it } from 'vitest';
import { nextLink } from '../../src/registry/link.js';

describe('nextLink', () => {
  it.each<[string, string | undefined, string | undefined]>([
    // distribution's own form (registry/handlers/tags.go writes exactly this shape)
    ['distribution tags page', '</v2/app/tags/list?last=b&n=2>; rel="next"', '/v2/app/tags/list?last=b&n=2'],
    ['unquoted rel', '</v2/_catalog?last=x&n=100>; rel=next', '/v2/_catalog?last=x&n=100'],
    ['no space before rel', '</v2/_catalog?n=1&last=a>;rel="next"', '/v2/_catalog?n=1&last=a'],
    ['upper-case rel value and name', '</p2>; REL="NEXT"', '/p2'],
    ['absolute URL', '<https://r.example:5000/v2/a/tags/list?last=t>; rel="next"', 'https://r.example:5000/v2/a/tags/list?last=t'],
    ['several links, next last', '</first>; rel="first", </p2>; rel="next"', '/p2'],
    ['several links, next first', '</p2>; rel="next", </last>; rel="last"', '/p2'],
    ['several links without space after the comma', '</prev>; rel="prev",</p3>; rel="next"', '/p3'],
    ['rel list containing next', '</p2>; rel="last next"', '/p2'],
    ['rel list with next first', '</p2>; rel="next last"', '/p2'],
    ['other params before rel', '</p2>; type="application/json"; rel="next"', '/p2'],
    ['other params after rel', '</p2>; rel=next; type="application/json"', '/p2'],
    ['comma inside the URL query', '</v2/a/tags/list?last=a,b&n=2>; rel="next"', '/v2/a/tags/list?last=a,b&n=2'],
    ['comma inside URL of a prev link', '</x?a=1,2>; rel="prev", </y?b=3,4>; rel="next"', '/y?b=3,4'],
    ['only prev', '</p1>; rel="prev"', undefined],
    ['rel that merely contains next', '</p2>; rel="nextpage"', undefined],
    ['rel prefix', '</p2>; rel="prenext"', undefined],
    ['next only in another parameter', '</p2>; title="next"; rel="prev"', undefined],
    ['no angle brackets', '/p2; rel="next"', undefined],
    ['empty header', '', undefined],
    ['no header', undefined, undefined],
  ])('%s', (_name, header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});
