/**
 * The registry layer against real distribution 2.8 registries, through RegistryClient: manifests,
 * blobs (monolithic, streamed, chunked, ranged, mounted), listing with Link pagination, the
 * referrers fallback tag, untag, the loopback https -> http fallback. A small recording proxy in
 * front of the anonymous registry shows what went over the wire and forges replies where a test
 * needs a misbehaving registry.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import type { Logger } from '../../src/log.js';
import { untag } from '../../src/ops/delete.js';
import { MediaType } from '../../src/registry/media-types.js';
import { referrersTag } from '../../src/registry/referrers.js';
import type { Registry } from '../../src/registry/registry.js';
import { sha256Digest } from '../harness/fixture-bytes.js';
import { buildImage, pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

// ------------------------------------------------------------------ a recording, rewriting proxy

interface Seen { method: string; path: string; headers: IncomingHttpHeaders }
interface Rewrite { status: number; headers: IncomingHttpHeaders; body: Buffer }
interface Proxy {
  host: string;
  seen: Seen[];
  /** Changes a buffered upstream reply; unset: replies pass through untouched. */
  rewrite?: (req: Seen, reply: Rewrite) => Rewrite;
  close(): Promise<void>;
}

/** An http proxy in front of `upstream` (host:port) that records requests and may rewrite replies. */
async function startProxy(upstream: string): Promise<Proxy> {
  const [host, port] = upstream.split(':') as [string, string];
  const proxy: Proxy = { host: '', seen: [], close: () => new Promise((r) => server.close(() => r())) };
  const server: Server = createServer((req, res) => {
    const seen = { method: req.method!, path: req.url!, headers: req.headers };
    proxy.seen.push(seen);
    // The Host header is passed on, so the registry builds Location URLs that point at the proxy.
    const up = httpRequest({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (ures) => {
      const chunks: Buffer[] = [];
      ures.on('data', (c: Buffer) => chunks.push(c));
      ures.on('end', () => {
        let reply: Rewrite = { status: ures.statusCode!, headers: ures.headers, body: Buffer.concat(chunks) };
        if (proxy.rewrite) reply = proxy.rewrite(seen, reply);
        const headers = { ...reply.headers };
        if (req.method !== 'HEAD') headers['content-length'] = String(reply.body.length);
        res.writeHead(reply.status, headers);
        res.end(req.method === 'HEAD' ? undefined : reply.body);
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

// ------------------------------------------------------------------ helpers

const anonymousClient = (logger?: Logger) =>
  new RegistryClient({ credentials: new StaticCredentials({}), http: { retry: { max: 0 } }, ...(logger && { logger }) });

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

async function pushBuilt(reg: Registry, repo: string, image: BuiltImage, reference: string): Promise<void> {
  for (const [digest, data] of image.blobs) await reg.uploadBlob(repo, { digest, size: data.length }, () => data);
  await reg.putManifest(repo, reference, image.manifest, image.mediaType);
}

const EMPTY = Buffer.from('{}');
const EMPTY_DESC = { mediaType: MediaType.OciEmpty, digest: sha256Digest(EMPTY), size: EMPTY.length };

describe('registry API against an anonymous distribution registry', () => {
  let anon: RunningRegistry;
  let proxy: Proxy;
  let client: RegistryClient;
  let reg: Registry;
  let viaProxy: Registry;
  let seeded: BuiltImage;

  beforeAll(async () => {
    anon = await startRegistry({ mode: 'anonymous' });
    proxy = await startProxy(anon.host);
    seeded = await pushImage(targetFor(anon, 'api/man'), 'api/man', 'v1', { layers: 2 });
    client = anonymousClient();
    // Plain http, addressed without plainHttp: the loopback fallback finds it.
    reg = client.registry(anon.host);
    viaProxy = client.registry(proxy.host);
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await anon?.stop();
  });

  describe('manifests', () => {
    it('gets by tag and by digest with the exact bytes', async () => {
      for (const ref of ['v1', seeded.digest]) {
        const m = await reg.getManifest('api/man', ref);
        expect(m.bytes.equals(seeded.manifest)).toBe(true);
        expect(m.digest).toBe(seeded.digest);
        expect(m.mediaType).toBe(MediaType.OciManifest);
        expect(m.parsed).toMatchObject({ config: { digest: seeded.config.digest } });
      }
    });

    it('HEAD returns the descriptor, or undefined when absent', async () => {
      expect(await reg.headManifest('api/man', 'v1')).toEqual({ mediaType: MediaType.OciManifest, digest: seeded.digest, size: seeded.size });
      expect(await reg.headManifest('api/man', 'nope')).toBeUndefined();
      await expect(reg.getManifest('api/man', 'nope')).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN', status: 404 });
    });

    it('puts by digest, then by tag, and deletes by digest', async () => {
      const image = buildImage();
      for (const [digest, data] of image.blobs) await reg.uploadBlob('api/put', { digest, size: data.length }, () => data);
      expect(await reg.putManifest('api/put', image.digest, image.manifest, image.mediaType)).toBe(image.digest);
      expect((await reg.getManifest('api/put', image.digest)).bytes.equals(image.manifest)).toBe(true);
      expect(await reg.headManifest('api/put', 'latest')).toBeUndefined();
      expect(await reg.putManifest('api/put', 'latest', image.manifest, image.mediaType)).toBe(image.digest);
      expect((await reg.headManifest('api/put', 'latest'))?.digest).toBe(image.digest);

      await reg.deleteManifest('api/put', image.digest);
      expect(await reg.headManifest('api/put', image.digest)).toBeUndefined();
      expect(await reg.headManifest('api/put', 'latest')).toBeUndefined();
    });

    it('refuses to put bytes under a digest they do not hash to, before sending', async () => {
      const before = proxy.seen.length;
      const other = buildImage();
      await expect(viaProxy.putManifest('api/man', other.digest, seeded.manifest, seeded.mediaType)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
      expect(proxy.seen.slice(before).filter((r) => r.method === 'PUT')).toEqual([]);
    });

    it('DIGEST_MISMATCH when Docker-Content-Digest does not match the bytes (forged by a proxy)', async () => {
      const forged = sha256Digest(Buffer.from('something else'));
      proxy.rewrite = (req, reply) =>
        req.path.includes('/manifests/') ? { ...reply, headers: { ...reply.headers, 'docker-content-digest': forged } } : reply;
      try {
        await expect(viaProxy.getManifest('api/man', 'v1')).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining(forged) });
        // Without the forgery the same request succeeds: the mismatch came from the header.
        proxy.rewrite = undefined;
        expect((await viaProxy.getManifest('api/man', 'v1')).digest).toBe(seeded.digest);
      } finally {
        proxy.rewrite = undefined;
      }
    });

    it('DIGEST_MISMATCH when the bytes fetched by digest were altered in transit', async () => {
      proxy.rewrite = (req, reply) => {
        if (!req.path.includes('/manifests/') || reply.body.length === 0) return reply;
        // Same length, one space more: still a valid manifest, a different digest.
        const text = reply.body.toString('utf8').replace('{"schemaVersion":2,', '{"schemaVersion": 2');
        return { ...reply, body: Buffer.from(text) };
      };
      try {
        await expect(viaProxy.getManifest('api/man', seeded.digest)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
      } finally {
        proxy.rewrite = undefined;
      }
    });
  });

  describe('blobs', () => {
    const data = randomBytes(100_000);
    const digest = sha256Digest(data);

    it('uploads monolithically; HEAD gives the size; GET gives the bytes', async () => {
      expect(await reg.headBlob('api/blob', digest)).toBeUndefined();
      await reg.uploadBlob('api/blob', { digest, size: data.length }, () => data);
      expect(await reg.headBlob('api/blob', digest)).toBe(data.length);
      const r = await reg.getBlob('api/blob', digest);
      expect(r.start).toBe(0);
      expect(r.length).toBe(data.length);
      expect((await readAll(r.stream)).equals(data)).toBe(true);
    });

    it('resumes with a Range: from an offset returns the tail', async () => {
      const offset = 73_210;
      const r = await reg.getBlob('api/blob', digest, offset);
      expect(r.start).toBe(offset);
      expect(r.length).toBe(data.length - offset);
      expect((await readAll(r.stream)).equals(data.subarray(offset))).toBe(true);
    });

    it('uploads a stream whose digest is computed on the way', async () => {
      const payload = randomBytes(50_000);
      const source = Readable.from([payload.subarray(0, 10_000), payload.subarray(10_000, 33_333), payload.subarray(33_333)]);
      const result = await reg.uploadStream('api/stream', source);
      expect(result).toEqual({ digest: sha256Digest(payload), size: payload.length });
      expect(await reg.headBlob('api/stream', result.digest)).toBe(payload.length);
      expect((await readAll((await reg.getBlob('api/stream', result.digest)).stream)).equals(payload)).toBe(true);
    });

    it('uploads in chunks smaller than the blob: three PATCHes with Content-Range, then PUT', async () => {
      const payload = randomBytes(2_500);
      const d = sha256Digest(payload);
      const before = proxy.seen.length;
      // Odd-sized source pieces, so the re-chunking has to cut across them.
      const source = Readable.from([payload.subarray(0, 700), payload.subarray(700, 2_100), payload.subarray(2_100)]);
      await viaProxy.uploadChunked('api/chunked', { digest: d, size: payload.length }, source, 1_000);
      const sent = proxy.seen.slice(before).filter((r) => r.method === 'PATCH' || r.method === 'PUT');
      expect(sent.map((r) => [r.method, r.headers['content-range']])).toEqual([
        ['PATCH', '0-999'], ['PATCH', '1000-1999'], ['PATCH', '2000-2499'], ['PUT', undefined],
      ]);
      expect(sent[3]!.path).toContain(`digest=${encodeURIComponent(d)}`);
      expect((await readAll((await reg.getBlob('api/chunked', d)).stream)).equals(payload)).toBe(true);
    });

    it('a chunked upload whose source is shorter than declared fails and commits nothing', async () => {
      const payload = randomBytes(1_500);
      const d = sha256Digest(payload);
      await expect(reg.uploadChunked('api/chunked', { digest: d, size: 2_000 }, Readable.from([payload]), 1_000)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
      expect(await reg.headBlob('api/chunked', d)).toBeUndefined();
    });

    it('monolithic upload with the wrong digest is refused by the registry', async () => {
      const wrong = sha256Digest(Buffer.from('not the data'));
      await expect(reg.uploadBlob('api/blob', { digest: wrong, size: data.length }, () => data)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
      expect(await reg.headBlob('api/blob', wrong)).toBeUndefined();
    });

    it('mounts a blob from another repository of the same registry', async () => {
      expect(await reg.headBlob('api/mounted', digest)).toBeUndefined();
      expect(await reg.mountBlob('api/mounted', digest, 'api/blob')).toBe(true);
      expect(await reg.headBlob('api/mounted', digest)).toBe(data.length);
    });

    it('mount of a blob the source lacks returns false and leaves no blob', async () => {
      const absent = sha256Digest(randomBytes(10));
      expect(await reg.mountBlob('api/mounted', absent, 'api/blob')).toBe(false);
      expect(await reg.headBlob('api/mounted', absent)).toBeUndefined();
    });
  });

  describe('listing', () => {
    it('lists every tag (distribution 2.8 ignores n= for tags and answers in one page)', async () => {
      const image = buildImage();
      await pushBuilt(reg, 'api/tags', image, 't1');
      for (const t of ['t2', 't3', 't4', 't5']) await reg.putManifest('api/tags', t, image.manifest, image.mediaType);
      expect([...(await reg.listTags('api/tags', { pageSize: 2 }))].sort()).toEqual(['t1', 't2', 't3', 't4', 't5']);
      expect([...(await reg.listTags('api/tags'))].sort()).toEqual(['t1', 't2', 't3', 't4', 't5']);
    });

    it('follows Link headers across pages of tags (OCI paging emulated in front of the registry)', async () => {
      // distribution 2.8 pages only the catalog; distribution 3 and the OCI spec page tags with
      // n/last and a Link header. The proxy pages the real registry's full list that way.
      proxy.rewrite = (req, reply) => {
        const url = new URL(req.path, 'http://x');
        if (!url.pathname.endsWith('/tags/list') || reply.status !== 200) return reply;
        const doc = JSON.parse(reply.body.toString('utf8')) as { name: string; tags: string[] };
        const n = Number(url.searchParams.get('n') ?? 1000);
        const last = url.searchParams.get('last');
        const all = [...doc.tags].sort().filter((t) => last === null || t > last);
        const page = all.slice(0, n);
        const headers = { ...reply.headers };
        // The first page's link is relative, the next absolute: both forms occur in the wild.
        if (all.length > n) {
          const next = `/v2/${doc.name}/tags/list?n=${n}&last=${page[page.length - 1]}`;
          headers.link = `<${last === null ? next : `http://${proxy.host}${next}`}>; rel="next"`;
        }
        return { ...reply, headers, body: Buffer.from(JSON.stringify({ name: doc.name, tags: page })) };
      };
      try {
        const before = proxy.seen.length;
        expect(await viaProxy.listTags('api/tags', { pageSize: 2 })).toEqual(['t1', 't2', 't3', 't4', 't5']);
        const pages = proxy.seen.slice(before).filter((r) => r.path.includes('/tags/list')).map((r) => r.path);
        expect(pages).toEqual([
          '/v2/api/tags/tags/list?n=2', '/v2/api/tags/tags/list?n=2&last=t2', '/v2/api/tags/tags/list?n=2&last=t4',
        ]);
      } finally {
        proxy.rewrite = undefined;
      }
    });

    it('stops with INVALID_INPUT when the pagination loops back', async () => {
      proxy.rewrite = (req, reply) =>
        req.path.includes('/tags/list') ? { ...reply, headers: { ...reply.headers, link: `<${req.path}>; rel="next"` } } : reply;
      try {
        await expect(viaProxy.listTags('api/tags', { pageSize: 2 })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/loops/) });
      } finally {
        proxy.rewrite = undefined;
      }
    });

    it('follows Link headers across pages of the catalog', async () => {
      const before = proxy.seen.length;
      const repos = await viaProxy.listRepositories({ pageSize: 2 });
      expect(repos).toEqual(expect.arrayContaining(['api/man', 'api/blob', 'api/stream', 'api/chunked', 'api/mounted', 'api/tags']));
      expect(new Set(repos).size).toBe(repos.length);
      expect([...repos].sort()).toEqual(repos);
      const pages = proxy.seen.slice(before).filter((r) => r.path.startsWith('/v2/_catalog'));
      // distribution 2.8 may add a Link after a full last page, which then yields an empty page.
      expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(repos.length / 2));
      expect(pages.length).toBeLessThanOrEqual(Math.ceil(repos.length / 2) + 1);
      expect(pages[0]!.path).toBe('/v2/_catalog?n=2');
      expect(pages[1]!.path).toMatch(/[?&]last=/);
      expect(await reg.listRepositories()).toEqual(repos);
    });

    it('lists a repository whose only tag was deleted as empty', async () => {
      const image = buildImage();
      await pushBuilt(reg, 'api/empty', image, 'gone');
      await reg.deleteManifest('api/empty', image.digest);
      expect(await reg.listTags('api/empty')).toEqual([]);
    });

    it('an unknown repository is NAME_UNKNOWN', async () => {
      await expect(reg.listTags('api/never-pushed')).rejects.toMatchObject({ code: 'NAME_UNKNOWN', status: 404 });
    });
  });

  describe('referrers', () => {
    it('finds an artifact through the sha256-<hex> fallback tag (no referrers API in 2.8)', async () => {
      await reg.uploadBlob('api/man', EMPTY_DESC, () => EMPTY);
      const artifactType = 'application/vnd.example.signature.v1';
      const artifact = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType, config: EMPTY_DESC, layers: [EMPTY_DESC],
        subject: { mediaType: seeded.mediaType, digest: seeded.digest, size: seeded.size },
      }));
      const artifactDigest = await reg.putManifest('api/man', sha256Digest(artifact), artifact, MediaType.OciManifest);
      const entry = { mediaType: MediaType.OciManifest, digest: artifactDigest, size: artifact.length, artifactType };
      const fallback = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [entry] }));
      const tag = referrersTag(seeded.digest);
      expect(tag).toBe(`sha256-${seeded.digest.slice('sha256:'.length)}`);
      await reg.putManifest('api/man', tag, fallback, MediaType.OciIndex);

      expect(await reg.listReferrers('api/man', seeded.digest)).toEqual({ manifests: [entry], source: 'tag' });
      expect(await reg.listReferrers('api/man', seeded.digest, artifactType)).toEqual({ manifests: [entry], source: 'tag' });
      expect(await reg.listReferrers('api/man', seeded.digest, 'application/vnd.other')).toEqual({ manifests: [], source: 'tag' });
    });

    it('no fallback tag: no referrers', async () => {
      expect(await reg.listReferrers('api/man', sha256Digest(Buffer.from('x')))).toEqual({ manifests: [], source: 'tag' });
    });
  });

  describe('untag', () => {
    it('distribution 2.8 refuses DELETE by tag: the placeholder workaround removes only that tag', async () => {
      const image = buildImage();
      await pushBuilt(reg, 'api/untag', image, 'keep');
      await reg.putManifest('api/untag', 'drop', image.manifest, image.mediaType);
      const info: string[] = [];
      const logger: Logger = { debug() {}, info: (m) => info.push(m), warn: (m) => info.push(m) };
      expect(await untag(reg, 'api/untag', 'drop', logger)).toBe('placeholder');
      expect(info.join('\n')).toMatch(/placeholder/);
      expect(await reg.listTags('api/untag')).toEqual(['keep']);
      expect(await reg.headManifest('api/untag', 'drop')).toBeUndefined();
      const kept = await reg.getManifest('api/untag', 'keep');
      expect(kept.digest).toBe(image.digest);
      expect(kept.bytes.equals(image.manifest)).toBe(true);
    });

    it('untag of a tag that does not exist fails with a not-found code', async () => {
      await expect(untag(reg, 'api/untag', 'never')).rejects.toMatchObject({ code: expect.stringMatching(/MANIFEST_UNKNOWN|NOT_FOUND/) });
    });
  });
});

describe('the loopback https -> http fallback', () => {
  let anon: RunningRegistry;
  let tls: RunningRegistry;
  let sniffer: TcpServer;
  let snifferHost: string;
  const plainRequests: string[] = [];

  beforeAll(async () => {
    [anon, tls] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'basic' })]);
    // A TCP relay in front of the TLS registry that notes connections opening in plain http.
    sniffer = createTcpServer((socket) => {
      const up = connect(Number(tls.host.split(':')[1]), '127.0.0.1');
      socket.once('data', (first: Buffer) => {
        if (/^[A-Z]+ \//.test(first.subarray(0, 16).toString('latin1'))) plainRequests.push(first.toString('latin1').split('\r\n')[0]!);
      });
      socket.pipe(up).pipe(socket);
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => sniffer.listen(0, '127.0.0.1', r));
    snifferHost = `127.0.0.1:${(sniffer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => sniffer?.close(r));
    await Promise.all([anon?.stop(), tls?.stop()]);
  });

  it('a plain-http loopback registry works without plainHttp', async () => {
    const debug: string[] = [];
    const client = anonymousClient({ debug: (m) => debug.push(m), info() {}, warn() {} });
    try {
      const reg = client.registry(anon.host);
      await reg.ping();
      expect(await reg.connection.baseUrl()).toBe(`http://${anon.host}`);
      expect(await reg.listRepositories()).toEqual([]);
      expect(debug.join('\n')).toMatch(/trying plain http/);
    } finally {
      await client.close();
    }
  });

  it('with plainHttp it goes straight to http', async () => {
    const client = new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true });
    try {
      expect(await client.registry(anon.host).connection.baseUrl()).toBe(`http://${anon.host}`);
    } finally {
      await client.close();
    }
  });

  it('a TLS registry with an untrusted certificate: NETWORK naming the certificate, no plain-http attempt', async () => {
    const client = anonymousClient();
    try {
      const err = await client.registry(snifferHost).ping().then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'NETWORK', message: expect.stringMatching(/certificate/i) });
      expect((err as { hint?: string }).hint).toMatch(/--ca-file/);
      expect(plainRequests).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('the same registry with its CA trusted answers over https', async () => {
    const { readFile } = await import('node:fs/promises');
    const client = new RegistryClient({ credentials: new StaticCredentials({}), http: { ca: await readFile(tls.caFile!) } });
    try {
      const reg = client.registry(tls.host);
      await reg.ping();
      expect(await reg.connection.baseUrl()).toBe(`https://${tls.host}`);
      // Basic auth without credentials is refused, over https.
      await expect(reg.listTags('x')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      await client.close();
    }
  });
});

