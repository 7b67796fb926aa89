import { mkdir, mkdtemp, copyFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { Settings } from '../../src/config/settings.js';
import { validateConfig } from '../../src/config/validate.js';
import { copyImage } from '../../src/copy/copy.js';
import { RegctlError } from '../../src/errors.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const FILE = '/test/regctl.yaml';

/** Settings as if `hosts` were written in a config file. */
function settings(hosts: object, env: NodeJS.ProcessEnv = {}): Settings {
  return new Settings([{ path: FILE, scope: 'user', config: validateConfig({ hosts }, FILE) }], env);
}

async function failure(p: Promise<unknown>): Promise<RegctlError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(RegctlError);
  return e as RegctlError;
}

describe('per-host TLS settings against real TLS registries', () => {
  let plain: RunningRegistry;
  let tls: RunningRegistry;
  let mtls: RunningRegistry;
  let image: BuiltImage;
  let dir: string;
  const clients: RegistryClient[] = [];
  const client = (s?: Settings) => {
    const c = new RegistryClient({ ...(s && { settings: s }), http: { retry: { max: 0 } } });
    clients.push(c);
    return c;
  };
  /** Copies the fixture image from the plain registry to `dst` through `c`; resolves to the digest. */
  const copyTo = async (c: RegistryClient, dst: RunningRegistry, repo: string) => (await copyImage(
    RegistryRepository.of(c, plain.host, 'src/app'), 'v1',
    { repository: RegistryRepository.of(c, dst.host, repo, { destination: true }), tag: 'v1' },
  )).digest;

  beforeAll(async () => {
    [plain, tls] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous', tls: true })]);
    // distribution's http.tls.clientcas: the handshake fails without a client certificate the CA signed.
    mtls = await startRegistry({ mode: 'anonymous', tls: true, extraConfig: { http: { tls: { clientcas: [tls.certs.caCert] } } } });
    image = await pushImage(targetFor(plain, 'src/app'), 'src/app', 'v1', { layers: 2, layerSize: 2048 });
    dir = await mkdtemp(join(tmpdir(), 'regctl-tls-'));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([plain?.stop(), tls?.stop(), mtls?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a registry whose CA it does not trust, and does not fall back to plain http', async () => {
    const e = await failure(client().registry(tls.host).ping());
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/certificate/i);
    expect(e.hint).toMatch(/--ca-file/);
  });

  it('trusts the CA file a host entry names', async () => {
    expect(await copyTo(client(settings({ [tls.host]: { caFile: tls.certs.caCert } })), tls, 'ca/app')).toBe(image.digest);
  });

  it('trusts ca.crt from docker\'s certs.d/<host:port>/ (root from REGCTL_CERTS_D)', async () => {
    const certsD = join(dir, 'certs.d');
    await mkdir(join(certsD, tls.host), { recursive: true });
    await copyFile(tls.certs.caCert, join(certsD, tls.host, 'ca.crt'));
    expect(await copyTo(client(settings({}, { REGCTL_CERTS_D: certsD })), tls, 'certsd/app')).toBe(image.digest);
  });

  it('skips verification for tls: insecure', async () => {
    expect(await copyTo(client(settings({ [tls.host]: { tls: 'insecure' } })), tls, 'insecure/app')).toBe(image.digest);
  });

  it('keeps system roots when a host adds a CA: another host is still refused with the test CA unknown to it', async () => {
    const c = client(settings({ [tls.host]: { caFile: tls.certs.caCert } }));
    await c.registry(tls.host).ping();
    expect((await failure(c.registry(mtls.host).ping())).code).toBe('NETWORK');
  });

  it('mTLS: fails without a client certificate', async () => {
    const e = await failure(client(settings({ [mtls.host]: { caFile: tls.certs.caCert } })).registry(mtls.host).ping());
    expect(e.code).toBe('NETWORK');
  });

  it('mTLS: presents clientCert and clientKey from the config', async () => {
    const s = settings({ [mtls.host]: { caFile: tls.certs.caCert, clientCert: tls.certs.clientCert, clientKey: tls.certs.clientKey } });
    expect(await copyTo(client(s), mtls, 'mtls/app')).toBe(image.digest);
  });

  it('mTLS: presents client.cert and client.key from certs.d', async () => {
    const certsD = join(dir, 'certs.d-mtls');
    const d = join(certsD, mtls.host);
    await mkdir(d, { recursive: true });
    await copyFile(tls.certs.caCert, join(d, 'ca.crt'));
    await copyFile(tls.certs.clientCert, join(d, 'client.cert'));
    await copyFile(tls.certs.clientKey, join(d, 'client.key'));
    expect(await copyTo(client(settings({}, { REGCTL_CERTS_D: certsD })), mtls, 'mtls-certsd/app')).toBe(image.digest);
  });

  it('a CA file that is not PEM, or a key that does not fit its certificate, is a CONFIG error', async () => {
    const bad = join(dir, 'bad.pem');
    await writeFile(bad, 'not a certificate');
    const e = await failure(client(settings({ [tls.host]: { caFile: bad } })).registry(tls.host).ping());
    expect(e.code).toBe('CONFIG');
    expect(e.message).toBe(`the CA file ${bad} (set in ${FILE}) holds no PEM certificate`);
    const mismatch = settings({ [mtls.host]: { caFile: tls.certs.caCert, clientCert: tls.certs.clientCert, clientKey: tls.certs.serverKey } });
    const e2 = await failure(client(mismatch).registry(mtls.host).ping());
    expect(e2.code).toBe('CONFIG');
    expect(e2.message).toContain(`TLS settings for ${mtls.host} are not usable`);
  });

  it('tls: enabled keeps a loopback registry from falling back to plain http; disabled goes straight to it', async () => {
    expect((await failure(client(settings({ [plain.host]: { tls: 'enabled' } })).registry(plain.host).ping())).code).toMatch(/NETWORK|REGISTRY_ERROR/);
    const viaHttp = client(settings({ [plain.host]: { tls: 'disabled' } })).registry(plain.host);
    await viaHttp.ping();
    expect(await viaHttp.connection.baseUrl()).toBe(`http://${plain.host}`);
  });
});
