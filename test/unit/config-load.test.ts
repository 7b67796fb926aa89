import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { readCertsDir } from '../../src/config/certs-d.js';
import { Settings } from '../../src/config/settings.js';
import { RegctlError } from '../../src/errors.js';

let root: string;
let home: string;
let xdg: string;
let project: string;
let env: NodeJS.ProcessEnv;

async function put(path: string, text: string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

async function configError(p: Promise<unknown>): Promise<RegctlError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(RegctlError);
  expect((e as RegctlError).code).toBe('CONFIG');
  return e as RegctlError;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'regctl-config-'));
  home = join(root, 'home');
  xdg = join(root, 'xdg');
  project = join(root, 'work', 'app');
  await mkdir(join(project, 'sub', 'dir'), { recursive: true });
  await mkdir(home, { recursive: true });
  await put(join(project, 'package.json'), '{"name": "app"}');
  env = { XDG_CONFIG_HOME: xdg, REGCTL_CERTS_D: join(root, 'certs.d') };
});
afterEach(() => rm(root, { recursive: true, force: true }));

const load = (extra: Parameters<typeof loadConfig>[0] = {}) => loadConfig({ cwd: join(project, 'sub', 'dir'), env, home, ...extra });

describe('loadConfig discovery', () => {
  it('finds nothing when there is nothing', async () => {
    expect(await load()).toEqual([]);
  });

  it('reads the user file from $XDG_CONFIG_HOME/regctl/config.yaml', async () => {
    const f = await put(join(xdg, 'regctl', 'config.yaml'), 'concurrency: 3\n');
    expect(await load()).toEqual([{ path: f, scope: 'user', config: { concurrency: 3 } }]);
  });

  it('falls back to ~/.config/regctl without XDG_CONFIG_HOME', async () => {
    const f = await put(join(home, '.config', 'regctl', 'config.json'), '{"retries": 1}');
    expect(await load({ env: {} })).toEqual([{ path: f, scope: 'user', config: { retries: 1 } }]);
  });

  it.each([
    ['.regctlrc', 'retries: 2\n'],
    ['.regctlrc.json', '{"retries": 2}'],
    ['.regctlrc.yaml', 'retries: 2\n'],
    ['regctl.config.mjs', 'export default { retries: 2 };\n'],
    ['regctl.config.js', 'module.exports = { retries: 2 };\n'],
  ])('finds the project file %s from a subdirectory, up to the package.json', async (name, text) => {
    const f = await put(join(project, name), text);
    expect(await load()).toEqual([{ path: f, scope: 'project', config: { retries: 2 } }]);
  });

  it('reads package.json#regctl', async () => {
    const f = await put(join(project, 'package.json'), JSON.stringify({ name: 'app', regctl: { hosts: { 'ghcr.io': { concurrency: 2 } } } }));
    expect(await load()).toEqual([{ path: f, scope: 'project', config: { hosts: { 'ghcr.io': { concurrency: 2 } } } }]);
  });

  it('does not look above the nearest package.json', async () => {
    await put(join(root, 'work', '.regctlrc'), 'retries: 9\n');
    expect(await load()).toEqual([]);
  });

  it('orders user, project, then --config, and REGCTL_CONFIG stands in for --config', async () => {
    const user = await put(join(xdg, 'regctl', 'config.yml'), 'retries: 1\n');
    const proj = await put(join(project, '.regctlrc.yaml'), 'retries: 2\n');
    const explicit = await put(join(root, 'ci.yaml'), 'retries: 3\n');
    const byFlag = await load({ explicitPath: explicit });
    expect(byFlag.map((f) => [f.scope, f.path])).toEqual([['user', user], ['project', proj], ['explicit', explicit]]);
    const byEnv = await load({ env: { ...env, REGCTL_CONFIG: explicit } });
    expect(byEnv.map((f) => f.scope)).toEqual(['user', 'project', 'explicit']);
    expect(new Settings(byFlag).global().retries).toEqual({ value: 3, from: explicit });
    expect(new Settings(byFlag.slice(0, 2)).global().retries).toEqual({ value: 2, from: proj });
  });

  it('names a missing --config file', async () => {
    const e = await configError(load({ explicitPath: join(root, 'nope.yaml') }));
    expect(e.message).toBe(`cannot read config file ${join(root, 'nope.yaml')}: no such file`);
  });

  it('names a file that does not parse', async () => {
    const f = await put(join(project, '.regctlrc.json'), '{"retries": ');
    const e = await configError(load());
    expect(e.message).toContain(`cannot read config file ${f}`);
  });

  it('names the file and the key of a wrong value', async () => {
    const f = await put(join(xdg, 'regctl', 'config.yaml'), 'hosts:\n  ghcr.io:\n    tls: maybe\n');
    const e = await configError(load());
    expect(e.message).toBe(`${f}: hosts["ghcr.io"].tls: must be one of enabled, insecure, disabled, not "maybe"`);
  });
});

