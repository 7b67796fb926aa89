/**
 * The acceptance: a new user, following only the README ("Behind a proxy, to a registry
 * with a private CA") and `--help`, copies an image through a proxy to a registry whose
 * certificate a private CA signed. The registry's name resolves nowhere but at the proxy, so a
 * copy that succeeds went through it.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverCertFor } from '../harness/certs.js';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { startConnectProxy, type ConnectProxy } from '../harness/connect-proxy.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { skopeoRaw } from '../harness/skopeo.js';

const NAME = 'registry.example.test';
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('README walk-through: copy through a proxy to a registry with a private CA', () => {
  let source: RunningRegistry;
  let target: RunningRegistry;
  let proxy: ConnectProxy;
  let image: BuiltImage;
  let home: string;
  let docker: TempDockerConfig;
  let env: Record<string, string>;
  const [user, password] = ['alice', 's3cret-pw'];

  beforeAll(async () => {
    source = await startRegistry({ mode: 'anonymous' });
    const named = await serverCertFor(source.certs, [NAME]);
    // TLS + htpasswd, with a certificate for NAME from the harness's own (private) CA.
    target = await startRegistry({ mode: 'basic', users: { [user]: password }, extraConfig: { http: { tls: { certificate: named.cert, key: named.key } } } });
    proxy = await startConnectProxy({ routes: { [`${NAME}:443`]: target.host } });
    image = await pushImage(targetFor(source, 'tools/app'), 'tools/app', '1.0', { layers: 2, layerSize: 8192 });
    home = await mkdtemp(join(tmpdir(), 'regctl-readme-'));
    docker = await tempDockerConfig();
    // README step 1: the proxy, as the shell already has it in most companies.
    env = { ...docker.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), HTTPS_PROXY: proxy.url };
  });
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop(), proxy?.close()]);
    await docker?.cleanup();
    await rm(home, { recursive: true, force: true });
  });

  it('without the CA, refuses the registry and says how to trust it', async () => {
    const r = await runCli(['login', NAME, '-u', user, '--password-stdin'], { env, input: password });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*certificate/i);
    expect(r.stderr).toMatch(/hint: .*(--ca-file|caFile|certs\.d)/);
    expect(proxy.tunnels).toContain(`${NAME}:443`);
  });

  it('with the CA in the user config file: login, copy, and the result is there (read back by skopeo through the proxy)', async () => {
    // README step 2: the CA in ~/.config/regctl/config.yaml.
    await mkdir(join(home, '.config', 'regctl'), { recursive: true });
    await writeFile(join(home, '.config', 'regctl', 'config.yaml'), `hosts:\n  ${NAME}:\n    caFile: ${target.certs.caCert}\n`);
    const shown = await runCli(['config', NAME], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`ca file +${target.certs.caCert.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(shown.stdout).toMatch(new RegExp(`proxy +${proxy.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(HTTPS_PROXY\\)`));

    // README step 3: log in, then copy.
    const login = await runCli(['login', NAME, '-u', user, '--password-stdin'], { env, input: password });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Login Succeeded (${NAME}`);
    // This machine has no OS keychain: regctl says so and saves where docker would.
    expect(login.stderr).toMatch(/^(warning: no OS keychain .*\n)?$/);
    const copy = await runCli(['copy', `${source.host}/tools/app:1.0`, `${NAME}/tools/app:1.0`], { env });
    expect(copy.code).toBe(0);
    expect(copy.stdout).toBe(`${NAME}/tools/app@${image.digest}\n`);

    // skopeo (Go) honours HTTPS_PROXY too, and reads the CA from a cert dir.
    const raw = await skopeoRaw(['inspect', '--raw', '--cert-dir', target.certs.caCertDir, '--creds', `${user}:${password}`, `docker://${NAME}/tools/app:1.0`], {
      env: { ...process.env, HTTPS_PROXY: proxy.url, NO_PROXY: '' },
    });
    expect(sha256(raw)).toBe(image.digest);
  });

  it('docker\'s certs.d layout works as well (REGCTL_CERTS_D for a test root)', async () => {
    const certsD = join(home, 'certs.d');
    await mkdir(join(certsD, NAME), { recursive: true });
    await copyFile(target.certs.caCert, join(certsD, NAME, 'ca.crt'));
    const r = await runCli(['digest', `${NAME}/tools/app:1.0`], { env: { ...env, XDG_CONFIG_HOME: join(home, 'empty'), REGCTL_CERTS_D: certsD } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${image.digest}\n`);
  });
});
