/**
 * Config files from the command line: discovery (user file, project file found from the
 * working directory, --config), validation messages naming the file and the key, `regctl
 * config`, and per-host settings a copy obeys (chunk size, requests per second).
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig } from '../harness/cli.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

describe('config files on the command line', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let image: BuiltImage;
  let root: string;
  let xdg: string;
  let project: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    image = await pushImage(targetFor(a, 'src/app'), 'src/app', 'v1', { layers: 1, layerSize: 300 * 1024 });
    root = await mkdtemp(join(tmpdir(), 'regctl-cli-config-'));
    xdg = join(root, 'xdg');
    project = join(root, 'project');
    await mkdir(join(xdg, 'regctl'), { recursive: true });
    await mkdir(join(project, 'deep', 'er'), { recursive: true });
    await writeFile(join(project, 'package.json'), '{"name":"p"}');
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await rm(root, { recursive: true, force: true });
  });

  const userFile = (text: string) => writeFile(join(xdg, 'regctl', 'config.yaml'), text);
  const cli = (args: string[], extra: { cwd?: string; env?: Record<string, string> } = {}) =>
    runCli(args, { cwd: extra.cwd ?? root, env: { XDG_CONFIG_HOME: xdg, ...extra.env } });

  it('a wrong key or value stops every command with the file and the key, exit 2', async () => {
    const file = join(xdg, 'regctl', 'config.yaml');
    await userFile(`hosts:\n  ${b.host}:\n    chunksize: 1MiB\n`);
    const r = await cli(['digest', `${a.host}/src/app:v1`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${file}: hosts["${b.host}"].chunksize: unknown key (did you mean "chunkSize"?); known keys: tls, caFile, clientCert, clientKey, mirrors, credentialHelper, concurrency, chunkSize, requestsPerSecond\nhint: see docs/config.md for every key; \`regctl config\` shows what is in effect\n`);
    await userFile('retries: many\n');
    expect((await cli(['config'])).stderr).toContain(`error: ${file}: retries: must be a whole number of at least 0, not "many"`);
    await userFile('');
  });

  it('finds the project file from a subdirectory; --config and REGCTL_CONFIG come last and win', async () => {
    await userFile('retries: 1\nconcurrency: 2\n');
    await writeFile(join(project, '.regctlrc'), 'retries: 2\n');
    const explicit = join(root, 'ci.json');
    await writeFile(explicit, '{"retries": 3}');
    const fromProject = JSON.parse((await cli(['--json', 'config'], { cwd: join(project, 'deep', 'er') })).stdout);
    expect(fromProject.files).toEqual([{ path: join(xdg, 'regctl', 'config.yaml'), scope: 'user' }, { path: join(project, '.regctlrc'), scope: 'project' }]);
    expect(fromProject.defaults.retries).toEqual({ value: 2, from: join(project, '.regctlrc') });
    expect(fromProject.defaults.concurrency).toEqual({ value: 2, from: join(xdg, 'regctl', 'config.yaml') });
    const withFlag = JSON.parse((await cli(['--json', '--config', explicit, 'config'], { cwd: project })).stdout);
    expect(withFlag.defaults.retries).toEqual({ value: 3, from: explicit });
    const withEnv = JSON.parse((await cli(['--json', 'config'], { cwd: project, env: { REGCTL_CONFIG: explicit } })).stdout);
    expect(withEnv.files.map((f: { scope: string }) => f.scope)).toEqual(['user', 'project', 'explicit']);
    await rm(join(project, '.regctlrc'));
    await userFile('');
  });

  it('warns when a project file turns off TLS for a registry', async () => {
    await writeFile(join(project, '.regctlrc.yaml'), 'hosts:\n  registry.example.com:\n    tls: disabled\n');
    const r = await cli(['config'], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`warning: ${join(project, '.regctlrc.yaml')} sets tls: disabled for registry.example.com: that registry is reached without verified TLS\n`);
    await rm(join(project, '.regctlrc.yaml'));
  });

  it('regctl config <registry> shows each setting with its source', async () => {
    await userFile([
      'hosts:',
      '  registry.example.com:',
      '    tls: insecure',
      '    mirrors: [mirror.example.com/hub]',
      '    credentialHelper: pass',
      '    chunkSize: 5MiB',
      '    requestsPerSecond: 2',
    ].join('\n'));
    const r = await cli(['config', 'registry.example.com'], { env: { HTTPS_PROXY: 'http://user:pw-Secret1@proxy.internal:3128', NO_PROXY: '' } });
    const file = join(xdg, 'regctl', 'config.yaml');
    expect(r.stdout).toContain(`Registry registry.example.com (hosts["registry.example.com"]):\n  tls                insecure (${file})\n`);
    expect(r.stdout).toContain(`  mirrors            mirror.example.com/hub (${file})\n`);
    expect(r.stdout).toContain(`  credential helper  docker-credential-pass (${file})\n`);
    expect(r.stdout).toContain(`  chunk size         5242880 bytes (${file})\n`);
    expect(r.stdout).toContain('  proxy              http://proxy.internal:3128 (HTTPS_PROXY)\n');
    expect(r.stdout).not.toContain('pw-Secret1');
    const np = await cli(['config', 'registry.example.com'], { env: { HTTPS_PROXY: 'http://proxy.internal:3128', NO_PROXY: '.example.com' } });
    expect(np.stdout).toContain('  proxy              direct (NO_PROXY)\n');
    await userFile('');
  });

  it('chunkSize caps each upload request: the blob goes up in several PATCHes', async () => {
    await userFile(`hosts:\n  ${b.host}:\n    chunkSize: 64KiB\n`);
    const r = await cli(['-v', 'copy', `${a.host}/src/app:v1`, `${b.host}/chunked/app:v1`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${b.host}/chunked/app@${image.digest}\n`);
    const patches = r.stderr.split('\n').filter((l) => /^debug: PATCH http:\/\/127\.0\.0\.1:\d+\/v2\/chunked\/app\/blobs\/uploads\/\S+$/.test(l));
    expect(patches.length).toBe(Math.ceil(image.layers[0]!.size / 65536));
    await userFile('');
  });

  it('requestsPerSecond spaces the requests to that registry', async () => {
    await userFile(`hosts:\n  ${b.host}:\n    requestsPerSecond: 5\n`);
    const started = Date.now();
    const r = await cli(['-v', 'copy', `${a.host}/src/app:v1`, `${b.host}/paced/app:v1`]);
    const elapsed = Date.now() - started;
    expect(r.code).toBe(0);
    const toB = r.stderr.split('\n').filter((l) => l.startsWith('debug: ') && l.includes(`//${b.host}/`) && !l.includes(' -> ') && !l.includes('retry')).length;
    expect(toB).toBeGreaterThanOrEqual(5);
    // A lower bound only: a busy machine can only make it slower.
    expect(elapsed).toBeGreaterThanOrEqual((toB - 1) * 200);
    await userFile('');
  });

  it('credentialHelper asks that docker credential helper for the host, before docker\'s config', async () => {
    const basic = await startRegistry({ mode: 'basic' });
    const docker = await tempDockerConfig({ auths: {} });
    try {
      const bin = join(root, 'bin');
      await mkdir(bin, { recursive: true });
      const [user, password] = Object.entries(basic.users)[0]!;
      // A helper that answers `get` for any server URL; the protocol's JSON on stdout.
      await writeFile(join(bin, 'docker-credential-fromconfig'), `#!/bin/sh\n[ "$1" = get ] || exit 1\ncat >/dev/null\nprintf '{"ServerURL":"x","Username":"${user}","Secret":"${password}"}'\n`);
      await chmod(join(bin, 'docker-credential-fromconfig'), 0o755);
      await userFile(`hosts:\n  ${basic.host}:\n    credentialHelper: fromconfig\n    caFile: ${basic.caFile}\n`);
      const env = { ...docker.env, PATH: `${bin}:${process.env.PATH}` };
      const show = await cli(['--json', 'login', '--show', basic.host], { env });
      expect(JSON.parse(show.stdout)).toMatchObject({ kind: 'password', username: user, source: `credential helper docker-credential-fromconfig (from ${join(xdg, 'regctl', 'config.yaml')})` });
      const copy = await cli(['-q', 'copy', `${a.host}/src/app:v1`, `${basic.host}/helped/app:v1`], { env });
      expect(copy.stderr).toBe('');
      expect(copy.stdout).toBe(`${basic.host}/helped/app@${image.digest}\n`);
      // A helper that is not installed is a warning, and lookup goes on (anonymous here: refused).
      await userFile(`hosts:\n  ${basic.host}:\n    credentialHelper: missing\n    caFile: ${basic.caFile}\n`);
      const missing = await cli(['digest', `${basic.host}/helped/app:v1`], { env });
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('warning: regctl config: ');
      expect(missing.stderr).toContain('docker-credential-missing');
    } finally {
      await basic.stop();
      await docker.cleanup();
      await userFile('');
    }
  });
});