describe('Settings', () => {
  it('merges per key, later files winning, and finds a host entry without its port', async () => {
    const user = await put(join(xdg, 'regctl', 'config.yaml'), [
      'concurrency: 2',
      'hosts:',
      '  registry.example.com:',
      '    concurrency: 5',
      '    mirrors: [mirror.example.com]',
      '    credentialHelper: pass',
    ].join('\n'));
    const proj = await put(join(project, '.regctlrc.yaml'), 'hosts:\n  registry.example.com:\n    concurrency: 7\n    caFile: ca.pem\n');
    const s = new Settings(await load(), env);
    const h = s.host('registry.example.com:8443');
    expect(h.entry).toBe('registry.example.com');
    expect(h.concurrency).toEqual({ value: 7, from: proj });
    expect(h.mirrors).toEqual({ value: ['mirror.example.com'], from: user });
    expect(h.credentialHelper).toEqual({ value: 'pass', from: user });
    expect(h.caFiles).toEqual([{ value: join(project, 'ca.pem'), from: proj }]);
    expect(s.global().concurrency).toEqual({ value: 2, from: user });
    expect(s.hosts()).toEqual(['registry.example.com']);
    expect(s.host('other.example.com')).toEqual({ host: 'other.example.com', caFiles: [] });
  });

  it('warns about a project file that weakens TLS, not about the user file or loopback', async () => {
    await put(join(xdg, 'regctl', 'config.yaml'), 'hosts:\n  a.example.com:\n    tls: insecure\n');
    const proj = await put(join(project, '.regctlrc.yaml'), 'hosts:\n  b.example.com:\n    tls: disabled\n  localhost:5000:\n    tls: disabled\n');
    expect(new Settings(await load(), env).projectTlsWarnings()).toEqual([`${proj} sets tls: disabled for b.example.com`]);
  });

  it('adds docker certs.d CAs and client certificate, and reads the files once asked', async () => {
    const dir = join(root, 'certs.d', 'registry.example.com:5000');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    await put(join(dir, 'ca.crt'), pem);
    await put(join(dir, 'client.cert'), 'CERT-PEM');
    await put(join(dir, 'client.key'), 'KEY-PEM');
    const s = new Settings([], env);
    const h = s.host('registry.example.com:5000');
    expect(h.caFiles).toEqual([{ value: join(dir, 'ca.crt'), from: dir }]);
    expect(h.client).toEqual({ value: { cert: join(dir, 'client.cert'), key: join(dir, 'client.key') }, from: dir });
    const tls = s.tls('registry.example.com:5000');
    expect(tls?.ca.map(String)).toEqual([pem]);
    expect(String(tls?.cert)).toBe('CERT-PEM');
    expect(String(tls?.key)).toBe('KEY-PEM');
    expect(tls?.insecure).toBe(false);
    expect(s.tls('registry.example.com')).toBeUndefined();
  });

  it('refuses a certs.d client certificate without its key', async () => {
    const dir = join(root, 'certs.d', 'r.example.com');
    await put(join(dir, 'client.cert'), 'CERT');
    expect(() => readCertsDir('r.example.com', env)).toThrow(`${join(dir, 'client.cert')} has no matching client.key`);
  });

  it('names the setting when a CA file cannot be read', async () => {
    const f = await put(join(project, '.regctlrc.yaml'), 'hosts:\n  r.example.com:\n    caFile: missing.pem\n');
    const s = new Settings(await load(), env);
    expect(() => s.tls('r.example.com')).toThrow(`cannot read the CA file ${join(project, 'missing.pem')} (set in ${f}): ENOENT`);
  });
});
