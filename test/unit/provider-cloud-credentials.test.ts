import { describe, expect, it } from 'vitest';
import { acr } from '../../src/providers/acr.js';
import { decodeEcrToken } from '../../src/providers/ecr-credentials.js';
import { jsonKeyOf } from '../../src/providers/gar-auth.js';
import { cachedSecret } from '../../src/providers/expiring-secret.js';
import { redact } from '../../src/errors.js';

describe('decodeEcrToken', () => {
  const token = (s: string) => Buffer.from(s).toString('base64');
  it('splits base64("AWS:<password>") at the first colon and keeps the expiry', () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    expect(decodeEcrToken({ authorizationToken: token('AWS:pa:ss'), expiresAt })).toEqual({ secret: 'pa:ss', expiresAt: expiresAt.getTime() });
  });
  it('assumes the documented 12 hours without an expiry', () => {
    expect(decodeEcrToken({ authorizationToken: token('AWS:pw') }, 1000).expiresAt).toBe(1000 + 12 * 3600_000);
  });
  it.each([undefined, '', token('nocolon'), token(':pw'), token('AWS:')])('refuses %j', (t) => {
    expect(() => decodeEcrToken(t === undefined ? undefined : { authorizationToken: t })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('ACR normalizeCredential', () => {
  const guid = '00000000-0000-0000-0000-000000000000';
  it('turns a null-GUID password into the refresh token the token service wants', () => {
    expect(acr.normalizeCredential!('r.azurecr.io', { username: guid, password: 'refresh-jwt', source: 'config' }))
      .toEqual({ username: guid, identityToken: 'refresh-jwt', source: 'config' });
  });
  it('leaves other logins alone', () => {
    const admin = { username: 'myreg', password: 'pw' };
    expect(acr.normalizeCredential!('r.azurecr.io', admin)).toBe(admin);
    const ready = { username: guid, identityToken: 'rt' };
    expect(acr.normalizeCredential!('r.azurecr.io', ready)).toBe(ready);
  });
});

describe('jsonKeyOf', () => {
  const key = { type: 'service_account', client_email: 'a@p.iam.gserviceaccount.com', private_key: 'k' };
  it('reads _json_key and _json_key_base64 logins', () => {
    expect(jsonKeyOf({ username: '_json_key', password: JSON.stringify(key) })).toEqual(key);
    expect(jsonKeyOf({ username: '_json_key_base64', password: Buffer.from(JSON.stringify(key)).toString('base64') })).toEqual(key);
  });
  it('ignores other logins and refuses a key that is not JSON', () => {
    expect(jsonKeyOf({ username: 'oauth2accesstoken', password: 'ya29.x' })).toBeUndefined();
    expect(jsonKeyOf(undefined)).toBeUndefined();
    expect(() => jsonKeyOf({ username: '_json_key', password: '{not json' })).toThrow(expect.objectContaining({ code: 'CREDENTIALS' }));
  });
});

describe('cachedSecret', () => {
  it('shares one fetch, registers the secret for redaction, and fetches again near expiry', async () => {
    let fetches = 0;
    const fetch = async () => ({ secret: `s3cret-value-${++fetches}`, expiresAt: Date.now() + 60_000 });
    const [a, b] = await Promise.all([cachedSecret('unit-a', fetch), cachedSecret('unit-a', fetch)]);
    expect(a).toEqual(b);
    expect(fetches).toBe(1);
    expect(redact(`token ${a.secret} leaked`)).not.toContain(a.secret);
    // Within its last 10 % it is stale: a new one is fetched.
    const short = await cachedSecret('unit-b', async () => ({ secret: 'short-lived-1', expiresAt: Date.now() + 5 }));
    await new Promise((r) => setTimeout(r, 10));
    const next = await cachedSecret('unit-b', async () => ({ secret: 'short-lived-2', expiresAt: Date.now() + 60_000 }));
    expect(short.secret).toBe('short-lived-1');
    expect(next.secret).toBe('short-lived-2');
  });
  it('does not cache "nothing found"', async () => {
    expect(await cachedSecret('unit-c', async () => undefined)).toBeUndefined();
    expect((await cachedSecret('unit-c', async () => ({ secret: 'found-later', expiresAt: Date.now() + 60_000 })))?.secret).toBe('found-later');
  });
});
