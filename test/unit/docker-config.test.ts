import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegctlError, redact } from '../../src/errors.js';
import {
  DockerConfigCredentials,
  configKeyFor,
  dockerConfigPath,
  eraseCredential,
  hostFromConfigKey,
  readDockerConfig,
  saveCredential,
  updateDockerConfig,
  withFileLock,
} from '../../src/credentials/index.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
let dir: string;
let cfgPath: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regctl-dockercfg-'));
  cfgPath = join(dir, 'docker', 'config.json');
  // Only what the code should look at: no real HOME, podman file or helpers leak in.
  env = { DOCKER_CONFIG: join(dir, 'docker'), PATH: '/nonexistent' };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(cfg: unknown, path = cfgPath): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof cfg === 'string' ? cfg : JSON.stringify(cfg));
}

const provider = () => new DockerConfigCredentials({ env });

describe('config keys', () => {
  const vectors: Array<[string, string]> = [
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['http://registry-1.docker.io/v2/', 'docker.io'],
    ['localhost:5000', 'localhost:5000'],
    ['http://localhost:5000', 'localhost:5000'],
    ['https://localhost:5000/v2/', 'localhost:5000'],
    ['HTTPS://GHCR.IO/', 'ghcr.io'],
    ['Quay.IO/org/repo', 'quay.io'],
    ['  myacr.azurecr.io  ', 'myacr.azurecr.io'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com'],
    ['[::1]:5000/v1/', '[::1]:5000'],
    ['europe-docker.pkg.dev/my-project', 'europe-docker.pkg.dev'],
    ['registry.docker.io', 'registry.docker.io'], // not a Hub alias docker knows
  ];
  it.each(vectors)('hostFromConfigKey(%j) = %j', (key, host) => {
    expect(hostFromConfigKey(key)).toBe(host);
  });

  it.each([
    ['docker.io', 'https://index.docker.io/v1/'],
    ['index.docker.io', 'https://index.docker.io/v1/'],
    ['registry-1.docker.io', 'https://index.docker.io/v1/'],
    ['localhost:5000', 'localhost:5000'],
    ['ghcr.io', 'ghcr.io'],
  ])('configKeyFor(%j) = %j', (host, key) => {
    expect(configKeyFor(host)).toBe(key);
  });
});

describe('dockerConfigPath', () => {
  it('uses DOCKER_CONFIG as a directory, else ~/.docker', () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: '/x/y' })).toBe(join('/x/y', 'config.json'));
    expect(dockerConfigPath({ HOME: '/home/u' })).toBe(join('/home/u', '.docker', 'config.json'));
  });
});

describe('readDockerConfig', () => {
  it('treats a missing or empty file as an empty config', async () => {
    expect(await readDockerConfig(join(dir, 'nope.json'))).toEqual({});
    await writeConfig('  \n');
    expect(await readDockerConfig(cfgPath)).toEqual({});
  });

  it('rejects invalid JSON with a CONFIG error naming the file and not echoing it', async () => {
    await writeConfig('{"auths": {"x": {"auth": "c2VjcmV0LXZhbHVl-TOPSECRET"}} oops');
    const err = await readDockerConfig(cfgPath).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegctlError);
    expect((err as RegctlError).code).toBe('CONFIG');
    expect((err as RegctlError).message).toContain(cfgPath);
    expect((err as RegctlError).message).not.toContain('TOPSECRET');
    expect((err as RegctlError).cause).toBeUndefined();
  });

  it('rejects JSON that is not an object, or auths of the wrong type', async () => {
    await writeConfig('[1,2]');
    await expect(readDockerConfig(cfgPath)).rejects.toMatchObject({ code: 'CONFIG' });
    await writeConfig({ auths: 'x' });
    await expect(readDockerConfig(cfgPath)).rejects.toMatchObject({ code: 'CONFIG' });
  });
});

