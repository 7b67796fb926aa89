// Proves the real-registry harness works before anything else relies on it: every auth mode
// starts and enforces its auth, fixtures push in every mode, skopeo reads them back byte for
// byte, and stopped registries leave no port or directory behind.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig } from '../harness/cli.js';
import { tarOneFile } from '../harness/fixture-bytes.js';
import { authHeadersFor, buildImage, pushImage, pushIndex, targetFor } from '../harness/images.js';
import { decodeJwtClaims } from '../harness/jwt.js';
import { deepMerge, startRegistry, type RunningRegistry } from '../harness/registry.js';
import { skopeoAccessFor, skopeoInspectRaw } from '../harness/skopeo.js';
import { parseScope, startTokenServer } from '../harness/token-server.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const basicAuth = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

let anon: RunningRegistry;
let basic: RunningRegistry;
let token: RunningRegistry;
let tlsAgent: Agent;

beforeAll(async () => {
  [anon, basic, token] = await Promise.all([
    startRegistry({ mode: 'anonymous' }),
    startRegistry({ mode: 'basic' }),
    startRegistry({ mode: 'token', users: { alice: 's3cret-pw', reader: 'r3ad' }, readOnlyUsers: ['reader'] }),
  ]);
  tlsAgent = new Agent({ connect: { ca: await readFile(basic.caFile!, 'utf8') } });
});

afterAll(async () => {
  await tlsAgent?.close();
  await Promise.all([anon?.stop(), basic?.stop(), token?.stop()]);
});

