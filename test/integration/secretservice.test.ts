/**
 * The credential helper path with a real helper and a real keyring: Debian's
 * `docker-credential-secretservice` (golang-docker-credential-helpers) talking to
 * gnome-keyring-daemon on a private session bus. regctl logs in through it (credsStore, then
 * credHelpers), reads it back, and skopeo reads the same login through the same config file.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { startSecretService, type SecretService } from '../harness/secret-service.js';
import { skopeoRaw } from '../harness/skopeo.js';

let ss: SecretService;
let reg: RunningRegistry;
let image: BuiltImage;
let cfg: TempDockerConfig;
let user: string;
let password: string;

beforeAll(async () => {
  [ss, reg] = await Promise.all([startSecretService(), startRegistry({ mode: 'basic' })]);
  [user, password] = Object.entries(reg.users)[0]!;
  image = await pushImage(targetFor(reg, 'team/app'), 'team/app', 'v1');
});
afterAll(async () => {
  await Promise.all([ss?.stop(), reg?.stop()]);
});
beforeEach(async () => {
  await cfg?.cleanup();
});

/** Runs the real helper on the private bus. */
function helper(verb: string, input: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const c = execFile('docker-credential-secretservice', [verb], { env: ss.env, timeout: 10_000 }, (err, stdout) =>
      resolve({ code: err ? Number(err.code) || 1 : 0, stdout }),
    );
    c.stdin!.end(input);
  });
}

const cli = (args: string[], input?: string) =>
  runCli(['--ca-file', reg.caFile!, ...args], { env: { ...ss.env, ...cfg.env }, ...(input !== undefined && { input }) });

// containers/image (skopeo, podman) reads `credHelpers` but not `credsStore` (containers-auth.json(5)
// documents only the former), so only the per-host form is shared with skopeo.
describe.each([
  ['credsStore', () => ({ credsStore: 'secretservice', HttpHeaders: { 'X-Keep': '1' } }), false],
  ['credHelpers', () => ({ credHelpers: { [reg.host]: 'secretservice' }, HttpHeaders: { 'X-Keep': '1' } }), true],
] as const)('docker-credential-secretservice through %s', (how, config, sharedWithSkopeo) => {
  it('logs in, keeps the secret out of config.json, is used, shown and logged out', async () => {
    cfg = await tempDockerConfig(config());
    const login = await cli(['login', reg.host, '-u', user, '--password-stdin'], `${password}\n`);
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('credential helper docker-credential-secretservice');

    // The secret is in the keyring, and nowhere in the file; credsStore leaves docker's empty marker.
    const stored = await helper('get', reg.host);
    expect(stored.code).toBe(0);
    expect(JSON.parse(stored.stdout)).toMatchObject({ Username: user, Secret: password });
    const text = await readFile(join(cfg.dir, 'config.json'), 'utf8');
    expect(text).not.toContain(password);
    expect(text).not.toContain(Buffer.from(`${user}:${password}`).toString('base64'));
    expect(JSON.parse(text)).toEqual({ ...config(), ...(how === 'credsStore' && { auths: { [reg.host]: {} } }) });

    const list = await cli(['list', `${reg.host}/team/app`]);
    expect(list.stderr).toBe('');
    expect(list.stdout.trim()).toBe('v1');

    const show = await cli(['--json', 'login', '--show', reg.host]);
    expect(JSON.parse(show.stdout)).toMatchObject({ kind: 'password', username: user, source: 'credential helper docker-credential-secretservice' });
    expect(show.stdout + show.stderr).not.toContain(password);

    // skopeo follows the same credHelpers entry to the same keyring.
    if (sharedWithSkopeo) {
      const raw = await skopeoRaw(
        ['inspect', '--raw', '--authfile', join(cfg.dir, 'config.json'), '--cert-dir', reg.certs.caCertDir, `docker://${reg.host}/team/app:v1`],
        { env: ss.env },
      );
      expect(raw.equals(image.manifest)).toBe(true);
    }

    const logout = await cli(['logout', reg.host]);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain('docker-credential-secretservice');
    expect((await helper('get', reg.host)).stdout).toContain('credentials not found');
    // Like `docker logout`, an `auths` object regctl created stays behind, empty.
    expect(JSON.parse(await readFile(join(cfg.dir, 'config.json'), 'utf8'))).toEqual({ ...config(), ...(how === 'credsStore' && { auths: {} }) });
    expect((await cli(['list', `${reg.host}/team/app`])).code).toBe(3);
  });
});

describe('a configured helper that cannot answer', () => {
  it('warns once naming the helper, and lookup goes on to the next source', async () => {
    cfg = await tempDockerConfig({ credsStore: 'secretservice', credHelpers: { [reg.host]: 'not-installed' } });
    const podman = join(cfg.dir, 'podman-auth.json');
    await writeFile(podman, JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } }));
    // No bus for the secretservice helper, and no docker-credential-not-installed on PATH: both
    // fail, each is named once, and podman's file (the next source) answers.
    const r = await runCli(['--ca-file', reg.caFile!, 'list', `${reg.host}/team/app`], {
      env: { ...cfg.env, REGISTRY_AUTH_FILE: podman, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
    });
    expect(r.stdout.trim()).toBe('v1');
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^warning: credential helper docker-credential-not-installed is not installed.*; continuing without it$/);
    expect(lines[1]).toMatch(/^warning: credential helper docker-credential-secretservice failed to get .*; continuing without it$/);
    expect(r.stderr).not.toContain(password);
  });
});