describe('registry API against the token registry (scopes)', () => {
  let tok: RunningRegistry;
  let client: RegistryClient;
  let reg: Registry;

  beforeAll(async () => {
    tok = await startRegistry({ mode: 'token' });
    const [username, password] = Object.entries(tok.users)[0]!;
    client = new RegistryClient({ credentials: new StaticCredentials({ [tok.host]: { username, password } }) });
    reg = client.registry(tok.host);
  });
  afterAll(async () => {
    await client?.close();
    await tok?.stop();
  });

  it('mounts across repositories with one token carrying push on the target and pull on the source', async () => {
    const data = randomBytes(5_000);
    const digest = sha256Digest(data);
    await reg.uploadBlob('team/src', { digest, size: data.length }, () => data);
    const before = tok.tokenServer!.requests.length;
    expect(await reg.mountBlob('team/dst', digest, 'team/src')).toBe(true);
    expect(await reg.headBlob('team/dst', digest)).toBe(data.length);
    const mountToken = tok.tokenServer!.requests.slice(before).find((r) => r.scopes.some((s) => s.startsWith('repository:team/src:')));
    // push scope first: a few registries read only the first scope (REGISTRIES.md, "Mount")
    expect(mountToken?.scopes[0]).toMatch(/^repository:team\/dst:(push,pull|pull,push)$/);
    expect(mountToken?.scopes).toContain('repository:team/src:pull');
  });

  it('pushes, reads, pages tags and lists the catalog with the scopes each needs', async () => {
    const image = buildImage();
    await pushBuilt(reg, 'team/app', image, 'a');
    for (const t of ['b', 'c']) await reg.putManifest('team/app', t, image.manifest, image.mediaType);
    expect((await reg.getManifest('team/app', 'a')).bytes.equals(image.manifest)).toBe(true);
    expect([...(await reg.listTags('team/app', { pageSize: 1 }))].sort()).toEqual(['a', 'b', 'c']);
    expect(await reg.listRepositories({ pageSize: 1 })).toEqual(expect.arrayContaining(['team/app', 'team/src', 'team/dst']));
    expect(tok.tokenServer!.requests.some((r) => r.scopes.includes('registry:catalog:*'))).toBe(true);
  });

  it('without credentials: UNAUTHORIZED', async () => {
    const anonymous = new RegistryClient({ credentials: new StaticCredentials({}) });
    try {
      await expect(anonymous.registry(tok.host).getManifest('team/app', 'a')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      await anonymous.close();
    }
  });
});
