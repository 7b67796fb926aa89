import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redact } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import {
  DockerConfigCredentials,
  eraseCredential,
  helperErase,
  helperGet,
  helperList,
  helperStore,
  saveCredential,
} from '../../src/credentials/index.js';

// A credential helper speaking the docker-credential-helpers protocol over a JSON file, so the
// real spawn/stdin/stdout/exit-status path is exercised. It logs each verb and input (never
// a store's secret) so tests can see which server URLs were asked.
const FAKE_HELPER = `#!${process.execPath}
const fs = require('fs');
const file = process.env.FAKE_HELPER_DB;
const verb = process.argv[2];
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const db = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const save = () => fs.writeFileSync(file, JSON.stringify(db));
  const notFound = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
  fs.appendFileSync(file + '.log', verb + ' ' + (verb === 'store' ? JSON.parse(input).ServerURL : input.trim()) + '\\n');
  if (verb === 'get') {
    const e = db[input.trim()];
    if (!e) notFound();
    process.stdout.write(JSON.stringify({ ServerURL: input.trim(), Username: e.Username, Secret: e.Secret }));
  } else if (verb === 'store') {
    const c = JSON.parse(input);
    db[c.ServerURL] = { Username: c.Username, Secret: c.Secret };
    save();
  } else if (verb === 'erase') {
    if (!db[input.trim()]) notFound();
    delete db[input.trim()];
    save();
  } else if (verb === 'list') {
    process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(db).map(([k, v]) => [k, v.Username]))));
  } else {
    process.stdout.write('unknown verb'); process.exit(1);
  }
});
`;

const BROKEN_HELPER = `#!/bin/sh
echo "gpg: decryption failed: No secret key"
exit 1
`;

const SLOW_HELPER = `#!/bin/sh
exec sleep 5
`;

let root: string;
let bin: string;
let db: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'regctl-credhelper-'));
  bin = join(root, 'bin');
  await mkdir(bin);
  for (const [name, text] of [['fake', FAKE_HELPER], ['fake2', FAKE_HELPER], ['broken', BROKEN_HELPER], ['slow', SLOW_HELPER]]) {
    await writeFile(join(bin, `docker-credential-${name}`), text!);
    await chmod(join(bin, `docker-credential-${name}`), 0o755);
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let cfgDir: string;
let env: NodeJS.ProcessEnv;
let warnings: string[];
const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m) };

beforeEach(async () => {
  cfgDir = await mkdtemp(join(root, 'cfg-'));
  db = join(cfgDir, 'helper-db.json');
  env = { DOCKER_CONFIG: cfgDir, PATH: `${bin}${delimiter}${process.env.PATH}`, FAKE_HELPER_DB: db };
  warnings = [];
});

const writeConfig = (cfg: unknown) => writeFile(join(cfgDir, 'config.json'), JSON.stringify(cfg));
const readConfig = async () => JSON.parse(await readFile(join(cfgDir, 'config.json'), 'utf8'));
const helperDb = async () => JSON.parse(await readFile(db, 'utf8'));
const helperLog = async () => (await readFile(`${db}.log`, 'utf8')).trim().split('\n');
const provider = () => new DockerConfigCredentials({ env, logger });

describe('helper protocol', () => {
  it('stores, gets, lists and erases', async () => {
    await helperStore('fake', { ServerURL: 'r.example', Username: 'u', Secret: 'helper-secret-1' }, { env });
    expect(await helperGet('fake', 'r.example', { env })).toEqual({ ServerURL: 'r.example', Username: 'u', Secret: 'helper-secret-1' });
    expect(await helperList('fake', { env })).toEqual({ 'r.example': 'u' });
    expect(await helperErase('fake', 'r.example', { env })).toBe(true);
    expect(await helperErase('fake', 'r.example', { env })).toBe(false);
    expect(await helperGet('fake', 'r.example', { env })).toBeUndefined();
  });

  it('reports a missing, failing or hanging helper as CREDENTIALS', async () => {
    await expect(helperGet('absent', 'r.example', { env })).rejects.toMatchObject({
      code: 'CREDENTIALS',
      message: expect.stringContaining('docker-credential-absent is not installed'),
    });
    await expect(helperGet('broken', 'r.example', { env })).rejects.toMatchObject({
      code: 'CREDENTIALS',
      message: expect.stringMatching(/docker-credential-broken failed to get \(exit 1\): gpg: decryption failed/),
    });
    await expect(helperGet('slow', 'r.example', { env, timeoutMs: 300 })).rejects.toMatchObject({
      code: 'CREDENTIALS',
      message: expect.stringContaining('did not answer'),
    });
    await expect(helperGet('../../bin/sh', 'r.example', { env })).rejects.toMatchObject({ code: 'CREDENTIALS' });
  });
});

