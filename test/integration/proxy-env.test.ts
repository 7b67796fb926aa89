import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient, type ClientOptions } from '../../src/client.js';
import { Settings } from '../../src/config/settings.js';
import { validateConfig } from '../../src/config/validate.js';
import { copyImage } from '../../src/copy/copy.js';
import { RegctlError } from '../../src/errors.js';
import type { ProxySettings } from '../../src/transport/proxy.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { serverCertFor } from '../harness/certs.js';
import { startConnectProxy, type ConnectProxy } from '../harness/connect-proxy.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

// A name no resolver knows: only the proxy (which has a route for it) can reach it.
const NAME = 'registry.example.test';
// TEST-NET-2 (RFC 5737): never a real host; the proxy routes it to the plain registry.
const IP = '198.51.100.7';

describe('proxies from HTTP_PROXY / HTTPS_PROXY / NO_PROXY, through a real CONNECT proxy', () => {
  let plain: RunningRegistry;
  let tls: RunningRegistry;
  let proxy: ConnectProxy;
  let authProxy: ConnectProxy;
  let image: BuiltImage;
  const clients: RegistryClient[] = [];

  const settings = () => new Settings([{ path: '/t.yaml', scope: 'user', config: validateConfig({
    hosts: { [NAME]: { caFile: tls.certs.caCert }, [`${IP}:5000`]: { tls: 'disabled' } },
  }, '/t.yaml') }], {});
  const client = (proxySettings: ProxySettings, extra: ClientOptions['http'] = {}) => {
    const c = new RegistryClient({ settings: settings(), http: { proxy: proxySettings, retry: { max: 0 }, connectTimeoutMs: 1500, ...extra } });
    clients.push(c);
    return c;
  };
  const failure = async (p: Promise<unknown>) => {
    const e = await p.then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(RegctlError);
    return e as RegctlError;
  };

  beforeAll(async () => {
    plain = await startRegistry({ mode: 'anonymous' });
    const named = await serverCertFor(plain.certs, [NAME]);
    tls = await startRegistry({ mode: 'anonymous', tls: true, extraConfig: { http: { tls: { certificate: named.cert, key: named.key } } } });
    const routes = { [`${NAME}:443`]: tls.host, [`${IP}:5000`]: plain.host };
    [proxy, authProxy] = await Promise.all([startConnectProxy({ routes }), startConnectProxy({ routes, credentials: 'proxyuser:pr0xy-pa55word' })]);
    image = await pushImage(targetFor(plain, 'src/app'), 'src/app', 'v1', { layers: 1, layerSize: 4096 });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([plain?.stop(), tls?.stop(), proxy?.close(), authProxy?.close()]);
  });
  beforeEach(() => {
    proxy.tunnels.length = 0;
    authProxy.tunnels.length = 0;
  });

  it('copies to an https registry through HTTPS_PROXY, TLS checked end to end with the host\'s CA', async () => {
    const c = client({ httpsProxy: proxy.url });
    const result = await copyImage(RegistryRepository.of(c, plain.host, 'src/app'), 'v1', { repository: RegistryRepository.of(c, NAME, 'app', { destination: true }), tag: 'v1' });
    expect(result.digest).toBe(image.digest);
    expect(new Set(proxy.tunnels)).toEqual(new Set([`${NAME}:443`]));
    // The loopback source was reached directly, as docker does.
    expect(proxy.tunnels.some((t) => t.startsWith('127.0.0.1'))).toBe(false);
  });

  it.each([
    [NAME],
    ['example.test'],
    ['.example.test'],
    [`${NAME}:443`],
    ['*'],
  ])('NO_PROXY=%s: connects directly (and so cannot resolve the name)', async (noProxy) => {
    const e = await failure(client({ httpsProxy: proxy.url, noProxy }).registry(NAME).ping());
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/ENOTFOUND/);
    expect(proxy.tunnels).toEqual([]);
  });

  it.each([[`${NAME}:444`], ['other.test'], ['10.0.0.0/8']])('NO_PROXY=%s does not match: through the proxy', async (noProxy) => {
    await client({ httpsProxy: proxy.url, noProxy }).registry(NAME).ping();
    expect(proxy.tunnels).toEqual([`${NAME}:443`]);
  });

  it('HTTP_PROXY carries plain http; a NO_PROXY CIDR block that holds the address keeps it direct', async () => {
    const via = client({ httpProxy: proxy.url, noProxy: '10.0.0.0/8' }).registry(`${IP}:5000`);
    expect(await via.listTags('src/app')).toEqual(['v1']);
    expect(proxy.tunnels).toEqual([`${IP}:5000`]);
    proxy.tunnels.length = 0;
    // Direct, the address leads nowhere useful (what answers, if anything, depends on the machine's network).
    await failure(client({ httpProxy: proxy.url, noProxy: '198.51.100.0/24' }).registry(`${IP}:5000`).listTags('src/app'));
    expect(proxy.tunnels).toEqual([]);
  });

  it('a --connect-to rule wins over the proxy', async () => {
    const c = client({ httpsProxy: proxy.url }, { connectTo: [`${NAME}:443:${tls.host}`] });
    await c.registry(NAME).ping();
    expect(proxy.tunnels).toEqual([]);
  });

  it('sends proxy credentials from the URL, and never shows the password', async () => {
    await client({ httpsProxy: authProxy.url.replace('//', '//proxyuser:pr0xy-pa55word@') }).registry(NAME).ping();
    expect(authProxy.tunnels).toEqual([`${NAME}:443`]);
    const e = await failure(client({ httpsProxy: authProxy.url.replace('//', '//proxyuser:wr0ng-pa55word@') }).registry(NAME).ping());
    expect(e.message).toMatch(/407/);
    expect(e.message).toContain(`through proxy ${authProxy.url}`);
    expect(JSON.stringify(e.toJSON())).not.toContain('wr0ng-pa55word');
  });
});
