/**
 * The OS keychain path: `@napi-rs/keyring` against a real Secret Service (gnome-keyring on a
 * private session bus), the `credHelpers[host] = "regctl"` marker that lets other tools find the
 * secret through `docker-credential-regctl`, and the fallback when no Secret Service runs.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, NO_SESSION_BUS, runCli, tempDockerConfig } from '../harness/cli.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { startSecretService, type SecretService } from '../harness/secret-service.js';
import { skopeoRaw } from '../harness/skopeo.js';
import { keychainErase, keychainGet, keychainList, keychainSet } from '../../src/credentials/keychain.js';

const HELPER_BIN = join(dirname(CLI_BIN), 'docker-credential-regctl.js');
const NO_BUS = NO_SESSION_BUS;

let ss: SecretService;
let reg: RunningRegistry;
let image: BuiltImage;
let user: string;
let password: string;
let binDir: string;
let emptyBus: { address: string; stop(): Promise<void> };

beforeAll(async () => {
  [ss, reg, emptyBus] = await Promise.all([startSecretService(), startRegistry({ mode: 'basic' }), startEmptyBus()]);
  [user, password] = Object.entries(reg.users)[0]!;
  image = await pushImage(targetFor(reg, 'team/app'), 'team/app', 'v1');
  // What `npm install -g` puts on PATH: docker-credential-regctl, for tools other than regctl.
  binDir = await mkdtemp(join(tmpdir(), 'regctl-helperbin-'));
  await writeFile(join(binDir, 'docker-credential-regctl'), `#!/bin/sh\nexec "${process.execPath}" "${HELPER_BIN}" "$@"\n`);
  await chmod(join(binDir, 'docker-credential-regctl'), 0o755);
});
afterAll(async () => {
  await Promise.all([ss?.stop(), reg?.stop(), emptyBus?.stop(), binDir && rm(binDir, { recursive: true, force: true })]);
});

/**
 * A session bus with nothing on it: no service files, so nothing (gnome-keyring) is activated
 * when a client asks for org.freedesktop.secrets, as on a server that has D-Bus but no keyring.
 */