describe('DockerConfigCredentials with helpers', () => {
  it('reads credsStore, mapping <token> to an identity token', async () => {
    await writeFile(db, JSON.stringify({ 'r.example': { Username: '<token>', Secret: 'refresh-from-helper' } }));
    await writeConfig({ credsStore: 'fake', auths: { 'r.example': {} } });
    const cred = await provider().get('r.example');
    expect(cred).toEqual({ identityToken: 'refresh-from-helper', source: 'credential helper docker-credential-fake' });
    expect(redact('tok=refresh-from-helper')).not.toContain('refresh-from-helper');
  });

  it('asks the Hub key only for Hub, and the bare host then https://host for others', async () => {
    await writeFile(db, JSON.stringify({ 'https://other.example': { Username: 'o', Secret: 'other-pass' } }));
    await writeConfig({ credsStore: 'fake' });
    const p = provider();
    expect(await p.get('docker.io')).toBeUndefined();
    expect(await p.get('other.example')).toMatchObject({ username: 'o', password: 'other-pass' });
    expect(await helperLog()).toEqual(['get https://index.docker.io/v1/', 'get other.example', 'get https://other.example']);
  });

  it('prefers the per-host helper, then auths, then credsStore', async () => {
    await writeFile(db, JSON.stringify({ 'a.example': { Username: 'from-fake', Secret: 'pw-fake-a' }, 'b.example': { Username: 'store-b', Secret: 'pw-store-b' } }));
    await writeConfig({
      credsStore: 'fake',
      credHelpers: { 'a.example': 'fake' },
      auths: { 'a.example': { auth: Buffer.from('file-a:pw-file-a').toString('base64') }, 'b.example': { auth: Buffer.from('file-b:pw-file-b').toString('base64') } },
    });
    const p = provider();
    expect(await p.get('a.example')).toMatchObject({ username: 'from-fake', source: 'credential helper docker-credential-fake' });
    expect(await p.get('b.example')).toMatchObject({ username: 'file-b', source: expect.stringContaining('(auths)') });
    expect(await p.get('c.example')).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('a configured but missing helper warns once and falls back', async () => {
    await writeConfig({
      credsStore: 'missing-store',
      credHelpers: { 'a.example': 'missing-per-host' },
      auths: { 'a.example': { auth: Buffer.from('file-a:pw-file-a').toString('base64') } },
    });
    const p = provider();
    expect(await p.get('a.example')).toMatchObject({ username: 'file-a' });
    expect(await p.get('b.example')).toBeUndefined();
    expect(await p.get('c.example')).toBeUndefined();
    expect(await provider().get('d.example')).toBeUndefined();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('docker-credential-missing-per-host');
    expect(warnings[1]).toContain('docker-credential-missing-store');
    expect(warnings.join('\n')).not.toContain('pw-file-a');
  });

  it('a failing helper warns with its own words and lookup continues to podman', async () => {
    const podman = join(cfgDir, 'podman-auth.json');
    await writeFile(podman, JSON.stringify({ auths: { 'p.example': { auth: Buffer.from('pod:pod-pass').toString('base64') } } }));
    await writeConfig({ credsStore: 'broken' });
    env.REGISTRY_AUTH_FILE = podman;
    expect(await provider().get('p.example')).toMatchObject({ username: 'pod', source: `podman auth file ${podman}` });
    expect(warnings).toEqual([expect.stringContaining('docker-credential-broken failed to get (exit 1): gpg: decryption failed')]);
  });
});

describe('saveCredential / eraseCredential with helpers', () => {
  it('through credsStore: secret in the helper, empty auths marker in the file', async () => {
    await writeConfig({ credsStore: 'fake', currentContext: 'default', auths: { 'http://r.example': { auth: Buffer.from('old:old-pass').toString('base64') } } });
    const { where } = await saveCredential('r.example', { username: 'alice', password: 'pw:with:colons' }, { env });
    expect(where).toBe('credential helper docker-credential-fake');
    expect(await readConfig()).toEqual({ credsStore: 'fake', currentContext: 'default', auths: { 'r.example': {} } });
    expect(await helperDb()).toEqual({ 'r.example': { Username: 'alice', Secret: 'pw:with:colons' } });
    expect(await provider().get('r.example')).toMatchObject({ username: 'alice', password: 'pw:with:colons' });

    await saveCredential('docker.io', { identityToken: 'hub-refresh-tok' }, { env });
    expect((await helperDb())['https://index.docker.io/v1/']).toEqual({ Username: '<token>', Secret: 'hub-refresh-tok' });

    expect(await eraseCredential('r.example', { env })).toBe(true);
    expect(await helperDb()).not.toHaveProperty('r.example');
    expect((await readConfig()).auths).toEqual({ 'https://index.docker.io/v1/': {} });
    expect(await eraseCredential('r.example', { env })).toBe(false);
  });

  it('through credHelpers for one host only; other hosts go to the file', async () => {
    await writeConfig({ credHelpers: { 'a.example': 'fake2' }, proxies: { default: { httpProxy: 'http://p:1' } } });
    expect((await saveCredential('a.example', { username: 'ua', password: 'pass-a-1' }, { env })).where).toBe('credential helper docker-credential-fake2');
    // No helper for b.example: without the keychain (this tests the file), it goes to auths.
    expect((await saveCredential('b.example', { username: 'ub', password: 'pass-b-1' }, { env, keychain: false })).where).toContain('docker config');
    const cfg = await readConfig();
    expect(cfg.auths).toEqual({ 'b.example': { auth: Buffer.from('ub:pass-b-1').toString('base64') } });
    expect(cfg.proxies).toEqual({ default: { httpProxy: 'http://p:1' } });
    expect(await helperDb()).toEqual({ 'a.example': { Username: 'ua', Secret: 'pass-a-1' } });
    expect(await provider().get('a.example')).toMatchObject({ username: 'ua', source: 'credential helper docker-credential-fake2' });
    expect(await eraseCredential('a.example', { env })).toBe(true);
    expect(await helperDb()).toEqual({});
  });

  it('a missing store helper fails the save without writing the file or leaking the secret', async () => {
    await writeConfig({ credsStore: 'nowhere' });
    const err = await saveCredential('a.example', { username: 'u', password: 'never-printed-1' }, { env }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CREDENTIALS', message: expect.stringContaining('docker-credential-nowhere') });
    expect((err as Error).message).not.toContain('never-printed-1');
    expect(await readConfig()).toEqual({ credsStore: 'nowhere' });
  });
});
