import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryAuth } from '../../src/auth/auth-client.js';
import type { Credential, CredentialProvider } from '../../src/credentials/types.js';
import { HttpClient } from '../../src/transport/http.js';

// Short-lived credentials (ECR's 12-hour password, Google access tokens, ACR refresh tokens)
// carry `expiresAt`: the auth layer must ask its provider again before they expire, and once
// more when the registry refuses one early, instead of holding the first one forever.
describe('RegistryAuth with expiring credentials', () => {
  let server: Server | undefined;
  let http: HttpClient | undefined;
  afterEach(async () => {
    await http?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A Basic-auth registry that accepts only the passwords in `valid`. */
  async function registry(valid: Set<string>): Promise<string> {
    server = createServer((req, res) => {
      const pw = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':')[1];
      res.writeHead(pw && valid.has(pw) ? 200 : 401, { 'www-authenticate': 'Basic realm="test"', 'content-length': '0' });
      res.end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** A provider handing out `pw-1`, `pw-2`, ... each valid for `lifetimeMs`. */
  function rotating(lifetimeMs: number): CredentialProvider & { asked: number } {
    const p = {
      asked: 0,
      async get(): Promise<Credential> {
        p.asked++;
        return { username: 'AWS', password: `pw-${p.asked}`, expiresAt: Date.now() + lifetimeMs, source: 'test' };
      },
    };
    return p;
  }

  it('asks again for a credential in its last 30 seconds, not before', async () => {
    const base = await registry(new Set(['pw-1', 'pw-2', 'pw-3']));
    http = new HttpClient({ retry: { max: 0 } });
    const longLived = rotating(3600_000);
    const auth = new RegistryAuth({ http, host: 'h', secure: false, credentials: longLived });
    auth.setChallenges(['Basic realm="test"']);
    for (let i = 0; i < 3; i++) expect((await auth.send({ method: 'GET', url: `${base}/v2/` })).status).toBe(200);
    expect(longLived.asked).toBe(1);

    const shortLived = rotating(10_000);
    const auth2 = new RegistryAuth({ http, host: 'h', secure: false, credentials: shortLived });
    auth2.setChallenges(['Basic realm="test"']);
    await auth2.send({ method: 'GET', url: `${base}/v2/` });
    await auth2.send({ method: 'GET', url: `${base}/v2/` });
    expect(shortLived.asked).toBe(2);
  });

  it('asks again once when the registry refuses a short-lived credential, and replays with the new one', async () => {
    const valid = new Set(['pw-1']);
    const base = await registry(valid);
    http = new HttpClient({ retry: { max: 0 } });
    const provider = rotating(3600_000);
    const auth = new RegistryAuth({ http, host: 'h', secure: false, credentials: provider });
    auth.setChallenges(['Basic realm="test"']);
    expect((await auth.send({ method: 'GET', url: `${base}/v2/` })).status).toBe(200);
    // The registry revokes pw-1 early and accepts the next one.
    valid.delete('pw-1');
    valid.add('pw-2');
    expect((await auth.send({ method: 'GET', url: `${base}/v2/` })).status).toBe(200);
    expect(provider.asked).toBe(2);
    expect((await auth.credential())?.password).toBe('pw-2');
  });

  it('does not ask again for a credential without an expiry', async () => {
    const base = await registry(new Set(['static']));
    http = new HttpClient({ retry: { max: 0 } });
    let asked = 0;
    const auth = new RegistryAuth({
      http, host: 'h', secure: false,
      credentials: { get: async () => (asked++, { username: 'u', password: 'wrong' }) },
    });
    auth.setChallenges(['Basic realm="test"']);
    await expect(auth.send({ method: 'GET', url: `${base}/v2/` })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(asked).toBe(1);
  });
});
