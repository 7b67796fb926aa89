import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { parseDuration, parseSize } from '../../src/config/units.js';
import { RegctlError } from '../../src/errors.js';

const FILE = '/proj/.regctlrc.yaml';

function problem(raw: unknown): RegctlError {
  try {
    validateConfig(raw, FILE, '/home/u');
  } catch (e) {
    expect(e).toBeInstanceOf(RegctlError);
    expect((e as RegctlError).code).toBe('CONFIG');
    return e as RegctlError;
  }
  throw new Error('expected a CONFIG error');
}

describe('validateConfig', () => {
  it('normalises a full config: hosts, sizes, durations, paths', () => {
    const c = validateConfig({
      concurrency: 4,
      retries: 0,
      timeouts: { connect: 5, response: '90s', idle: '2m' },
      hosts: {
        'Registry.Example.com:5000': {
          tls: 'enabled', caFile: 'certs/ca.pem', clientCert: '~/client.crt', clientKey: '/abs/client.key',
          mirrors: ['mirror.example.com', 'harbor.example.com/dockerhub/'], credentialHelper: 'ecr-login',
          concurrency: 2, chunkSize: '5MiB', requestsPerSecond: 0.5,
        },
        'index.docker.io': { mirrors: ['mirror.gcr.io'] },
      },
    }, FILE, '/home/u');
    expect(c).toEqual({
      concurrency: 4,
      retries: 0,
      timeouts: { connect: 5000, response: 90_000, idle: 120_000 },
      hosts: {
        'registry.example.com:5000': {
          tls: 'enabled', caFile: ['/proj/certs/ca.pem'], clientCert: '/home/u/client.crt', clientKey: '/abs/client.key',
          mirrors: ['mirror.example.com', 'harbor.example.com/dockerhub'], credentialHelper: 'ecr-login',
          concurrency: 2, chunkSize: 5 * 1024 * 1024, requestsPerSecond: 0.5,
        },
        'docker.io': { mirrors: ['mirror.gcr.io'] },
      },
    });
  });

  it('accepts an empty file', () => {
    expect(validateConfig({}, FILE)).toEqual({});
  });

  it.each([
    [[], /\/proj\/\.regctlrc\.yaml: \(top level\): must be an object/],
    [{ concurency: 2 }, /\.regctlrc\.yaml: concurency: unknown key \(did you mean "concurrency"\?\)/],
    [{ concurrency: 0 }, /concurrency: must be a whole number of at least 1, not 0/],
    [{ retries: -1 }, /retries: must be a whole number of at least 0/],
    [{ retries: '3' }, /retries: must be a whole number of at least 0, not "3"/],
    [{ timeouts: { connect: 'soon' } }, /timeouts\.connect: must be a duration/],
    [{ timeouts: { conect: 1 } }, /timeouts\.conect: unknown key \(did you mean "connect"\?\)/],
    [{ hosts: [] }, /hosts: must be an object, not a list/],
    [{ hosts: { 'ghcr.io': { tls: 'yes' } } }, /hosts\["ghcr\.io"\]\.tls: must be one of enabled, insecure, disabled, not "yes"/],
    [{ hosts: { 'ghcr.io': { tsl: 'enabled' } } }, /hosts\["ghcr\.io"\]\.tsl: unknown key \(did you mean "tls"\?\)/],
    [{ hosts: { 'ghcr.io': { caFile: '' } } }, /hosts\["ghcr\.io"\]\.caFile: must be a non-empty string/],
    [{ hosts: { 'ghcr.io': { caFile: ['a.pem', 3] } } }, /hosts\["ghcr\.io"\]\.caFile\[1\]: must be a non-empty string, not 3/],
    [{ hosts: { 'ghcr.io': { clientCert: 'c.pem' } } }, /hosts\["ghcr\.io"\]\.clientKey: clientCert and clientKey go together/],
    [{ hosts: { 'ghcr.io': { mirrors: 'm.io' } } }, /hosts\["ghcr\.io"\]\.mirrors: must be a list of registries/],
    [{ hosts: { 'ghcr.io': { mirrors: ['https://m.io'] } } }, /mirrors\[0\]: write the mirror as host\[:port\]\[\/path\], without a scheme/],
    [{ hosts: { 'ghcr.io': { mirrors: ['m.io/Upper'] } } }, /mirrors\[0\]: "\/Upper" is not a repository path prefix/],
    [{ hosts: { 'ghcr.io': { credentialHelper: '../evil' } } }, /credentialHelper: must be a helper suffix/],
    [{ hosts: { 'ghcr.io': { chunkSize: '5 parsecs' } } }, /chunkSize: must be a size/],
    [{ hosts: { 'ghcr.io': { requestsPerSecond: 0 } } }, /requestsPerSecond: must be a number above 0/],
    [{ hosts: { 'not a host': {} } }, /hosts\["not a host"\]: invalid registry/],
    [{ hosts: { 'docker.io': {}, 'index.docker.io': {} } }, /hosts\["index\.docker\.io"\]: names the same registry as "docker\.io"/],
  ])('%j is refused, naming the file and the key', (raw, message) => {
    const e = problem(raw);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`${FILE}: `)).toBe(true);
  });

  it('lists the known keys when a key is nowhere near one', () => {
    expect(problem({ hosts: { 'ghcr.io': { zzzzzzzz: 1 } } }).message).toContain('known keys: tls, caFile, clientCert, clientKey, mirrors, credentialHelper, concurrency, chunkSize, requestsPerSecond');
  });
});

describe('units', () => {
  it.each([
    [1024, 1024], ['1024', 1024], ['5MiB', 5 * 1024 * 1024], ['5 mib', 5 * 1024 * 1024], ['16MB', 16_000_000], ['1.5KiB', 1536], ['2GiB', 2 * 1024 ** 3],
  ])('size %j', (v, bytes) => expect(parseSize(v)).toBe(bytes));

  it.each([[0], [-1], [1.5], ['5 parsecs'], ['MiB'], [''], [null], [{}]])('not a size: %j', (v) => expect(parseSize(v)).toBeUndefined());

  it.each([[30, 30_000], [0.5, 500], ['500ms', 500], ['30s', 30_000], ['2m', 120_000], ['1h', 3_600_000], ['45', 45_000]])('duration %j', (v, ms) => expect(parseDuration(v)).toBe(ms));

  it.each([[0], [-3], ['soon'], ['10 years'], [null]])('not a duration: %j', (v) => expect(parseDuration(v)).toBeUndefined());
});
