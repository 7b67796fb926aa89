import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushIndex, targetFor, type PushedIndex } from '../harness/images.js';
import { startRegistry, type RegistryMode, type RunningRegistry } from '../harness/registry.js';
import { skopeoAccessFor, skopeoInspectRaw } from '../harness/skopeo.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const WRONG = 'not-the-Password-42';

// The same user journey against the token-auth registry and the TLS + htpasswd one: login, then
// every command with credentials read only from DOCKER_CONFIG.
describe.each<RegistryMode>(['token', 'basic'])('CLI against the %s registry', (mode) => {
  let reg: RunningRegistry;
  let cfg: TempDockerConfig;
  let index: PushedIndex;
  let user: string;
  let password: string;
  const tlsArgs = () => (reg.caFile ? ['--ca-file', reg.caFile] : []);
  const cli = (...args: string[]) => runCli([...tlsArgs(), ...args], { env: cfg.env });

  beforeAll(async () => {
    reg = await startRegistry({ mode });
    cfg = await tempDockerConfig({ HttpHeaders: { 'User-Agent': 'kept' } });
    [user, password] = Object.entries(reg.users)[0]!;
    index = await pushIndex(targetFor(reg, 'team/app'), 'team/app', 'v1', [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]);
  });
  afterAll(async () => {
    await reg?.stop();
    await cfg?.cleanup();
  });

  it('refuses a wrong password with exit 3 and no secret in the output', async () => {
    const r = await runCli([...tlsArgs(), '--verbose', 'login', reg.host, '-u', user, '--password-stdin'], { env: cfg.env, input: `${WRONG}\n` });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/authentication failed|rejected|unauthorized/i);
    expect(r.stdout + r.stderr).not.toContain(WRONG);
    expect(r.stdout + r.stderr).not.toContain(Buffer.from(`${user}:${WRONG}`).toString('base64'));
    expect(await cfg.read()).toEqual({ HttpHeaders: { 'User-Agent': 'kept' } });
  });

  it('needs credentials before login', async () => {
    const r = await cli('list', `${reg.host}/team/app`);
    expect(r.code).toBe(3);
  });

  it('logs in, then copies, lists, tags, inspects and deletes with the saved login', async () => {
    const login = await runCli([...tlsArgs(), 'login', reg.host, '-u', user, '--password-stdin'], { env: cfg.env, input: `${password}\n` });
    // No Secret Service for CLI runs (harness/cli.ts): the one fallback line, and the login in auths.
    expect(login.stderr).toBe(`warning: no OS keychain (no D-Bus session bus, so no Secret Service); saved the login base64-encoded in ${join(cfg.dir, 'config.json')} (--no-keychain skips the keychain)\n`);
    expect(login.code).toBe(0);
    const saved = await cfg.read();
    expect(saved.HttpHeaders).toEqual({ 'User-Agent': 'kept' });
    // The token service hands out refresh tokens at login: saved as docker's identitytoken instead.
    if (mode === 'token') expect(saved.auths[reg.host]).toEqual({ auth: Buffer.from(`${user}:`).toString('base64'), identitytoken: expect.any(String) });
    else expect(Buffer.from(saved.auths[reg.host].auth, 'base64').toString()).toBe(`${user}:${password}`);

    const copy = await cli('-q', 'copy', `${reg.host}/team/app:v1`, `${reg.host}/mirror/app:v1`);
    expect(copy.stderr).toBe('');
    expect(copy.stdout.trim()).toBe(`${reg.host}/mirror/app@${index.digest}`);
    const raw = await skopeoInspectRaw(`${reg.host}/mirror/app:v1`, skopeoAccessFor(reg));
    expect(sha256(raw)).toBe(index.digest);

    expect((await cli('tag', `${reg.host}/mirror/app:v1`, 'latest')).code).toBe(0);
    expect((await cli('list', `${reg.host}/mirror/app`)).stdout.trim().split('\n').sort()).toEqual(['latest', 'v1']);
    const inspect = await cli('--json', 'inspect', `${reg.host}/mirror/app:latest`);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ digest: index.digest, manifests: [{}, {}] });
    expect((await cli('list', reg.host)).stdout.split('\n')).toEqual(expect.arrayContaining(['team/app', 'mirror/app']));

    expect((await cli('delete', `${reg.host}/mirror/app:latest`)).code).toBe(0);
    expect((await cli('list', `${reg.host}/mirror/app`)).stdout.trim()).toBe('v1');
    expect((await cli('digest', `${reg.host}/mirror/app:v1`)).stdout.trim()).toBe(index.digest);

    const logout = await cli('logout', reg.host);
    expect(logout.code).toBe(0);
    expect((await cfg.read()).auths?.[reg.host]).toBeUndefined();
    expect((await cli('list', `${reg.host}/mirror/app`)).code).toBe(3);
  });
});
