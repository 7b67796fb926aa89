import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eraseLogin } from '../../src/credentials/index.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regctl-store-'));
  await mkdir(join(dir, 'bin'));
  // A helper that fails every verb, as a locked or broken keychain does.
  await writeFile(join(dir, 'bin', 'docker-credential-broken'), '#!/bin/sh\necho "keychain is locked"\nexit 1\n');
  await chmod(join(dir, 'bin', 'docker-credential-broken'), 0o755);
  env = { DOCKER_CONFIG: dir, PATH: join(dir, 'bin') };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readJson = async (f: string) => JSON.parse(await readFile(f, 'utf8'));

describe('eraseLogin', () => {
  it('removes every spelling from the docker config and podman\'s file, and says where', async () => {
    const podman = join(dir, 'auth.json');
    env.REGISTRY_AUTH_FILE = podman;
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { 'r.example': { auth: b64('a:b') }, 'https://r.example/v2/': { auth: b64('a:c') }, 'keep.example': {} } }));
    await writeFile(podman, JSON.stringify({ auths: { 'r.example': { auth: b64('p:q') } }, credHelpers: {} }));
    expect(await eraseLogin('r.example', { env })).toEqual([`docker config ${join(dir, 'config.json')}`, `podman auth file ${podman}`]);
    expect(await readJson(join(dir, 'config.json'))).toEqual({ auths: { 'keep.example': {} } });
    expect(await readJson(podman)).toEqual({ auths: {}, credHelpers: {} });
    expect(await eraseLogin('r.example', { env })).toEqual([]);
  });

  it('a configured helper that is not installed holds nothing: the logout still succeeds', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: 'not-installed', auths: { 'r.example': { auth: b64('a:b') } } }));
    expect(await eraseLogin('r.example', { env })).toEqual([`docker config ${join(dir, 'config.json')}`]);
  });

  it('a failing helper is reported, after the file has been cleaned', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: 'broken', auths: { 'r.example': {} } }));
    await expect(eraseLogin('r.example', { env })).rejects.toMatchObject({
      code: 'CREDENTIALS',
      message: expect.stringContaining('docker-credential-broken failed to erase (exit 1): keychain is locked'),
    });
    expect(await readJson(join(dir, 'config.json'))).toEqual({ credsStore: 'broken', auths: {} });
  });
});