async function startEmptyBus(): Promise<{ address: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-emptybus-'));
  await writeFile(join(dir, 'session.conf'), `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`);
  const child: ChildProcess = spawn('dbus-daemon', [`--config-file=${join(dir, 'session.conf')}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGTERM');
      await closed;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]!.trim());
    });
    child.once('error', reject);
    child.once('close', (code) => reject(new Error(`dbus-daemon exited with ${code}: ${err.trim()}`)));
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return { address, stop };
}

function credentialHelper(verb: string, input: string, bus = ss.address): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const c = execFile(process.execPath, [HELPER_BIN, verb], { env: { ...ss.env, DBUS_SESSION_BUS_ADDRESS: bus }, timeout: 15_000 }, (err, stdout) =>
      resolve({ code: err ? Number(err.code) || 1 : 0, stdout }),
    );
    c.stdin!.end(input);
  });
}

describe('@napi-rs/keyring in-process', () => {
  it('stores, reads, lists and erases items in the Secret Service', async () => {
    const before = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = ss.address;
    try {
      await keychainSet('inproc.example', { Username: 'u1', Secret: 'inproc-secret-1' });
      expect(await keychainGet('inproc.example')).toEqual({ Username: 'u1', Secret: 'inproc-secret-1' });
      expect(await keychainList()).toMatchObject({ 'inproc.example': 'u1' });
      // Another process on the same bus sees it: it lives in the Secret Service, not in memory.
      const got = await credentialHelper('get', 'inproc.example');
      expect(JSON.parse(got.stdout)).toEqual({ ServerURL: 'inproc.example', Username: 'u1', Secret: 'inproc-secret-1' });
      // ... and a process without the bus does not (it is not in a kernel keyring either).
      expect(await credentialHelper('get', 'inproc.example', NO_BUS)).toMatchObject({ code: 1, stdout: expect.stringContaining('could not be read') });
      expect(await keychainErase('inproc.example')).toBe(true);
      expect(await keychainErase('inproc.example')).toBe(false);
      expect(await keychainGet('inproc.example')).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = before;
    }
  });
});

describe('docker-credential-regctl', () => {
  it('speaks the credential helper protocol', async () => {
    expect(await credentialHelper('store', JSON.stringify({ ServerURL: 'p.example', Username: 'pu', Secret: 'proto-secret-1' }))).toMatchObject({ code: 0 });
    expect(JSON.parse((await credentialHelper('list', '')).stdout)).toMatchObject({ 'p.example': 'pu' });
    expect(await credentialHelper('erase', 'p.example')).toMatchObject({ code: 0 });
    expect(await credentialHelper('get', 'p.example')).toEqual({ code: 1, stdout: 'credentials not found in native keychain\n' });
    expect(await credentialHelper('erase', 'p.example')).toMatchObject({ code: 1, stdout: expect.stringContaining('credentials not found') });
    expect(await credentialHelper('store', 'not json')).toMatchObject({ code: 1, stdout: expect.stringContaining('store expects JSON') });
    expect(await credentialHelper('frobnicate', '')).toMatchObject({ code: 1, stdout: expect.stringContaining('unknown verb') });
  });
});

describe('regctl login and the OS keychain', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  // What `npm install -g` gives other tools: docker-credential-regctl on their PATH.
  const withHelperOnPath = (env: Record<string, string>) => ({ ...env, PATH: `${binDir}${delimiter}${process.env.PATH}` });
  const skopeoInspect = (cfgDir: string, env: Record<string, string>) =>
    skopeoRaw(['inspect', '--raw', '--authfile', join(cfgDir, 'config.json'), '--cert-dir', reg.certs.caCertDir, `docker://${reg.host}/team/app:v1`], { env });

  it('by default keeps the secret in the keychain, marks credHelpers, and is read by regctl and by skopeo', async () => {
    const original = { HttpHeaders: { 'X-Keep': 'yes' }, auths: { 'other.example': { auth: b64('o:other-pass') } } };
    const cfg = await tempDockerConfig(original);
    const env = { ...ss.env, ...cfg.env };
    const cli = (args: string[], input?: string) => runCli(['--ca-file', reg.caFile!, ...args], { env, ...(input !== undefined && { input }) });
    try {
      // No credHelpers entry or credsStore for the host: the keychain is the place.
      const login = await cli(['login', reg.host, '-u', user, '--password-stdin'], `${password}\n`);
      expect(login.stderr).toBe('');
      expect(login.code).toBe(0);
      expect(login.stdout).toContain('the OS keychain');

      const text = await readFile(join(cfg.dir, 'config.json'), 'utf8');
      expect(text).not.toContain(password);
      expect(JSON.parse(text)).toEqual({ ...original, credHelpers: { [reg.host]: 'regctl' } });
      expect(JSON.parse((await credentialHelper('get', reg.host)).stdout)).toMatchObject({ Username: user, Secret: password });

      expect((await cli(['list', `${reg.host}/team/app`])).stdout.trim()).toBe('v1');
      const show = JSON.parse((await cli(['--json', 'login', '--show', reg.host])).stdout);
      expect(show).toMatchObject({ kind: 'password', username: user, source: 'the OS keychain (credHelpers "regctl")' });

      // skopeo finds `credHelpers: regctl` in the same file and runs docker-credential-regctl.
      expect((await skopeoInspect(cfg.dir, withHelperOnPath(env))).equals(image.manifest)).toBe(true);

      // The marker is sticky: a later login goes to the keychain again.
      const again = await cli(['login', reg.host, '-u', user, '--password-stdin'], `${password}\n`);
      expect(again.stdout).toContain('the OS keychain');

      const logout = await cli(['logout', reg.host]);
      expect(logout.stdout).toContain('the OS keychain');
      expect(await credentialHelper('get', reg.host)).toMatchObject({ code: 1 });
      expect(JSON.parse(await readFile(join(cfg.dir, 'config.json'), 'utf8'))).toEqual(original);
    } finally {
      await cfg.cleanup();
    }
  });

  it.each([
    ['--no-keychain', ['--no-keychain'], {}],
    ['REGCTL_NO_KEYCHAIN=1', [], { REGCTL_NO_KEYCHAIN: '1' }],
  ])('%s saves base64 auths for tools without docker-credential-regctl, and moves a marked host out of the keychain', async (_how, flags, extraEnv) => {
    const cfg = await tempDockerConfig({ HttpHeaders: { 'X-Keep': 'yes' } });
    const env = { ...ss.env, ...cfg.env };
    const login = (more: string[], e: Record<string, string>) =>
      runCli(['--ca-file', reg.caFile!, 'login', ...more, reg.host, '-u', user, '--password-stdin'], { env: e, input: `${password}\n` });
    try {
      expect((await login([], env)).stdout).toContain('the OS keychain');
      const r = await login(flags, { ...env, ...extraEnv });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`docker config ${join(cfg.dir, 'config.json')}`);
      // No marker left to send lookups to the keychain first, and no stale secret kept there.
      expect(await cfg.read()).toEqual({ HttpHeaders: { 'X-Keep': 'yes' }, auths: { [reg.host]: { auth: b64(`${user}:${password}`) } } });
      expect(await credentialHelper('get', reg.host)).toEqual({ code: 1, stdout: 'credentials not found in native keychain\n' });
      // skopeo reads it with nothing of regctl's on its PATH (regctl run through npx).
      expect((await skopeoInspect(cfg.dir, { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cfg.dir })).equals(image.manifest)).toBe(true);
    } finally {
      await cfg.cleanup();
    }
  });

  it.each([
    ['points at no bus', { DBUS_SESSION_BUS_ADDRESS: NO_BUS }, 'no D-Bus session bus, so no Secret Service'],
    ['is empty', { DBUS_SESSION_BUS_ADDRESS: '' }, 'no D-Bus session bus, so no Secret Service'],
    ['has no Secret Service on it', () => ({ DBUS_SESSION_BUS_ADDRESS: emptyBus.address }), 'no Secret Service on the session bus'],
  ])('falls back to base64 auths with one warning line when the session bus %s', async (_what, bus, why) => {
    const cfg = await tempDockerConfig();
    try {
      const { DBUS_SESSION_BUS_ADDRESS: _drop, ...noBus } = ss.env;
      const env = { ...noBus, ...(typeof bus === 'function' ? bus() : bus), ...cfg.env };
      const login = await runCli(['--ca-file', reg.caFile!, 'login', reg.host, '-u', user, '--password-stdin'], { env, input: `${password}\n` });
      expect(login.code).toBe(0);
      const path = join(cfg.dir, 'config.json');
      expect(login.stderr).toBe(`warning: no OS keychain (${why}); saved the login base64-encoded in ${path} (--no-keychain skips the keychain)\n`);
      expect(login.stdout).toContain(`docker config ${path}`);
      expect(await cfg.read()).toEqual({ auths: { [reg.host]: { auth: b64(`${user}:${password}`) } } });
      const list = await runCli(['--ca-file', reg.caFile!, 'list', `${reg.host}/team/app`], { env });
      expect(list.stderr).toBe('');
      expect(list.stdout.trim()).toBe('v1');
    } finally {
      await cfg.cleanup();
    }
  });

  it('a keychain marker without a Secret Service warns once and lookup goes on', async () => {
    const cfg = await tempDockerConfig({ credHelpers: { [reg.host]: 'regctl' } });
    try {
      const r = await runCli(['--ca-file', reg.caFile!, 'list', `${reg.host}/team/app`], {
        env: { ...cfg.env, DBUS_SESSION_BUS_ADDRESS: NO_BUS },
      });
      expect(r.code).toBe(3);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
        expect.stringMatching(/^warning: credential helper docker-credential-regctl failed to get \(exit 1\): the OS keychain could not be read: .*; continuing without it$/),
      ]);
      // A login then lands in auths, without the marker that would send lookups to the keychain.
      const login = await runCli(['--ca-file', reg.caFile!, 'login', reg.host, '-u', user, '--password-stdin'], {
        env: { ...cfg.env, DBUS_SESSION_BUS_ADDRESS: NO_BUS },
        input: `${password}\n`,
      });
      expect(login.stderr.match(/^warning: no OS keychain/gm)).toHaveLength(1);
      expect(await cfg.read()).toEqual({ auths: { [reg.host]: { auth: b64(`${user}:${password}`) } } });
    } finally {
      await cfg.cleanup();
    }
  });
});
