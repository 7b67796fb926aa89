import { describe, expect, it } from 'vitest';
import { ALL_TAGS, needsListing, selectTags, tagVersion, type TagFilter } from '../../src/sync/tags.js';

const TAGS = ['latest', 'edge', '3', '3.18', '3.18.4', '3.19', '3.19.1', '3.20', '3.20.0', '3.20.3', '3.21.0-rc1', 'v4.0.0', '1.25-alpine', '1.26-alpine', 'sha256-abc.sig', '2024.01'];
const filter = (f: Partial<TagFilter>): TagFilter => ({ ...ALL_TAGS, ...f });
const re = (...s: string[]) => s.map((x) => new RegExp(x));

describe('tag filters', () => {
  it.each([
    ['no filter: every tag, in listing order', {}, TAGS.slice()],
    ['include (unanchored, any of several)', { include: re('^3\\.19', 'alpine$') }, ['3.19', '3.19.1', '1.25-alpine', '1.26-alpine']],
    ['exclude after include', { include: re('^3\\.'), exclude: re('rc', '^3\\.18') }, ['3.19', '3.19.1', '3.20', '3.20.0', '3.20.3']],
    ['semver range drops non-versions and pre-releases, newest first', { semver: '>=3.19 <4' }, ['3.20.3', '3.20.0', '3.20', '3.19.1', '3.19']],
    ['semver with pre-releases', { semver: '>=3.20 <5', prerelease: true }, ['v4.0.0', '3.21.0-rc1', '3.20.3', '3.20.0', '3.20']],
    ['newest N by version alone', { newest: 3 }, ['2024.01', 'v4.0.0', '3.20.3']],
    ['newest N after include and range', { include: re('^\\d+\\.\\d+\\.\\d+$'), semver: '^3', newest: 2 }, ['3.20.3', '3.20.0']],
    ['pre-release variants with include', { include: re('-alpine$'), prerelease: true, newest: 1 }, ['1.26-alpine']],
    ['pinned tags are left to the caller', { include: re('^3\\.20'), pin: new Map([['3.20', 'sha256:x']]) }, ['3.20.0', '3.20.3']],
  ] as Array<[string, Partial<TagFilter>, string[]]>)('%s', (_name, f, expected) => {
    expect(selectTags(TAGS, filter(f))).toEqual(expected);
  });

  it('lists tags unless pins are all a source asks for', () => {
    expect(needsListing(ALL_TAGS)).toBe(true);
    expect(needsListing(filter({ pin: new Map([['1', 'sha256:x']]) }))).toBe(false);
    expect(needsListing(filter({ pin: new Map([['1', 'sha256:x']]), newest: 1 }))).toBe(true);
  });

  it.each([
    ['3', '3.0.0'], ['3.20', '3.20.0'], ['v1.2.3', '1.2.3'], ['1.25-alpine', '1.25.0-alpine'], ['1.2.3+build.5', '1.2.3'],
    ['2024.01', '2024.1.0'], ['latest', undefined], ['3.x', undefined], ['1.2.3.4', undefined], ['sha256-abc.sig', undefined],
  ])('tag %s is version %s', (tag, version) => {
    expect(tagVersion(tag)?.version).toBe(version);
  });
});
