import { describe, expect, it } from 'vitest';
import { CATALOG_SCOPE, mergeScopes, parseScope, repositoryScope, scopeKey } from '../../src/auth/scope.js';

describe('repositoryScope', () => {
  it.each([
    ['library/alpine', ['pull'], 'repository:library/alpine:pull'],
    ['a/b', ['push', 'pull'], 'repository:a/b:push,pull'],
    ['localhost:5000/x', ['pull'], 'repository:localhost:5000/x:pull'],
    ['x', ['*'], 'repository:x:*'],
  ])('%s %j', (repo, actions, expected) => {
    expect(repositoryScope(repo, actions)).toBe(expected);
  });
});

describe('parseScope', () => {
  it.each([
    ['repository:library/alpine:pull', { type: 'repository', name: 'library/alpine', actions: ['pull'] }],
    ['repository:a/b:pull,push', { type: 'repository', name: 'a/b', actions: ['pull', 'push'] }],
    ['repository:localhost:5000/x:pull', { type: 'repository', name: 'localhost:5000/x', actions: ['pull'] }],
    ['repository:host:5000/a/b:pull, push', { type: 'repository', name: 'host:5000/a/b', actions: ['pull', 'push'] }],
    [CATALOG_SCOPE, { type: 'registry', name: 'catalog', actions: ['*'] }],
    ['repository(plugin):vieux/sshfs:pull', { type: 'repository(plugin)', name: 'vieux/sshfs', actions: ['pull'] }],
    ['repository:a:', { type: 'repository', name: 'a', actions: [] }],
    ['repository:a:pull,,push,', { type: 'repository', name: 'a', actions: ['pull', 'push'] }],
    ['repository:a:b:delete', { type: 'repository', name: 'a:b', actions: ['delete'] }],
  ])('%s', (s, expected) => {
    expect(parseScope(s)).toEqual(expected);
  });

  it.each(['', 'repository', 'repository:a', ':a:pull', 'repository::pull', 'bad type!:a:pull'])('rejects %j', (s) => {
    expect(parseScope(s)).toBeUndefined();
  });
});

describe('mergeScopes', () => {
  it.each<[string, string[], string[]]>([
    ['empty', [], []],
    ['single', ['repository:a:pull'], ['repository:a:pull']],
    ['duplicates', ['repository:a:pull', 'repository:a:pull'], ['repository:a:pull']],
    ['union, push before pull', ['repository:a:pull', 'repository:a:push'], ['repository:a:push,pull']],
    ['push first inside one scope', ['repository:a:pull,push'], ['repository:a:push,pull']],
    ['other actions after pull', ['repository:a:delete,pull,push'], ['repository:a:push,pull,delete']],
    [
      'mount: push resource moves to the front',
      ['repository:src:pull', 'repository:dst:pull', 'repository:dst:push'],
      ['repository:dst:push,pull', 'repository:src:pull'],
    ],
    ['order-stable otherwise', ['repository:b:pull', 'repository:a:pull'], ['repository:b:pull', 'repository:a:pull']],
    ['type matters', ['repository:a:pull', 'registry:a:pull'], ['repository:a:pull', 'registry:a:pull']],
    ['host:port names', ['repository:h:5000/a:pull', 'repository:h:5000/a:push'], ['repository:h:5000/a:push,pull']],
    ['space-joined (Harbor)', ['repository:a:pull repository:b:pull', 'repository:a:push'], ['repository:a:push,pull', 'repository:b:pull']],
    ['catalog kept', [CATALOG_SCOPE, 'repository:a:pull'], [CATALOG_SCOPE, 'repository:a:pull']],
    ['unparseable kept once', ['weird', 'weird', 'repository:a:pull'], ['weird', 'repository:a:pull']],
    ['blank entries ignored', ['', '  ', 'repository:a:pull'], ['repository:a:pull']],
    ['duplicate actions', ['repository:a:pull,pull'], ['repository:a:pull']],
  ])('%s', (_name, input, expected) => {
    expect(mergeScopes(input)).toEqual(expected);
  });
});

describe('scopeKey', () => {
  it('ignores order and duplicates', () => {
    const a = scopeKey(['repository:b:pull', 'repository:a:pull,push', 'repository:a:pull']);
    const b = scopeKey(['repository:a:push', 'repository:a:pull', 'repository:b:pull']);
    expect(a).toBe(b);
  });

  it('distinguishes different action sets and resources', () => {
    expect(scopeKey(['repository:a:pull'])).not.toBe(scopeKey(['repository:a:pull,push']));
    expect(scopeKey(['repository:a:pull'])).not.toBe(scopeKey(['repository:b:pull']));
    expect(scopeKey([])).toBe('');
  });
});
