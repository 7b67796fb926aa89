import { describe, expect, it } from 'vitest';
import { findConnectTo, parseConnectTo, parseConnectToList } from '../../src/transport/connect-to.js';

describe('parseConnectTo', () => {
  it.each([
    ['registry-1.docker.io:443:127.0.0.1:5000', { host: 'registry-1.docker.io', port: 443, address: '127.0.0.1', addressPort: 5000 }],
    ['Example.COM:127.0.0.1:8443', { host: 'example.com', address: '127.0.0.1', addressPort: 8443 }],
    ['[::1]:5000:[::1]:6000', { host: '::1', port: 5000, address: '::1', addressPort: 6000 }],
    ['myreg.azurecr.io:443:localhost:1234', { host: 'myreg.azurecr.io', port: 443, address: 'localhost', addressPort: 1234 }],
    [' a.b:1:c.d:2 ', { host: 'a.b', port: 1, address: 'c.d', addressPort: 2 }],
  ])('%s', (spec, rule) => {
    expect(parseConnectTo(spec)).toEqual(rule);
  });

  it.each([
    ['a.b:c.d', /number of/],
    ['a.b:1:2:c.d:3', /number of/],
    ['a.b:99999:c.d:1', /not a port/],
    ['a.b:c.d:0', /not a port/],
    ['a.b:c.d:x', /not a port/],
    [':443:c.d:1', /not a host/],
    ['a b:443:c.d:1', /not a host/],
    ['[nope]:1:c.d:1', /not a host/],
    ['a.b:1:c.d:', /not a port/],
  ])('refuses %s', (spec, why) => {
    expect(() => parseConnectTo(spec)).toThrow(why);
    try {
      parseConnectTo(spec);
    } catch (e) {
      expect((e as { code: string }).code).toBe('USAGE');
    }
  });

  it('reads comma-separated lists and skips empty entries', () => {
    const rules = parseConnectToList(['a.io:443:127.0.0.1:1,b.io:127.0.0.1:2', undefined, '', ' , ']);
    expect(rules.map((r) => r.host)).toEqual(['a.io', 'b.io']);
  });
});

describe('findConnectTo', () => {
  const rules = parseConnectToList(['a.io:443:127.0.0.1:1', 'a.io:127.0.0.1:2', '[::1]:80:127.0.0.1:3']);
  it('matches host and port, first rule first', () => {
    expect(findConnectTo(rules, 'A.io', 443)?.addressPort).toBe(1);
    expect(findConnectTo(rules, 'a.io', 8443)?.addressPort).toBe(2);
    expect(findConnectTo(rules, '[::1]', 80)?.addressPort).toBe(3);
    expect(findConnectTo(rules, '::1', 81)).toBeUndefined();
    expect(findConnectTo(rules, 'b.io', 443)).toBeUndefined();
  });
});