describe('DockerConfigCredentials: auths entries', () => {
  it('decodes auth and splits at the first colon', async () => {
    await writeConfig({ auths: { 'localhost:5000': { auth: b64('alice:pa:ss:word') } } });
    const cred = await provider().get('localhost:5000');
    expect(cred).toEqual({ username: 'alice', password: 'pa:ss:word', source: `docker config ${cfgPath} (auths)` });
    expect(redact('x pa:ss:word y')).toBe('x *** y');
  });

  it('reads username/password fields, identitytoken and registrytoken', async () => {
    await writeConfig({
      auths: {
        'a.example': { username: 'bob', password: 'hunter2-a' },
        'b.example': { auth: b64('carol:'), identitytoken: 'refresh-tok-b' },
        'c.example': { registrytoken: 'bearer-tok-c' },
      },
    });
    const p = provider();
    expect(await p.get('a.example')).toMatchObject({ username: 'bob', password: 'hunter2-a' });
    const b = await p.get('b.example');
    expect(b).toMatchObject({ username: 'carol', identityToken: 'refresh-tok-b' });
    expect(b).not.toHaveProperty('password');
    expect(await p.get('c.example')).toMatchObject({ registryToken: 'bearer-tok-c' });
    expect(redact('refresh-tok-b bearer-tok-c')).toBe('*** ***');
  });

  it('finds Docker Hub under its v1 key by any alias', async () => {
    await writeConfig({ auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass1') } } });
    const p = provider();
    for (const h of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      expect(await p.get(h)).toMatchObject({ username: 'hubuser', password: 'hubpass1' });
    }
  });

  it('matches other spellings of a host, preferring the exact key', async () => {
    await writeConfig({
      auths: { 'http://localhost:5000': { auth: b64('old:oldpass') }, 'localhost:5000': { auth: b64('new:newpass') } },
    });
    expect(await provider().get('localhost:5000')).toMatchObject({ username: 'new' });
    await writeConfig({ auths: { 'https://localhost:5001/v2/': { auth: b64('u:p4ssword') } } });
    expect(await provider().get('localhost:5001')).toMatchObject({ username: 'u' });
  });

  it('does not treat an empty entry as a credential', async () => {
    await writeConfig({ auths: { 'localhost:5000': {}, 'x.example': { email: 'a@b.c' } } });
    expect(await provider().get('localhost:5000')).toBeUndefined();
    expect(await provider().get('x.example')).toBeUndefined();
    expect(await provider().get('unknown.example')).toBeUndefined();
  });

  it('reports a malformed auth value as CONFIG without its content', async () => {
    await writeConfig({ auths: { 'bad.example': { auth: b64('no-colon-secretish') } } });
    const err = await provider().get('bad.example').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG' });
    expect((err as Error).message).toContain('bad.example');
    expect((err as Error).message).not.toContain('no-colon-secretish');
  });

  it('caches per host within an instance', async () => {
    await writeConfig({ auths: { 'localhost:5000': { auth: b64('one:first-pass') } } });
    const p = provider();
    expect(await p.get('localhost:5000')).toMatchObject({ username: 'one' });
    await writeConfig({ auths: { 'localhost:5000': { auth: b64('two:second-pass') } } });
    expect(await p.get('localhost:5000')).toMatchObject({ username: 'one' });
    expect(await provider().get('localhost:5000')).toMatchObject({ username: 'two' });
  });

  it('falls back to the podman auth file, host-level keys only', async () => {
    const podman = join(dir, 'run', 'containers', 'auth.json');
    await writeConfig({ auths: { 'quay.io/org/private': { auth: b64('scoped:scoped-pass') }, 'quay.io': { auth: b64('pod:podpass1') } } }, podman);
    await writeConfig({ auths: {} });
    env.XDG_RUNTIME_DIR = join(dir, 'run');
    expect(await provider().get('quay.io')).toEqual({ username: 'pod', password: 'podpass1', source: `podman auth file ${podman}` });
    // REGISTRY_AUTH_FILE wins over XDG_RUNTIME_DIR.
    const other = join(dir, 'other-auth.json');
    await writeConfig({ auths: { 'https://quay.io/v2/': { auth: b64('env:envpass1') } } }, other);
    env.REGISTRY_AUTH_FILE = other;
    expect(await provider().get('quay.io')).toMatchObject({ username: 'env', source: `podman auth file ${other}` });
    await writeConfig({ auths: { 'quay.io/org/private': { auth: b64('scoped:scoped-pass') } } }, other);
    expect(await provider().get('quay.io')).toBeUndefined();
  });

  it('prefers docker config over podman', async () => {
    await writeConfig({ auths: { 'quay.io': { auth: b64('dock:dockpass') } } });
    const podman = join(dir, 'podman.json');
    await writeConfig({ auths: { 'quay.io': { auth: b64('pod:podpass') } } }, podman);
    env.REGISTRY_AUTH_FILE = podman;
    expect(await provider().get('quay.io')).toMatchObject({ username: 'dock' });
  });
});

const FOREIGN = {
  HttpHeaders: { 'User-Agent': 'Docker-Client/24', 'X-Meta-Source': 'ci' },
  proxies: { default: { httpProxy: 'http://proxy:3128', noProxy: '*.internal' } },
  currentContext: 'rootless',
  plugins: { buildx: { nested: { deep: [1, 'two', { three: null }] } } },
  detachKeys: 'ctrl-e,e',
};

// keychain: false (regctl login --no-keychain) on purpose: these pin the file format.
describe('saveCredential / eraseCredential (plain file)', () => {
  it('writes auth in docker format and keeps foreign keys through save and erase', async () => {
    await writeConfig({ ...FOREIGN, auths: { 'ghcr.io': { auth: b64('gh:ghp_keepme') } } });
    const { where } = await saveCredential('localhost:5000', { username: 'alice', password: 'pa:ss' }, { env, keychain: false });
    expect(where).toBe(`docker config ${cfgPath}`);
    expect(where).not.toContain('pa:ss');
    const text = await readFile(cfgPath, 'utf8');
    // Only our entry is new: the (compact) file keeps every other byte.
    expect(text).toBe(JSON.stringify({ ...FOREIGN, auths: { 'ghcr.io': { auth: b64('gh:ghp_keepme') }, 'localhost:5000': { auth: b64('alice:pa:ss') } } }));
    const saved = JSON.parse(text);
    expect(saved).toEqual({
      ...FOREIGN,
      auths: { 'ghcr.io': { auth: b64('gh:ghp_keepme') }, 'localhost:5000': { auth: b64('alice:pa:ss') } },
    });
    expect(await provider().get('localhost:5000')).toMatchObject({ username: 'alice', password: 'pa:ss' });

    expect(await eraseCredential('localhost:5000', { env })).toBe(true);
    expect(JSON.parse(await readFile(cfgPath, 'utf8'))).toEqual({ ...FOREIGN, auths: { 'ghcr.io': { auth: b64('gh:ghp_keepme') } } });
    expect(await eraseCredential('localhost:5000', { env })).toBe(false);
  });

  it('uses the Hub key, stores identity tokens, and replaces other spellings of the host', async () => {
    await writeConfig({ auths: { 'index.docker.io': { auth: b64('stale:stale-pass') }, 'http://r.example': { auth: b64('x:oldpass') } } });
    await saveCredential('docker.io', { username: 'hub', password: 'dckr_pat_1' }, { env, keychain: false });
    await saveCredential('r.example', { identityToken: 'refresh-123', username: 'me' }, { env, keychain: false });
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
    expect(cfg.auths).toEqual({
      'https://index.docker.io/v1/': { auth: b64('hub:dckr_pat_1') },
      'r.example': { auth: b64('me:'), identitytoken: 'refresh-123' },
    });
    expect(await provider().get('r.example')).toMatchObject({ username: 'me', identityToken: 'refresh-123' });
  });

  it('rejects a user name with a colon', async () => {
    await expect(saveCredential('a.example', { username: 'a:b', password: 'x' }, { env, keychain: false })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('creates the directory 0700 and the file 0600, leaving no temp or lock files', async () => {
    await saveCredential('a.example', { username: 'u', password: 'secret-1' }, { env, keychain: false });
    expect((await stat(dirname(cfgPath))).mode & 0o777).toBe(0o700);
    expect((await stat(cfgPath)).mode & 0o777).toBe(0o600);
    await writeFile(cfgPath, '{}', { mode: 0o644 });
    await saveCredential('b.example', { username: 'u', password: 'secret-2' }, { env, keychain: false });
    expect((await stat(cfgPath)).mode & 0o777).toBe(0o600);
    expect(await readdir(dirname(cfgPath))).toEqual(['config.json']);
  });

  it('does not create a config file when erasing from nothing', async () => {
    expect(await eraseCredential('a.example', { env })).toBe(false);
    await expect(stat(cfgPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes through a symlinked config.json', async () => {
    const real = join(dir, 'dotfiles', 'docker.json');
    await writeConfig({ currentContext: 'x' }, real);
    await mkdir(dirname(cfgPath), { recursive: true });
    await symlink(real, cfgPath);
    await saveCredential('a.example', { username: 'u', password: 'secret-3' }, { env, keychain: false });
    expect((await stat(cfgPath)).isFile()).toBe(true);
    expect(JSON.parse(await readFile(real, 'utf8')).auths['a.example']).toBeDefined();
  });

  it('does not write when mutate reports no change', async () => {
    await writeConfig('{"a":1}');
    expect(await updateDockerConfig(cfgPath, () => false)).toBe(false);
    expect(await readFile(cfgPath, 'utf8')).toBe('{"a":1}');
  });

  it('serialises concurrent in-process saves', async () => {
    await writeConfig(FOREIGN);
    const hosts = Array.from({ length: 25 }, (_, i) => `h${i}.example`);
    await Promise.all(hosts.map((h, i) => saveCredential(h, { username: `u${i}`, password: `p-${i}-secret` }, { env, keychain: false })));
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
    expect(Object.keys(cfg.auths).sort()).toEqual([...hosts].sort());
    expect(cfg.currentContext).toBe(FOREIGN.currentContext);
  });
});

describe('saveCredential when no OS keychain is usable', () => {
  // The keychain is reached in-process, over this process's session bus address.
  let bus: string | undefined;
  beforeEach(() => {
    bus = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/regctl-test-bus';
  });
  afterEach(() => {
    if (bus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = bus;
  });
  const capture = () => {
    const warnings: string[] = [];
    return { warnings, logger: { debug() {}, info() {}, warn: (m: string) => void warnings.push(m) } };
  };
  const fallback = () => `no OS keychain (no D-Bus session bus, so no Secret Service); saved the login base64-encoded in ${cfgPath} (--no-keychain skips the keychain)`;

  it('saves base64 auths, drops a stale keychain marker, and says so in one warning', async () => {
    await writeConfig({ credHelpers: { 'a.example': 'regctl', 'b.example': 'regctl' } });
    const { warnings, logger } = capture();
    const { where } = await saveCredential('a.example', { username: 'u', password: 'fallback-secret-1' }, { env, logger });
    expect(where).toBe(`docker config ${cfgPath}`);
    expect(warnings).toEqual([fallback()]);
    expect(JSON.parse(await readFile(cfgPath, 'utf8'))).toEqual({ credHelpers: { 'b.example': 'regctl' }, auths: { 'a.example': { auth: b64('u:fallback-secret-1') } } });
  });

  it.each([
    ['1', 0],
    ['true', 0],
    ['YES', 0],
    ['0', 1],
    ['', 1],
  ])('REGCTL_NO_KEYCHAIN=%j skips the keychain (warnings: %i)', async (value, expected) => {
    const { warnings, logger } = capture();
    await saveCredential('a.example', { username: 'u', password: 'env-secret-1' }, { env: { ...env, REGCTL_NO_KEYCHAIN: value }, logger });
    expect(warnings).toHaveLength(expected);
    expect(JSON.parse(await readFile(cfgPath, 'utf8')).auths['a.example']).toEqual({ auth: b64('u:env-secret-1') });
  });

  it('an explicit keychain option wins over REGCTL_NO_KEYCHAIN', async () => {
    const { warnings, logger } = capture();
    await saveCredential('a.example', { username: 'u', password: 'opt-secret-1' }, { env: { ...env, REGCTL_NO_KEYCHAIN: '1' }, keychain: true, logger });
    expect(warnings).toEqual([fallback()]);
  });
});

describe('withFileLock', () => {
  it('times out with CREDENTIALS while another holder keeps the lock', async () => {
    const lock = join(dir, 'x.lock');
    await writeFile(lock, 'someone else\n');
    const err = await withFileLock(lock, async () => 1, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CREDENTIALS' });
    expect((err as Error).message).toContain(lock);
    expect(await readFile(lock, 'utf8')).toBe('someone else\n');
  });

  it('breaks a stale lock and removes its own lock afterwards', async () => {
    const lock = join(dir, 'y.lock');
    await writeFile(lock, 'crashed\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    expect(await withFileLock(lock, async () => 42, { timeoutMs: 2000 })).toBe(42);
    expect(await readdir(dir)).toEqual([]);
  });
});

// Several real processes: the lock has to hold across process boundaries, which in-process
// promises cannot show. The children run a plain-JS transpile of src (tsx is not available).
async function transpileSources(out: string): Promise<string> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const files = ['src/errors.ts', 'src/log.ts', ...(await readdir(join(root, 'src/credentials'))).filter((f) => f.endsWith('.ts')).map((f) => `src/credentials/${f}`)];
  for (const f of files) {
    const js = ts.transpileModule(await readFile(join(root, f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const dest = join(out, f.replace(/\.ts$/, '.js'));
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, js);
  }
  await writeFile(join(out, 'package.json'), '{"type":"module"}');
  return join(out, 'src/credentials/store.js');
}

function runNode(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stderr }));
  });
}

describe('multi-process writers', () => {
  it('8 processes saving at once lose no update and leave a valid file', async () => {
    const storeJs = await transpileSources(join(dir, 'build'));
    const script = join(dir, 'build', 'writer.mjs');
    await writeFile(
      script,
      `import { saveCredential } from ${JSON.stringify(pathToFileURL(storeJs).href)};
const [configPath, worker] = process.argv.slice(2);
for (let i = 0; i < 6; i++) {
  await saveCredential('w' + worker + '-' + i + '.example', { username: 'u' + worker, password: 'p:' + i + '-secret' }, { configPath, env: {}, keychain: false });
}
`,
    );
    await writeConfig(FOREIGN);
    const results = await Promise.all(Array.from({ length: 8 }, (_, w) => runNode(script, [cfgPath, String(w)])));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
    expect(Object.keys(cfg.auths)).toHaveLength(48);
    expect(cfg.auths['w7-5.example']).toEqual({ auth: b64('u7:p:5-secret') });
    expect(cfg.proxies).toEqual(FOREIGN.proxies);
    expect(await readdir(dirname(cfgPath))).toEqual(['config.json']);
  });
});