describe('anonymous mode', () => {
  it('serves plain http without auth', async () => {
    expect(anon.url).toBe(`http://${anon.host}`);
    expect(anon.host).toMatch(/^127\.0\.0\.1:\d+$/);
    const res = await request(`${anon.url}/v2/`);
    await res.body.dump();
    expect(res.statusCode).toBe(200);
  });

  it('pushIndex writes an index skopeo reads back byte for byte', async () => {
    const pushed = await pushIndex(targetFor(anon, 'multi/app'), 'multi/app', 'v1', [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    expect(pushed.children).toHaveLength(2);
    const raw = await skopeoInspectRaw(`${anon.host}/multi/app:v1`, skopeoAccessFor(anon));
    expect(sha256(raw)).toBe(pushed.digest);
    expect(raw.equals(pushed.manifest)).toBe(true);
    const index = JSON.parse(raw.toString('utf8'));
    expect(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    // Children were pushed by digest and are readable by skopeo too.
    const child = await skopeoInspectRaw(`${anon.host}/multi/app@${pushed.children[1]!.digest}`, skopeoAccessFor(anon));
    expect(child.equals(pushed.children[1]!.manifest)).toBe(true);
  });

  it('deletes manifests (storage.delete.enabled)', async () => {
    const img = await pushImage(targetFor(anon, 'del/me'), 'del/me', 'x');
    const res = await request(`${anon.url}/v2/del/me/manifests/${img.digest}`, { method: 'DELETE' });
    await res.body.dump();
    expect(res.statusCode).toBe(202);
  });
});

describe('basic mode', () => {
  it('answers 401 with a Basic challenge without credentials', async () => {
    expect(basic.url).toBe(`https://${basic.host}`);
    const res = await request(`${basic.url}/v2/`, { dispatcher: tlsAgent });
    await res.body.dump();
    expect(res.statusCode).toBe(401);
    expect(String(res.headers['www-authenticate'])).toMatch(/^Basic realm="regctl-test"/);
  });

  it('accepts the right password over TLS verified by the CA, refuses a wrong one', async () => {
    const ok = await request(`${basic.url}/v2/`, { dispatcher: tlsAgent, headers: { authorization: basicAuth('alice', 's3cret-pw') } });
    await ok.body.dump();
    expect(ok.statusCode).toBe(200);
    const bad = await request(`${basic.url}/v2/`, { dispatcher: tlsAgent, headers: { authorization: basicAuth('alice', 'nope') } });
    await bad.body.dump();
    expect(bad.statusCode).toBe(401);
  });

  it('is really TLS: a client without the CA is refused', async () => {
    await expect(request(`${basic.url}/v2/`)).rejects.toThrow();
  });

  it('takes pushes with authHeadersFor and serves them to skopeo over TLS', async () => {
    const img = await pushImage(targetFor(basic, 'team/tool'), 'team/tool', '1.0', { layers: 2, seed: 'fixed' });
    // Same seed, same options: same digest (fixtures are reproducible).
    expect(buildImage({ layers: 2, seed: 'fixed' }).digest).toBe(img.digest);
    const raw = await skopeoInspectRaw(`docker://${basic.host}/team/tool:1.0`, skopeoAccessFor(basic));
    expect(raw.equals(img.manifest)).toBe(true);
  });
});

describe('token mode', () => {
  const ts = () => token.tokenServer!;
  const fetchToken = async (query: string, headers: Record<string, string> = {}) => {
    const res = await request(`${ts().realm}?${query}`, { headers });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, any> };
  };

  it('challenges with the realm and service', async () => {
    const res = await request(`${token.url}/v2/`);
    await res.body.dump();
    expect(res.statusCode).toBe(401);
    const challenge = String(res.headers['www-authenticate']);
    expect(challenge).toContain(`Bearer realm="${ts().realm}"`);
    expect(challenge).toContain('service="regctl-test"');
  });

  it('accepts a token fetched with Basic and records the fetch', async () => {
    const before = ts().requests.length;
    const { status, body } = await fetchToken('service=regctl-test&scope=repository:a/b:pull,push&account=alice', {
      authorization: basicAuth('alice', 's3cret-pw'),
    });
    expect(status).toBe(200);
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(300);
    expect(decodeJwtClaims(body.token).access).toEqual([{ type: 'repository', name: 'a/b', actions: ['pull', 'push'] }]);
    expect(ts().requests.slice(before)).toEqual([
      { method: 'GET', scopes: ['repository:a/b:pull,push'], account: 'alice', authorized: true },
    ]);
    const res = await request(`${token.url}/v2/`, { headers: { authorization: `Bearer ${body.token}` } });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
  });

  it('refuses a token for another repository with insufficient_scope', async () => {
    await pushImage(targetFor(token, 'scoped/repo'), 'scoped/repo', 'latest');
    const wrong = ts().mint(['repository:other/repo:pull'], 'alice');
    const res = await request(`${token.url}/v2/scoped/repo/manifests/latest`, { method: 'HEAD', headers: { authorization: `Bearer ${wrong}` } });
    await res.body.dump();
    expect(res.statusCode).toBe(401);
    expect(String(res.headers['www-authenticate'])).toContain('insufficient_scope');
    const right = await authHeadersFor(token, 'scoped/repo');
    // distribution 2.8 answers 404 for an OCI manifest unless the client's Accept lists OCI.
    const ok = await request(`${token.url}/v2/scoped/repo/manifests/latest`, {
      method: 'HEAD',
      headers: { ...right, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    await ok.body.dump();
    expect(ok.statusCode).toBe(200);
  });

  it('refuses token requests for another service', async () => {
    const { status, body } = await fetchToken('service=elsewhere&scope=repository:a/b:pull');
    expect(status).toBe(400);
    expect(body.errors[0].code).toBe('INVALID_REQUEST');
  });

  it('answers a wrong password with 401 and anonymous callers with an empty grant', async () => {
    const bad = await fetchToken('service=regctl-test&scope=repository:a/b:pull', { authorization: basicAuth('alice', 'x') });
    expect(bad.status).toBe(401);
    expect(bad.body.errors[0].code).toBe('UNAUTHORIZED');
    const anonTok = await fetchToken('service=regctl-test&scope=repository:a/b:pull');
    expect(anonTok.status).toBe(200);
    expect(decodeJwtClaims(anonTok.body.token).access).toEqual([]);
    expect(ts().requests.at(-1)).toMatchObject({ method: 'GET', authorized: false });
  });

  it('grants read-only users pull only, and the catalog to full users', async () => {
    const ro = await fetchToken('service=regctl-test&scope=repository:a/b:pull,push', { authorization: basicAuth('reader', 'r3ad') });
    expect(decodeJwtClaims(ro.body.token).access).toEqual([{ type: 'repository', name: 'a/b', actions: ['pull'] }]);
    const cat = await fetchToken('service=regctl-test&scope=registry:catalog:*', { authorization: basicAuth('alice', 's3cret-pw') });
    const res = await request(`${token.url}/v2/_catalog`, { headers: { authorization: `Bearer ${cat.body.token}` } });
    const list = (await res.body.json()) as { repositories: string[] };
    expect(res.statusCode).toBe(200);
    expect(list.repositories).toContain('scoped/repo');
  });

  it('supports the OAuth2 password and refresh_token grants', async () => {
    const post = async (form: Record<string, string>) => {
      const res = await request(ts().realm, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, any> };
    };
    const common = { service: 'regctl-test', client_id: 'regctl-test', scope: 'repository:a/b:pull repository:c/d:push' };
    const pw = await post({ ...common, grant_type: 'password', username: 'alice', password: 's3cret-pw' });
    expect(pw.status).toBe(200);
    expect(pw.body.refresh_token).toEqual(expect.any(String));
    expect(decodeJwtClaims(pw.body.access_token).access.map((a) => a.name)).toEqual(['a/b', 'c/d']);
    const rt = await post({ ...common, grant_type: 'refresh_token', refresh_token: pw.body.refresh_token });
    expect(rt.status).toBe(200);
    expect(decodeJwtClaims(rt.body.access_token).sub).toBe('alice');
    expect(ts().requests.at(-1)).toMatchObject({ method: 'POST', grantType: 'refresh_token', account: 'alice', authorized: true });
    expect((await post({ ...common, grant_type: 'refresh_token', refresh_token: 'forged' })).status).toBe(401);
    expect((await post({ ...common, grant_type: 'password', username: 'alice', password: 'bad' })).status).toBe(401);
    const { client_id: _omit, ...noClient } = common;
    expect((await post({ ...noClient, grant_type: 'password', username: 'alice', password: 's3cret-pw' })).status).toBe(400);
  });

  it('honours setExpiresIn', async () => {
    ts().setExpiresIn(120);
    try {
      const { body } = await fetchToken('service=regctl-test');
      const claims = decodeJwtClaims(body.token);
      expect(body.expires_in).toBe(120);
      expect(claims.exp - claims.iat).toBe(120);
      expect(claims).toMatchObject({ iss: 'regctl-test-issuer', aud: 'regctl-test' });
    } finally {
      ts().setExpiresIn(300);
    }
  });
});

describe('helpers', () => {
  it('an anonymousPull token server grants anonymous pull and nothing more', async () => {
    const server = await startTokenServer({
      users: {}, signingKey: basic.certs.tokenKey, signingCert: basic.certs.tokenCert,
      service: 'svc', issuer: 'iss', anonymousPull: true,
    });
    try {
      const res = await request(`${server.realm}?service=svc&scope=repository:a:pull,push&scope=registry:catalog:*`);
      const body = (await res.body.json()) as { token: string };
      expect(decodeJwtClaims(body.token).access).toEqual([{ type: 'repository', name: 'a', actions: ['pull'] }]);
      expect(server.requests).toEqual([{ method: 'GET', scopes: ['repository:a:pull,push', 'registry:catalog:*'], authorized: false }]);
    } finally {
      await server.close();
    }
  });

  it('parseScope keeps host:port names intact', () => {
    expect(parseScope('repository:localhost:5000/a/b:pull,push')).toEqual({
      type: 'repository', name: 'localhost:5000/a/b', actions: ['pull', 'push'],
    });
    expect(parseScope('nonsense')).toBeNull();
  });

  it('deepMerge merges objects, replaces scalars and deletes on null', () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, d: [1], e: 1 }, { a: { c: 3 }, d: [2], e: null })).toEqual({ a: { b: 1, c: 3 }, d: [2] });
  });

  it('layers are real tar archives that GNU tar extracts', async () => {
    const img = buildImage({ seed: 's', layerSize: 700 });
    const tar = gunzipSync(img.blobs.get(img.layers[0]!.digest)!);
    expect(tar).toEqual(tarOneFile('layer-0.bin', tar.subarray(512, 512 + 700)));
    const dir = await mkdtemp(join(tmpdir(), 'regctl-harness-'));
    const file = join(dir, 'layer.tar');
    await writeFile(file, tar);
    const { stdout } = await promisify(execFile)('tar', ['-tvf', file]).finally(() => rm(dir, { recursive: true }));
    expect(stdout).toMatch(/-rw-r--r-- 0\/0 +700 .* layer-0\.bin/);
    const config = JSON.parse(img.blobs.get(img.config.digest)!.toString());
    expect(config.rootfs.diff_ids).toEqual([sha256(tar)]);
  });

  it('runCli passes args, stdin and a scrubbed env, and reports the exit code', async () => {
    const cfg = await tempDockerConfig({ auths: {} });
    try {
      const script = join(cfg.dir, 'echo.mjs');
      await writeFile(script, [
        "let input = ''; process.stdin.on('data', (d) => (input += d));",
        "process.stdin.on('end', () => {",
        '  console.log(JSON.stringify({ args: process.argv.slice(2), input, env: process.env }));',
        "  console.error('to stderr'); process.exit(3);",
        '});',
      ].join('\n'));
      process.env.FORCE_COLOR = '1';
      const out = await runCli(['a', 'b c'], { script, input: 'pw\n', env: { ...cfg.env, EXTRA: 'x' } }).finally(() => {
        delete process.env.FORCE_COLOR;
      });
      expect(out.code).toBe(3);
      expect(out.stderr).toBe('to stderr\n');
      const seen = JSON.parse(out.stdout);
      expect(seen.args).toEqual(['a', 'b c']);
      expect(seen.input).toBe('pw\n');
      expect(seen.env).toMatchObject({ NO_COLOR: '1', EXTRA: 'x', DOCKER_CONFIG: cfg.dir });
      expect(seen.env.FORCE_COLOR).toBeUndefined();
      expect(await cfg.read()).toEqual({ auths: {} });
    } finally {
      await cfg.cleanup();
    }
    expect(existsSync(cfg.dir)).toBe(false);
  });
});

describe('shutdown', () => {
  it('gives up after repeated port clashes with a clear error', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const taken = (blocker.address() as AddressInfo).port;
    try {
      await expect(startRegistry({ mode: 'anonymous', extraConfig: { http: { addr: `127.0.0.1:${taken}` } } }))
        .rejects.toThrow(/address already in use/);
    } finally {
      blocker.close();
    }
  });

  it('a registry that cannot start fails with its stderr tail and leaves no temp dir', async () => {
    const before = readdirSync(tmpdir()).filter((d) => d.startsWith('regctl-registry-'));
    const err: Error = await startRegistry({ mode: 'anonymous', extraConfig: { storage: { filesystem: null, nosuchdriver: {} } } })
      .then(() => new Error('started'), (e: Error) => e);
    expect(err.message).toMatch(/^docker-registry on port \d+ exited with \d+/);
    expect(err.message).toContain('--- stderr');
    // distribution panics naming the unknown driver; the cause is on the first lines.
    expect(err.message).toContain('nosuchdriver');
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith('regctl-registry-'))).toEqual(before);
  });

  it('stop() kills the registry, closes its port and removes its data', async () => {
    const regs = [anon, basic, token];
    await Promise.all(regs.map((r) => r.stop()));
    for (const r of regs) {
      const port = Number(r.host.split(':')[1]);
      const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(undefined)));
        s.once('error', resolve);
      });
      expect(err?.code).toBe('ECONNREFUSED');
      expect(existsSync(r.dataDir)).toBe(false);
    }
    await expect(request(token.tokenServer!.realm)).rejects.toThrow();
  });
});
