import { describe, expect, it } from 'vitest';
import { expandTemplate, parseTemplate } from '../../src/sync/template.js';

const expand = (t: string, registry: string, repository: string) => {
  const r = expandTemplate(parseTemplate(t), { registry, repository });
  return `${r.registry}/${r.repository}`;
};

describe('destination templates', () => {
  it.each([
    ['myacr.azurecr.io/mirror/{repo}', 'docker.io', 'library/alpine', 'myacr.azurecr.io/mirror/library/alpine'],
    ['myacr.azurecr.io/mirror/{name}', 'docker.io', 'library/alpine', 'myacr.azurecr.io/mirror/alpine'],
    ['harbor.example.com/{namespace}-cache/{name}', 'ghcr.io', 'org/team/app', 'harbor.example.com/org/team-cache/app'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/{registry}/{repo}', 'ghcr.io', 'org/app', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ghcr.io/org/app'],
    ['localhost:5000/{registry}/{repo}', 'localhost:5001', 'a', 'localhost:5000/localhost-5001/a'],
    ['{ repo }', 'ghcr.io', 'org/app', 'docker.io/org/app'],
    ['mirror.example/fixed', 'docker.io', 'library/alpine', 'mirror.example/fixed'],
  ])('%s with %s/%s', (t, registry, repository, expected) => {
    expect(expand(t, registry, repository)).toBe(expected);
  });

  it('refuses unknown placeholders, stray braces, tags and digests', () => {
    expect(() => parseTemplate('x.io/{image}')).toThrow('unknown placeholder {image}');
    expect(() => parseTemplate('x.io/{repo')).toThrow('unbalanced "{"');
    expect(() => parseTemplate('x.io/repo}')).toThrow('unbalanced "}"');
    expect(() => parseTemplate('x.io/{repo}:1.0')).toThrow('without a tag or digest');
    expect(() => parseTemplate(`x.io/{repo}@sha256:${'a'.repeat(64)}`)).toThrow('without a tag or digest');
    expect(() => parseTemplate('x.io/Upper/{repo}')).toThrow('lowercase');
  });

  it('a namespace placeholder for a one-part path is a CONFIG error naming both', () => {
    expect(() => expand('x.io/{namespace}/{name}', 'localhost:5000', 'app')).toThrow(/destination "x.io\/\{namespace\}\/\{name\}" for localhost:5000\/app gives "x.io\/\/app"/);
  });
});
