import { describe, expect, it } from 'vitest';
import { RegctlError, redact, registerSecret } from '../../src/errors.js';

const HEX = 'a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4';
const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MX0.c2lnbmF0dXJlLWJ5dGVz';

describe('redact', () => {
  it.each<[string, string, string]>([
    ['Authorization Basic header', 'Authorization: Basic YWxpY2U6czNjcmV0LXB3', 'Authorization: ***'],
    ['authorization header, lower case', 'authorization: Bearer abc.def.ghi-jkl', 'authorization: ***'],
    ['Proxy-Authorization header', 'Proxy-Authorization: Basic Zm9vOmJhcmJhcg==', 'Proxy-Authorization: ***'],
    ['bare Basic credentials', 'sent Basic YWxpY2U6czNjcmV0LXB3 to the realm', 'sent Basic *** to the realm'],
    ['bare Bearer token', 'retrying with Bearer sl.ABCDEFGHIJKLMNOP', 'retrying with Bearer ***'],
    ['password=', 'login failed: password=hunter2hunter2', 'login failed: password=***'],
    ['password in JSON', '{"username":"alice","password":"hunter2hunter2"}', '{"username":"alice","password":"***"}'],
    ['secret in JSON (credential helper output)', '{"ServerURL":"r","Username":"u","Secret":"tok-123456789"}', '{"ServerURL":"r","Username":"u","Secret":"***"}'],
    ['access_token in a query', 'GET /token?access_token=abcdef123456&scope=repo', 'GET /token?access_token=***&scope=repo'],
    ['refresh_token in a form', 'grant_type=refresh_token&refresh_token=r3fr3sh-t0ken&service=acr', 'grant_type=refresh_token&refresh_token=***&service=acr'],
    ['identitytoken in docker config', '"identitytoken": "id-tok-987654"', '"identitytoken": "***"'],
    ['a JWT anywhere', `token server replied ${JWT} unexpectedly`, 'token server replied *** unexpectedly'],
    ['URL userinfo', 'GET https://alice:s3cret-pw@registry.example/v2/ failed', 'GET https://alice:***@registry.example/v2/ failed'],
    ['http URL userinfo', 'proxy http://bob:pa55word@proxy.local:3128', 'proxy http://bob:***@proxy.local:3128'],
  ])('%s', (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each([
    `docker://alpine:3@sha256:${HEX}`,
    `127.0.0.1:5000/app:1.0@sha256:${HEX}`,
    `localhost:5000/library/alpine@sha256:${HEX}`,
    'https://registry.example:5000/v2/app/manifests/1.0',
    'ghcr.io/org/app:v1.2.3',
    'GET manifest 127.0.0.1:5000/app:latest: MANIFEST_UNKNOWN: manifest unknown',
    'linux/arm64/v8',
    'copy 127.0.0.1:41337/src/app:1.0 -> 127.0.0.1:41338/dst/app:1.0',
  ])('leaves %s unchanged', (text) => {
    expect(redact(text)).toBe(text);
  });

  it('removes registered secrets wherever they appear, even echoed back in odd contexts', () => {
    const secret = 'Zx9-unique-registered-secret-Q';
    registerSecret(secret);
    expect(redact(`registry said: invalid credential ${secret}!`)).toBe('registry said: invalid credential ***!');
    expect(redact(`${secret}${secret}`)).toBe('******');
  });

  it('ignores very short or empty secrets, which would blank ordinary words', () => {
    registerSecret('abc');
    registerSecret('');
    registerSecret(undefined);
    expect(redact('abc is fine')).toBe('abc is fine');
  });

  it('applies to every RegctlError message and hint', () => {
    const e = new RegctlError('UNAUTHORIZED', 'rejected Authorization: Basic YWxpY2U6czNjcmV0LXB3', {
      hint: `try https://u:p4ssw0rd@host/ again with ${JWT}`,
      registryErrors: [{ code: 'UNAUTHORIZED', message: 'password=hunter2hunter2' }],
    });
    const all = JSON.stringify(e.toJSON()) + e.message;
    expect(all).not.toContain('YWxpY2U6czNjcmV0LXB3');
    expect(all).not.toContain('p4ssw0rd');
    expect(all).not.toContain('c2lnbmF0dXJlLWJ5dGVz');
    expect(all).not.toContain('hunter2hunter2');
  });
});
