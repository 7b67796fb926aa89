/**
 * What `regctl login`/`logout` do to a config file other tools own too (foreign keys kept byte
 * for byte, concurrent writers), the documented lookup order seen through `login --show` and
 * through real requests, per-command credentials, and secrets kept out of `--verbose` traces.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushImage, targetFor } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const envVar = (host: string) => `REGCTL_AUTH_${host.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

// A config as docker/cli writes it (tabs, Go's \u003c escapes), with keys regctl does not own.
const DOCKER_WRITTEN = `{
	"auths": {
		"ghcr.io": {
			"auth": "Z2g6cGF0LWtlZXA="
		}
	},
	"credHelpers": {
		"123456789012.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"
	},
	"HttpHeaders": {
		"User-Agent": "Docker-Client/24.0.7 (linux)"
	},
	"psFormat": "table {{.ID}}\\u003ctab\\u003e{{.Names}}",
	"plugins": {"buildx": {"nested": [1, 2, {"three": null}]}},
	"currentContext": "rootless"
}`;

let anon: RunningRegistry;
let token: RunningRegistry;
let tuser: string;
let tpass: string;

beforeAll(async () => {
  [anon, token] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'token', users: { carol: 'carol-pw-77', dave: 'dave-pw-88' } })]);
  [tuser, tpass] = ['carol', 'carol-pw-77'];
  await pushImage(targetFor(token, 'team/app'), 'team/app', 'v1');
});
afterAll(async () => {
  await Promise.all([anon?.stop(), token?.stop()]);
});

describe('a config file shared with other tools', () => {
  let cfg: TempDockerConfig;
  const file = () => join(cfg.dir, 'config.json');
  beforeAll(async () => {
    cfg = await tempDockerConfig();
  });
  afterAll(async () => {
    await cfg?.cleanup();
  });

  it('keeps every byte but regctl\'s own entry through login and logout', async () => {
    await writeFile(file(), DOCKER_WRITTEN, { mode: 0o600 });
    // --no-keychain: this pins the bytes of docker's base64 entry.
    const login = await runCli(['login', '--no-keychain', anon.host, '-u', 'erin', '--password-stdin'], { env: cfg.env, input: 'erin-pass-1\n' });
    expect(login.code).toBe(0);
    const entry = `,\n\t\t"${anon.host}": {\n\t\t\t"auth": "${b64('erin:erin-pass-1')}"\n\t\t}`;
    const anchor = '"auth": "Z2g6cGF0LWtlZXA="\n\t\t}';
    expect(await readFile(file(), 'utf8')).toBe(DOCKER_WRITTEN.replace(anchor, `${anchor}${entry}`));

    const logout = await runCli(['logout', anon.host], { env: cfg.env });
    expect(logout.stdout).toContain(`Removed login credentials for ${anon.host}`);
    expect(await readFile(file(), 'utf8')).toBe(DOCKER_WRITTEN);
  });

  it('follows the file\'s own indentation when it adds the first entry', async () => {
    const twoSpaces = '{\n  "currentContext": "x",\n  "auths": {}\n}\n';
    await writeFile(file(), twoSpaces, { mode: 0o600 });
    expect((await runCli(['login', '--no-keychain', anon.host, '-u', 'u', '--password-stdin'], { env: cfg.env, input: 'pw-2spaces\n' })).code).toBe(0);
    expect(await readFile(file(), 'utf8')).toBe(`{\n  "currentContext": "x",\n  "auths": {\n    "${anon.host}": {\n      "auth": "${b64('u:pw-2spaces')}"\n    }\n  }\n}\n`);
    await runCli(['logout', anon.host], { env: cfg.env });
    expect(await readFile(file(), 'utf8')).toBe('{\n  "currentContext": "x",\n  "auths": {}\n}\n');
  });
});

describe('concurrent logins', () => {
  // Eight registries' worth of distinct hosts: tiny /v2/ endpoints on loopback ports.
  let servers: Server[] = [];
  let cfg: TempDockerConfig;
  beforeAll(async () => {
    servers = await Promise.all(Array.from({ length: 8 }, () => new Promise<Server>((resolve) => {
      const s = createServer((_req, res) => res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' }).end('{}'));
      s.listen(0, '127.0.0.1', () => resolve(s));
    })));
    cfg = await tempDockerConfig();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await cfg?.cleanup();
  });

  it('eight regctl processes logging in at once lose nothing and corrupt nothing; then eight log out', async () => {
    await writeFile(join(cfg.dir, 'config.json'), DOCKER_WRITTEN, { mode: 0o600 });
    const hosts = servers.map((s) => `127.0.0.1:${(s.address() as AddressInfo).port}`);
    const logins = await Promise.all(hosts.map((h, i) =>
      runCli(['--plain-http', 'login', h, '-u', `user${i}`, '--password-stdin'], { env: cfg.env, input: `pass-${i}-concurrent\n` })));
    for (const r of logins) expect(r, r.stderr).toMatchObject({ code: 0 });
    // No session bus here (harness/cli.ts): each went to auths, saying so once.
    for (const r of logins) expect(r.stderr.match(/^warning: no OS keychain \(.*\); saved the login base64-encoded in /gm)).toHaveLength(1);
    const saved = JSON.parse(await readFile(join(cfg.dir, 'config.json'), 'utf8'));
    for (const [i, h] of hosts.entries()) expect(saved.auths[h]).toEqual({ auth: b64(`user${i}:pass-${i}-concurrent`) });
    expect(saved.auths['ghcr.io']).toEqual({ auth: 'Z2g6cGF0LWtlZXA=' });

    const logouts = await Promise.all(hosts.map((h) => runCli(['logout', h], { env: cfg.env })));
    for (const r of logouts) expect(r.code).toBe(0);
    expect(await readFile(join(cfg.dir, 'config.json'), 'utf8')).toBe(DOCKER_WRITTEN);
  });
});

describe('lookup order', () => {
  it('flags, then REGCTL_AUTH_<HOST>, then docker config, then podman, then anonymous', async () => {
    const cfg = await tempDockerConfig({ auths: { [token.host]: { auth: b64('from-docker:docker-pw-1') } } });
    const podman = join(cfg.dir, 'podman.json');
    await writeFile(podman, JSON.stringify({ auths: { [token.host]: { auth: b64('from-podman:podman-pw-1') } } }));
    const show = async (args: string[], env: Record<string, string>) =>
      JSON.parse((await runCli(['--json', ...args, 'login', '--show', token.host], { env })).stdout) as { source?: string; username?: string; kind: string };
    try {
      const noEnv: Record<string, string> = { ...cfg.env, REGISTRY_AUTH_FILE: podman };
      const all = { ...noEnv, [envVar(token.host)]: 'from-env:env-pw-1' };
      expect(await show(['--creds', 'from-flag:flag-pw-1'], all)).toMatchObject({ username: 'from-flag', source: '--creds' });
      expect(await show([], all)).toMatchObject({ username: 'from-env', source: `environment variable ${envVar(token.host)}` });
      expect(await show([], noEnv)).toMatchObject({ username: 'from-docker', source: `docker config ${join(cfg.dir, 'config.json')} (auths)` });
      await writeFile(join(cfg.dir, 'config.json'), '{}');
      expect(await show([], noEnv)).toMatchObject({ username: 'from-podman', source: `podman auth file ${podman}` });
      expect(await show([], cfg.env)).toEqual({ registry: token.host, kind: 'anonymous', tried: expect.any(Array) });

      // The order holds for real requests too: a stale docker login is shadowed by the variable.
      await writeFile(join(cfg.dir, 'config.json'), JSON.stringify({ auths: { [token.host]: { auth: b64(`${tuser}:stale-pw-1`) } } }));
      expect((await runCli(['list', `${token.host}/team/app`], { env: cfg.env })).code).toBe(3);
      const viaEnv = await runCli(['list', `${token.host}/team/app`], { env: { ...cfg.env, [envVar(token.host)]: `${tuser}:${tpass}` } });
      expect(viaEnv.stdout.trim()).toBe('v1');
      const viaFlag = await runCli(['--creds', `${tuser}:${tpass}`, 'list', `${token.host}/team/app`], { env: cfg.env });
      expect(viaFlag.stdout.trim()).toBe('v1');
      expect((await runCli(['--creds', 'no-colon', 'list', `${token.host}/team/app`], { env: cfg.env })).stderr).toMatch(/--creds must be user:password/);
    } finally {
      await cfg.cleanup();
    }
  });
});

describe('copy --src-creds / --dest-creds', () => {
  let basic: RunningRegistry;
  beforeAll(async () => {
    basic = await startRegistry({ mode: 'basic', users: { frank: 'frank-pw-99' } });
    await pushImage(targetFor(basic, 'src/app'), 'src/app', 'v1');
  });
  afterAll(async () => {
    await basic?.stop();
  });

  it('logs each side in with its own credentials, on the same or on different registries', async () => {
    const cfg = await tempDockerConfig();
    const run = (args: string[]) => runCli(['--ca-file', basic.caFile!, ...args], { env: cfg.env });
    try {
      const ok = await run(['-q', 'copy', '--src-creds', 'frank:frank-pw-99', '--dest-creds', `${tuser}:${tpass}`, `${basic.host}/src/app:v1`, `${token.host}/copied/app:v1`]);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(new RegExp(`^${token.host}/copied/app@sha256:`));
      const swapped = await run(['copy', '--dest-creds', 'frank:frank-pw-99', '--src-creds', `${tuser}:${tpass}`, `${basic.host}/src/app:v1`, `${token.host}/copied/app:v2`]);
      expect(swapped.code).toBe(3);
      // One registry, two accounts: dave reads what carol pushed into a repository of his own.
      const same = await run(['copy', '--src-creds', `${tuser}:${tpass}`, '--dest-creds', 'dave:dave-pw-88', `${token.host}/copied/app:v1`, `${token.host}/dave/app:v1`]);
      expect(same.code).toBe(0);
      const accounts = token.tokenServer!.requests.filter((r) => r.authorized && r.scopes.some((s) => s.startsWith('repository:dave/app:'))).map((r) => r.account);
      expect(new Set(accounts)).toEqual(new Set(['dave']));
    } finally {
      await cfg.cleanup();
    }
  });
});

describe('--verbose traces of failed auth', () => {
  const WRONG = 'Wr0ng-Passw0rd-xyzzy';
  const BOGUS_TOKEN = 'bogus-identity-token-0123456789abcdef';
  const secrets = (user: string) => [WRONG, b64(`${user}:${WRONG}`), BOGUS_TOKEN, tpass, b64(`${tuser}:${tpass}`)];

  it.each([
    ['the docker config', (cfgEnv: Record<string, string>) => ({ args: [] as string[], env: cfgEnv, config: { auths: { [token.host]: { auth: b64(`${tuser}:${WRONG}`) } } } })],
    ['an identity token', (cfgEnv: Record<string, string>) => ({ args: [] as string[], env: cfgEnv, config: { auths: { [token.host]: { auth: b64(`${tuser}:`), identitytoken: BOGUS_TOKEN } } } })],
    ['REGCTL_AUTH_<HOST>', (cfgEnv: Record<string, string>) => ({ args: [] as string[], env: { ...cfgEnv, [envVar(token.host)]: `${tuser}:${WRONG}` }, config: {} })],
    ['--creds', (cfgEnv: Record<string, string>) => ({ args: ['--creds', `${tuser}:${WRONG}`], env: cfgEnv, config: {} })],
  ])('contain no password or token when the login from %s is refused', async (_from, setup) => {
    const cfg = await tempDockerConfig();
    try {
      const s = setup(cfg.env);
      await writeFile(join(cfg.dir, 'config.json'), JSON.stringify(s.config));
      for (const args of [['list', `${token.host}/team/app`], ['copy', `${token.host}/team/app:v1`, `${token.host}/team/app:v9`]]) {
        const r = await runCli(['--verbose', ...s.args, ...args], { env: s.env });
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(/debug: /);
        for (const secret of secrets(tuser)) expect(r.stdout + r.stderr).not.toContain(secret);
        expect(r.stdout + r.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\./);
      }
      // A failed login with the wrong password says nothing more.
      const login = await runCli(['--verbose', 'login', token.host, '-u', tuser, '--password-stdin'], { env: cfg.env, input: `${WRONG}\n` });
      expect(login.code).toBe(3);
      for (const secret of secrets(tuser)) expect(login.stdout + login.stderr).not.toContain(secret);
    } finally {
      await cfg.cleanup();
    }
  });

  it('a successful --verbose login and use show no secret or token either', async () => {
    const cfg = await tempDockerConfig();
    try {
      const login = await runCli(['--verbose', 'login', token.host, '-u', tuser, '--password-stdin'], { env: cfg.env, input: `${tpass}\n` });
      expect(login.code).toBe(0);
      const identity = (await cfg.read()).auths[token.host].identitytoken as string;
      const list = await runCli(['--verbose', 'list', `${token.host}/team/app`], { env: cfg.env });
      expect(list.stdout.trim()).toBe('v1');
      for (const r of [login, list]) {
        for (const secret of [tpass, b64(`${tuser}:${tpass}`), identity]) expect(r.stdout + r.stderr).not.toContain(secret);
        expect(r.stdout + r.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\./);
      }
    } finally {
      await cfg.cleanup();
    }
  });
});
