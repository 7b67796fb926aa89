import { describe, expect, it } from 'vitest';
import { RegctlError } from '../../src/errors.js';
import {
  assertValidTag,
  formatReference,
  isLoopbackHost,
  isRegistryName,
  isValidTag,
  joinHostPort,
  manifestReference,
  normalizeRegistryHost,
  parseReference,
  parseRegistry,
  parseRepository,
  quote,
  repositoryPath,
  splitHostPort,
  withDigest,
  withTag,
  type ImageReference,
} from '../../src/ref/index.js';

const H64 = 'a'.repeat(64);
const D256 = `sha256:${H64}`;
const D512 = `sha512:${'0123456789abcdef'.repeat(8)}`;

/** Runs `fn` and returns the RegctlError it throws; fails the test if it does not throw one. */
function thrown(fn: () => unknown): RegctlError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RegctlError);
    return e as RegctlError;
  }
  throw new Error('expected a RegctlError, nothing was thrown');
}

describe('parseReference: valid', () => {
  // [input, registry, repository, tag, digest]
  const valid: Array<[string, string, string, string | undefined, string | undefined]> = [
    ['alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['alpine:3.20', 'docker.io', 'library/alpine', '3.20', undefined],
    ['library/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['bitnami/redis:7', 'docker.io', 'bitnami/redis', '7', undefined],
    ['docker.io/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['index.docker.io/alpine:edge', 'docker.io', 'library/alpine', 'edge', undefined],
    ['registry-1.docker.io/library/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['docker.io/org/app', 'docker.io', 'org/app', 'latest', undefined],
    ['DOCKER.IO/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['docker://alpine:3', 'docker.io', 'library/alpine', '3', undefined],
    ['docker://ghcr.io/org/app', 'ghcr.io', 'org/app', 'latest', undefined],
    ['ghcr.io/org/app:1.2.3', 'ghcr.io', 'org/app', '1.2.3', undefined],
    ['GHCR.IO/org/app', 'ghcr.io', 'org/app', 'latest', undefined],
    ['ghcr.io/app', 'ghcr.io', 'app', 'latest', undefined],
    ['ghcr.io/a/b/c/d/e', 'ghcr.io', 'a/b/c/d/e', 'latest', undefined],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    ['LOCALHOST/app', 'localhost', 'app', 'latest', undefined],
    ['localhost:5000/app:v1', 'localhost:5000', 'app', 'v1', undefined],
    ['localhost:05000/app', 'localhost:5000', 'app', 'latest', undefined],
    ['myhost:65535/app', 'myhost:65535', 'app', 'latest', undefined],
    ['127.0.0.1:5000/a/b', '127.0.0.1:5000', 'a/b', 'latest', undefined],
    ['[::1]:5000/app', '[::1]:5000', 'app', 'latest', undefined],
    ['[2001:db8::1]/team/app:x', '[2001:db8::1]', 'team/app', 'x', undefined],
    ['[2001:DB8::1]:443/app', '[2001:db8::1]:443', 'app', 'latest', undefined],
    [`alpine@${D256}`, 'docker.io', 'library/alpine', undefined, D256],
    [`ghcr.io/o/a:1@${D256}`, 'ghcr.io', 'o/a', '1', D256],
    [`localhost:5000/a@${D512}`, 'localhost:5000', 'a', undefined, D512],
    [`docker://alpine@${D256}`, 'docker.io', 'library/alpine', undefined, D256],
    ['alpine:Latest_V1', 'docker.io', 'library/alpine', 'Latest_V1', undefined],
    ['alpine:_x', 'docker.io', 'library/alpine', '_x', undefined],
    [`alpine:${'t'.repeat(128)}`, 'docker.io', 'library/alpine', 't'.repeat(128), undefined],
    ['a__b', 'docker.io', 'library/a__b', 'latest', undefined],
    ['a--b', 'docker.io', 'library/a--b', 'latest', undefined],
    ['a---b', 'docker.io', 'library/a---b', 'latest', undefined],
    ['a.b_c-d', 'docker.io', 'library/a.b_c-d', 'latest', undefined],
    ['0/9', 'docker.io', '0/9', 'latest', undefined],
    // No "/" means no registry, as in docker: these are Hub repositories.
    ['localhost', 'docker.io', 'library/localhost', 'latest', undefined],
    ['localhost:5000', 'docker.io', 'library/localhost', '5000', undefined],
    ['ghcr.io', 'docker.io', 'library/ghcr.io', 'latest', undefined],
    [`x.io/${'a'.repeat(250)}`, 'x.io', 'a'.repeat(250), 'latest', undefined],
  ];

  it.each(valid)('%s', (input, registry, repository, tag, digest) => {
    const ref = parseReference(input);
    expect(ref).toEqual({
      registry,
      repository,
      ...(tag !== undefined && { tag }),
      ...(digest !== undefined && { digest }),
    });
    // The canonical form must parse back to the same reference.
    expect(parseReference(formatReference(ref))).toEqual(ref);
  });

  it('leaves tag unset with defaultTag: false', () => {
    expect(parseReference('alpine', { defaultTag: false })).toEqual({ registry: 'docker.io', repository: 'library/alpine' });
    expect(parseReference('alpine:3', { defaultTag: false }).tag).toBe('3');
  });

  it('does not add latest to a digest-only reference', () => {
    expect(parseReference(`alpine@${D256}`).tag).toBeUndefined();
  });
});

describe('parseReference: invalid', () => {
  // [input, distinctive part of the message]
  const invalid: Array<[string, string]> = [
    ['', 'empty'],
    ['docker://', 'empty after "docker://"'],
    ['Alpine', 'repository name must be lowercase'],
    ['Foo/bar', 'repository name must be lowercase'],
    ['ghcr.io/Org/app', 'repository name must be lowercase'],
    ['a..b', 'component "a..b" has an invalid separator'],
    ['a___b', 'component "a___b" has an invalid separator'],
    ['a_-b', 'has an invalid separator'],
    ['-a', 'component "-a" must start with a lowercase letter or digit'],
    ['a-', 'component "a-" must end with a lowercase letter or digit'],
    ['org/.hidden', 'component ".hidden" must start'],
    ['a$b', 'contains invalid character "$"'],
    ['café', 'contains invalid character "é"'],
    ['alpine/', 'repository path ends with "/"'],
    ['/alpine', 'repository path starts with "/"'],
    ['a//b', 'empty component'],
    ['ghcr.io/', 'repository path is empty'],
    ['ghcr.io//app', 'repository path starts with "/"'],
    [`x.io/${'a'.repeat(251)}`, 'repository name longer than 255 characters (256)'],
    [`${'a'.repeat(250)}`, 'repository name longer than 255 characters (268)'],
    ['alpine:', 'tag is empty'],
    ['alpine:-x', 'tag "-x" is invalid: must start with a letter, digit or "_"'],
    ['alpine:.x', 'tag ".x" is invalid: must start'],
    ['alpine:a+b', 'tag "a+b" is invalid: character "+" is not allowed'],
    ['alpine:a:b', 'character ":" is not allowed'],
    [`alpine:${'t'.repeat(129)}`, 'longer than 128 characters (129)'],
    ['alpine@', 'digest is empty'],
    ['alpine@sha256', 'must have the form <algorithm>:<hex>'],
    ['alpine@sha256:abc', 'sha256 digest must be 64 hex characters, got 3'],
    [`alpine@sha256:${H64}a`, 'sha256 digest must be 64 hex characters, got 65'],
    [`alpine@sha512:${H64}`, 'sha512 digest must be 128 hex characters, got 64'],
    [`alpine@sha256:${'A'.repeat(64)}`, 'must use lowercase hex'],
    [`alpine@sha256:${'g'.repeat(64)}`, 'got non-hex characters'],
    [`alpine@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm "md5"'],
    [`alpine@blake3:${H64}`, 'unsupported digest algorithm "blake3"'],
    [`alpine@SHA256:${H64}`, 'digest algorithm "SHA256" is malformed'],
    [`alpine@${D256}@${D256}`, 'got non-hex characters'],
    ['alpine latest', 'contains whitespace or control characters'],
    [' alpine', 'contains whitespace or control characters'],
    ['alpine\n', 'contains whitespace or control characters'],
    ['alp\u0000ine', 'contains whitespace or control characters'],
    ['alp\u001bine', 'contains whitespace or control characters'],
    ['alp\u200bine', 'contains whitespace or control characters'],
    ['localhost:0/app', 'invalid port "0"'],
    ['localhost:65536/app', 'invalid port "65536"'],
    ['localhost:http/app', 'invalid port "http"'],
    ['localhost:/app', 'port is empty'],
    ['[::1/app', 'unclosed "["'],
    ['[::1]x/app', 'unexpected "x" after "]"'],
    ['[zz::1]/app', '"zz::1" is not a valid IPv6 address'],
    ['[fe80::1%eth0]/app', 'is not a valid IPv6 address'],
    ['::1/app', 'IPv6 addresses need brackets'],
    ['my_host.com/app', 'invalid registry host name "my_host.com"'],
    ['-bad.com/app', 'invalid registry host name "-bad.com"'],
    [H64, 'looks like an image ID'],
  ];

  it.each(invalid)('%j', (input, fragment) => {
    const err = thrown(() => parseReference(input));
    expect(err.code).toBe('INVALID_REFERENCE');
    expect(err.message).toContain(`invalid reference ${quote(input)}`);
    expect(err.message).toContain(fragment);
  });

  it('escapes control characters when it quotes the input', () => {
    const err = thrown(() => parseReference('evil\u001b[2J\nname\u009b'));
    expect(err.message).toContain('"evil\\u001b[2J\\nname\\u009b"');
    expect(err.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('parseRepository', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine'],
    ['index.docker.io/org/app', 'docker.io', 'org/app'],
    ['docker://ghcr.io/org/app', 'ghcr.io', 'org/app'],
    ['[::1]:5000/team/app', '[::1]:5000', 'team/app'],
  ])('%s', (input, registry, repository) => {
    expect(parseRepository(input)).toEqual({ registry, repository });
  });

  it.each([
    ['alpine:3', 'must not include a tag (:3)'],
    [`ghcr.io/a@${D256}`, 'must not include a digest'],
    ['Alpine', 'repository name must be lowercase'],
    ['ghcr.io/', 'repository path is empty'],
  ])('rejects %s', (input, fragment) => {
    const err = thrown(() => parseRepository(input));
    expect(err.code).toBe('INVALID_REFERENCE');
    expect(err.message).toContain(fragment);
  });
});

describe('formatting and helpers', () => {
  const ref: ImageReference = { registry: 'ghcr.io', repository: 'org/app', tag: '1' };

  it('formats the canonical form', () => {
    expect(formatReference(parseReference('alpine'))).toBe('docker.io/library/alpine:latest');
    expect(formatReference({ ...ref, digest: D256 })).toBe(`ghcr.io/org/app:1@${D256}`);
    expect(formatReference({ registry: 'x.io', repository: 'a', digest: D256 })).toBe(`x.io/a@${D256}`);
    expect(repositoryPath(ref)).toBe('ghcr.io/org/app');
  });

  it('withDigest keeps the tag, validates, and does not mutate', () => {
    expect(withDigest(ref, D256)).toEqual({ ...ref, digest: D256 });
    expect(ref.digest).toBeUndefined();
    expect(thrown(() => withDigest(ref, 'sha256:abc')).code).toBe('INVALID_REFERENCE');
  });

  it('withTag drops the digest and validates the tag', () => {
    expect(withTag({ ...ref, digest: D256 }, 'v2')).toEqual({ registry: 'ghcr.io', repository: 'org/app', tag: 'v2' });
    expect(thrown(() => withTag(ref, 'bad tag')).message).toContain('tag "bad tag" is invalid');
  });

  it('manifestReference prefers the digest', () => {
    expect(manifestReference(ref)).toBe('1');
    expect(manifestReference({ ...ref, digest: D256 })).toBe(D256);
    expect(thrown(() => manifestReference({ registry: 'x.io', repository: 'a' })).message).toContain('neither a tag nor a digest');
  });

  it.each([
    ['latest', true],
    ['V1.2_rc-3', true],
    ['_', true],
    ['t'.repeat(128), true],
    ['t'.repeat(129), false],
    ['', false],
    ['-x', false],
    ['.x', false],
    ['a/b', false],
    ['a b', false],
  ])('isValidTag(%j) is %s', (tag, ok) => {
    expect(isValidTag(tag)).toBe(ok);
    if (ok) expect(() => assertValidTag(tag)).not.toThrow();
    else expect(thrown(() => assertValidTag(tag)).code).toBe('INVALID_REFERENCE');
  });
});

describe('host helpers', () => {
  it.each([
    ['ghcr.io', 'ghcr.io', undefined],
    ['localhost:5000', 'localhost', 5000],
    ['[::1]:5000', '::1', 5000],
    ['[::1]', '::1', undefined],
    ['::1', '::1', undefined],
    ['10.0.0.1:443', '10.0.0.1', 443],
  ])('splitHostPort(%s)', (host, hostname, port) => {
    expect(splitHostPort(host)).toEqual(port === undefined ? { hostname } : { hostname, port });
  });

  it.each([['localhost:0'], ['localhost:65536'], ['h:x'], ['[::1'], ['a_b'], ['']])('splitHostPort(%j) throws', (host) => {
    expect(thrown(() => splitHostPort(host)).code).toBe('INVALID_REFERENCE');
  });

  it('joinHostPort brackets IPv6 only', () => {
    expect(joinHostPort('::1', 5000)).toBe('[::1]:5000');
    expect(joinHostPort('ghcr.io')).toBe('ghcr.io');
    expect(joinHostPort('localhost', 80)).toBe('localhost:80');
  });

  it.each([
    ['localhost', true],
    ['LOCALHOST:5000', true],
    ['registry.localhost', true],
    ['127.0.0.1', true],
    ['127.255.0.9:8080', true],
    ['::1', true],
    ['[::1]', true],
    ['[::1]:5000', true],
    ['[0:0:0:0:0:0:0:1]:5000', true],
    ['[::ffff:127.0.0.1]', true],
    ['localhost.example.com', false],
    ['mylocalhost', false],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['[::2]', false],
    ['[::ffff:10.0.0.1]', false],
    ['127.1', false],
    ['ghcr.io', false],
    ['[fe80::1%eth0]', false],
    ['', false],
  ])('isLoopbackHost(%j) is %s', (host, loop) => {
    expect(isLoopbackHost(host)).toBe(loop);
  });

  it.each([
    ['ghcr.io', 'ghcr.io'],
    ['GHCR.IO', 'ghcr.io'],
    ['https://ghcr.io', 'ghcr.io'],
    ['https://ghcr.io/', 'ghcr.io'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['http://localhost:05000', 'localhost:5000'],
    ['[::1]:5000', '[::1]:5000'],
  ])('parseRegistry(%s) is %s', (input, host) => {
    expect(parseRegistry(input)).toBe(host);
  });

  it.each([
    ['', 'empty'],
    ['ghcr.io/org/app', 'not a repository path'],
    ['https://user:pw@ghcr.io', 'user information is not allowed'],
    ['ghcr.io\n', 'whitespace or control'],
    ['localhost:99999', 'invalid port "99999"'],
  ])('parseRegistry(%j) throws', (input, fragment) => {
    const err = thrown(() => parseRegistry(input));
    expect(err.code).toBe('INVALID_REFERENCE');
    expect(err.message).toContain(fragment);
  });

  it('normalizeRegistryHost folds Hub aliases and case', () => {
    expect(normalizeRegistryHost('Index.Docker.IO')).toBe('docker.io');
    expect(normalizeRegistryHost('[2001:DB8::1]:5000')).toBe('[2001:db8::1]:5000');
  });

  it.each([
    ['ghcr.io', true],
    ['localhost', true],
    ['localhost:5000', true],
    ['[::1]:5000', true],
    ['https://myhost:5000', true],
    ['alpine', false],
    ['alpine:3', false],
    ['myhost:5000', false],
    ['ghcr.io/org/app', false],
    ['my_host.com', false],
  ])('isRegistryName(%s) is %s', (input, yes) => {
    expect(isRegistryName(input)).toBe(yes);
  });
});
