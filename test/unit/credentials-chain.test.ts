import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegctlError, redact } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import {
  CredentialChain,
  EnvCredentials,
  PodmanCredentials,
  StaticCredentials,
  defaultCredentialChain,
  envVarFor,
  parseUserPassword,
  type Credential,
  type CredentialProvider,
} from '../../src/credentials/index.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('REGCTL_AUTH_<HOST>', () => {
  it.each([
    ['ghcr.io', 'REGCTL_AUTH_GHCR_IO'],
    ['localhost:5000', 'REGCTL_AUTH_LOCALHOST_5000'],
    ['127.0.0.1:5000', 'REGCTL_AUTH_127_0_0_1_5000'],
    ['my-registry.example.com', 'REGCTL_AUTH_MY_REGISTRY_EXAMPLE_COM'],
    ['docker.io', 'REGCTL_AUTH_DOCKER_IO'],
    ['index.docker.io', 'REGCTL_AUTH_DOCKER_IO'],
    ['https://index.docker.io/v1/', 'REGCTL_AUTH_DOCKER_IO'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'REGCTL_AUTH_123456789012_DKR_ECR_EU_WEST_1_AMAZONAWS_COM'],
  ])('%s -> %s', (host, name) => {
    expect(envVarFor(host)).toBe(name);
  });

  it('reads user:password, splitting at the first colon and dropping one trailing newline', async () => {
    const env = { REGCTL_AUTH_GHCR_IO: 'octo:ghp_with:colons\n', REGCTL_AUTH_EMPTY_EXAMPLE: '' };
    expect(await new EnvCredentials(env).get('ghcr.io')).toEqual({
      username: 'octo',
      password: 'ghp_with:colons',
      source: 'environment variable REGCTL_AUTH_GHCR_IO',
    });
    expect(await new EnvCredentials(env).get('quay.io')).toBeUndefined();
    expect(await new EnvCredentials(env).get('empty.example')).toBeUndefined();
    expect(redact('x ghp_with:colons y')).not.toContain('ghp_with:colons');
  });

  it.each(['no-colon-secret', ':only-password', 'user-only:'])('rejects %j without quoting it', (value) => {
    const err = (() => {
      try {
        parseUserPassword(value, 'environment variable REGCTL_AUTH_X');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RegctlError);
    expect(err).toMatchObject({ code: 'USAGE', message: expect.stringContaining('REGCTL_AUTH_X must be user:password') });
    expect((err as Error).message).not.toContain(value);
  });
});

describe('CredentialChain', () => {
  let warnings: string[];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m) };
  const fixed = (c: Credential | undefined): CredentialProvider => ({ get: async () => c });
  const failing = (e: Error): CredentialProvider => ({ get: async () => { throw e; } });
  beforeEach(() => {
    warnings = [];
  });

  it('returns the first credential, named by its link unless it names its own source', async () => {
    const chain = new CredentialChain([
      { name: 'one', provider: fixed(undefined) },
      { name: 'two', provider: fixed({ username: 'u2', password: 'p2-secret' }) },
      { name: 'three', provider: fixed({ username: 'u3', password: 'p3-secret', source: 'own' }) },
    ], logger);
    expect(await chain.get('h')).toEqual({ username: 'u2', password: 'p2-secret', source: 'two' });
    expect(await chain.explain('h')).toMatchObject({ answeredBy: 'two', tried: [{ name: 'one', found: false }, { name: 'two', found: true }] });
    expect(await new CredentialChain([{ name: 'none', provider: fixed(undefined) }]).explain('h')).toEqual({ tried: [{ name: 'none', found: false }] });
  });

  it('skips a link failing with CREDENTIALS, warning once; other errors stop the lookup', async () => {
    const chain = new CredentialChain([
      { name: 'keychain', provider: failing(new RegctlError('CREDENTIALS', 'locked')) },
      { name: 'file', provider: fixed({ username: 'f', password: 'file-secret' }) },
    ], logger);
    expect(await chain.get('a')).toMatchObject({ username: 'f' });
    expect(await chain.get('b')).toMatchObject({ username: 'f' });
    expect(warnings).toEqual(['keychain: locked; continuing without it']);
    expect((await chain.explain('c')).tried[0]).toEqual({ name: 'keychain', found: false, error: 'locked' });

    const broken = new CredentialChain([{ name: 'config', provider: failing(new RegctlError('CONFIG', 'bad json')) }], logger);
    await expect(broken.get('a')).rejects.toMatchObject({ code: 'CONFIG' });
  });
});

describe('defaultCredentialChain', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regctl-chain-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('asks explicit, environment, docker config, podman, then providers', async () => {
    const docker = join(dir, 'config.json');
    const podman = join(dir, 'auth.json');
    await writeFile(docker, JSON.stringify({ auths: { 'd.example': { auth: b64('docker:docker-pw') }, 'all.example': { auth: b64('docker:docker-pw') } } }));
    await writeFile(podman, JSON.stringify({ auths: { 'p.example': { auth: b64('podman:podman-pw') }, 'all.example': { auth: b64('podman:podman-pw') } } }));
    const env = { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: podman, PATH: '/nonexistent', REGCTL_AUTH_E_EXAMPLE: 'env:env-pw', REGCTL_AUTH_ALL_EXAMPLE: 'env:env-pw' };
    const providers = fixed({ username: 'cloud', password: 'cloud-pw', source: 'cloud' });
    const chain = defaultCredentialChain({ env, providers, explicit: new StaticCredentials({ 'x.example': { username: 'flag', password: 'flag-pw' } }) });
    expect(chain.links.map((l) => l.name)).toEqual(['command-line credentials', 'environment', 'docker config', 'podman auth file', 'provider credentials']);
    const user = async (h: string) => (await chain.get(h))?.username;
    expect(await user('x.example')).toBe('flag');
    expect(await user('e.example')).toBe('env');
    expect(await user('all.example')).toBe('env');
    expect(await user('d.example')).toBe('docker');
    expect(await user('p.example')).toBe('podman');
    expect(await user('elsewhere.example')).toBe('cloud');
    expect(await defaultCredentialChain({ env }).get('elsewhere.example')).toBeUndefined();
  });

  it('does not read the docker config a second time as podman\'s file (REGISTRY_AUTH_FILE pointing at it)', async () => {
    const docker = join(dir, 'config.json');
    await writeFile(docker, JSON.stringify({ auths: { 'a.example': { auth: b64('u:pw-once') } } }));
    const env = { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: docker };
    expect(await defaultCredentialChain({ env }).explain('a.example')).toMatchObject({ answeredBy: 'docker config' });
    expect(new PodmanCredentials({ env, skipPath: docker }).path).toBeUndefined();
    expect(new PodmanCredentials({ env }).path).toBe(docker);
  });

  function fixed(c: Credential | undefined): CredentialProvider {
    return { get: async () => c };
  }
});
