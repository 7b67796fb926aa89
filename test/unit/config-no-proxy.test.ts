import { describe, expect, it } from 'vitest';
import { bypassesProxy, parseNoProxy } from '../../src/transport/no-proxy.js';
import { ProxySelector, proxyFromEnv } from '../../src/transport/proxy.js';
import { pacer } from '../../src/transport/pace.js';
import { redact } from '../../src/errors.js';

describe('NO_PROXY matching (Go net/http/httpproxy semantics)', () => {
  it.each([
    // [NO_PROXY, host, port, bypass]
    ['*', 'anything.example', 443, true],
    ['example.com', 'example.com', 443, true],
    ['example.com', 'registry.example.com', 443, true],
    ['example.com', 'notexample.com', 443, false],
    ['.example.com', 'example.com', 443, false],
    ['.example.com', 'a.b.example.com', 443, true],
    ['*.example.com', 'example.com', 443, false],
    ['*.example.com', 'x.example.com', 443, true],
    ['Example.COM', 'REGISTRY.example.com', 443, true],
    ['example.com:5000', 'example.com', 5000, true],
    ['example.com:5000', 'example.com', 443, false],
    ['10.1.2.3', '10.1.2.3', 443, true],
    ['10.1.2.3', '10.1.2.4', 443, false],
    ['10.1.2.3:8443', '10.1.2.3', 8443, true],
    ['10.1.2.3:8443', '10.1.2.3', 443, false],
    ['10.0.0.0/8', '10.200.3.4', 443, true],
    ['10.0.0.0/8', '11.0.0.1', 443, false],
    ['192.168.0.0/16,172.16.0.0/12', '172.31.255.255', 80, true],
    ['198.51.100.0/24', '198.51.100.7', 5000, true],
    ['fd00::/8', '[fd12::1]', 443, true],
    ['fd00::/8', '[fe80::1]', 443, false],
    ['::1', '[::1]', 443, true],
    ['[::1]:5000', '[::1]', 5000, true],
    ['[::1]:5000', '[::1]', 5001, false],
    // IP entries never match names and domain entries never match IP addresses: nothing is resolved.
    ['10.0.0.0/8', 'ten.example.com', 443, false],
    ['0.0.0.1', 'example.com', 443, false],
    ['example.com registry.io', 'registry.io', 443, true],
    ['', 'example.com', 443, false],
    ['10.0.0.0/99', '10.0.0.1', 443, false],
  ])('NO_PROXY=%j for %s:%d -> %s', (value, host, port, bypass) => {
    expect(bypassesProxy(parseNoProxy(value), host, port)).toBe(bypass);
  });
});

describe('ProxySelector', () => {
  const url = (u: string) => new URL(u);

  it('takes HTTPS_PROXY for https and HTTP_PROXY for http, upper case first', () => {
    const env = { HTTPS_PROXY: 'http://p1:3128', https_proxy: 'http://lower:1', http_proxy: 'p2:8080', NO_PROXY: '.internal' };
    const s = new ProxySelector(proxyFromEnv(env));
    expect(s.for(url('https://ghcr.io/v2/'))?.host).toBe('p1:3128');
    expect(s.for(url('http://ghcr.io/v2/'))?.href).toBe('http://p2:8080/');
    expect(s.for(url('https://r.internal/v2/'))).toBeUndefined();
  });

  it('never proxies loopback registries, as docker does', () => {
    const s = new ProxySelector({ httpsProxy: 'http://p:1', httpProxy: 'http://p:1' });
    for (const u of ['https://localhost:5000/', 'http://127.0.0.1:5000/', 'https://[::1]:5000/', 'https://x.localhost/']) expect(s.for(url(u))).toBeUndefined();
    expect(s.for(url('https://127.example.com/'))?.host).toBe('p:1');
  });

  it('does not use HTTP_PROXY for https (as Go and curl)', () => {
    expect(new ProxySelector({ httpProxy: 'http://p:1' }).for(url('https://ghcr.io/'))).toBeUndefined();
  });

  it('refuses unsupported proxy schemes and registers the proxy password as a secret', () => {
    expect(() => new ProxySelector({ httpsProxy: 'ftp://p:1' })).toThrow(/proxy scheme ftp is not supported/);
    new ProxySelector({ httpsProxy: 'http://user:pr0xy-s3cret@p:1' });
    expect(redact('tunnel failed for pr0xy-s3cret')).toBe('tunnel failed for ***');
  });
});

describe('pacer', () => {
  it('spaces calls 1/rate apart, in call order, without a burst', async () => {
    let clock = 1000;
    const slept: number[] = [];
    const pace = pacer(4, () => clock, async (ms) => { slept.push(ms); });
    await Promise.all([pace(), pace(), pace()]);
    expect(slept).toEqual([250, 500]);
    clock += 2000;
    await pace();
    expect(slept).toEqual([250, 500]);
  });
});
