import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/transport/http.js';
import { makeCerts, serverCertFor, type CertPaths } from '../harness/certs.js';

// --connect-to keeps the requested name for SNI, the certificate check and the Host header while
// the TCP connection goes to another address: a real TLS server on 127.0.0.1 proves each part.
describe('HttpClient connectTo', () => {
  let dir: string;
  let certs: CertPaths;
  let server: Server;
  let port: number;
  const seen: Array<{ host?: string; servername?: string | false | null }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regctl-connect-to-'));
    certs = await makeCerts(dir);
    const named = await serverCertFor(certs, ['registry.example.test']);
    server = createServer({ cert: await readFile(named.cert), key: await readFile(named.key) }, (req, res) => {
      seen.push({ host: req.headers.host, servername: (req.socket as TLSSocket).servername });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      server?.closeAllConnections();
    });
    await rm(dir, { recursive: true, force: true });
  });

  it('connects to the rule address and keeps the name for SNI and Host', async () => {
    const http = new HttpClient({ ca: await readFile(certs.caCert), connectTo: [`registry.example.test:443:127.0.0.1:${port}`], retry: { max: 0 } });
    try {
      const res = await http.send({ method: 'GET', url: 'https://registry.example.test/v2/' });
      expect(res.status).toBe(200);
      expect(await res.body.text()).toBe('hello');
      expect(seen.at(-1)).toEqual({ host: 'registry.example.test', servername: 'registry.example.test' });
    } finally {
      await http.close();
    }
  });

  it('still verifies the certificate against the requested name', async () => {
    const http = new HttpClient({ ca: await readFile(certs.caCert), connectTo: [`other.example.test:127.0.0.1:${port}`], retry: { max: 0 } });
    try {
      const err = await http.send({ method: 'GET', url: 'https://other.example.test/v2/' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'NETWORK' });
      expect(String((err as Error).message)).toMatch(/other\.example\.test|altname|certificate/i);
    } finally {
      await http.close();
    }
  });

  it('refuses a malformed rule with a usage error', () => {
    expect(() => new HttpClient({ connectTo: ['registry.example.test:443'] })).toThrow(/HOST\[:PORT\]:ADDR:PORT/);
  });
});
