/**
 * The copy engine between real distribution registries, through RegistryRepository: index copy
 * with progress events, the skip of an up-to-date destination, mounts within one registry,
 * platform selection, and a corrupted source blob that must never become a destination tag.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { copyImage } from '../../src/copy/copy.js';
import type { CopyEvent } from '../../src/copy/events.js';
import { parsePlatform } from '../../src/copy/platform.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import type { IndexManifest } from '../../src/registry/manifest.js';
import { MediaType } from '../../src/registry/media-types.js';
import type { Registry } from '../../src/registry/registry.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { sha256Digest } from '../harness/fixture-bytes.js';
import { buildImage, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

/** An http proxy in front of `upstream` that flips one byte in the middle of every blob body. */
async function startCorruptingProxy(upstream: string): Promise<{ host: string; corrupted: string[]; close(): Promise<void> }> {
  const [host, port] = upstream.split(':') as [string, string];
  const corrupted: string[] = [];
  const server: Server = createServer((req, res) => {
    const up = httpRequest({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (ures) => {
      const chunks: Buffer[] = [];
      ures.on('data', (c: Buffer) => chunks.push(c));
      ures.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'GET' && /\/blobs\/sha256:/.test(req.url!) && ures.statusCode === 200 && body.length > 0) {
          body[body.length >> 1]! ^= 0xff;
          corrupted.push(req.url!);
        }
        res.writeHead(ures.statusCode!, ures.headers);
        res.end(req.method === 'HEAD' ? undefined : body);
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    corrupted,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function pushBuilt(reg: Registry, repo: string, image: BuiltImage, reference: string): Promise<void> {
  for (const [digest, data] of image.blobs) {
    if ((await reg.headBlob(repo, digest)) === undefined) await reg.uploadBlob(repo, { digest, size: data.length }, () => data);
  }
  await reg.putManifest(repo, reference, image.manifest, image.mediaType);
}

const PLATFORMS = ['linux/amd64', 'linux/arm64/v8', 'linux/s390x'].map(parsePlatform);

describe('copyImage between distribution registries', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let client: RegistryClient;
  let children: BuiltImage[];
  let index: { digest: string; bytes: Buffer };
  /** Blobs of the index, each once: the children share their layers (same seed). */
  let uniqueBlobs: Map<string, number>;
  const repo = (host: string, name: string) => RegistryRepository.of(client, host, name);
  const record = () => {
    const events: CopyEvent[] = [];
    return { events, onEvent: (e: CopyEvent) => events.push(e), of: (t: CopyEvent['type']) => events.filter((e) => e.type === t) };
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    client = new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true });
    const ra = client.registry(a.host);
    children = PLATFORMS.map((platform) => buildImage({ seed: 'shared-layers', layers: 2, layerSize: 3 << 20, platform }));
    for (const c of children) await pushBuilt(ra, 'src/app', c, c.digest);
    const doc = {
      schemaVersion: 2, mediaType: MediaType.OciIndex,
      manifests: children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.size, platform: c.platform })),
    };
    const bytes = Buffer.from(JSON.stringify(doc));
    index = { digest: await ra.putManifest('src/app', '1.0', bytes, MediaType.OciIndex), bytes };
    uniqueBlobs = new Map(children.flatMap((c) => [...c.blobs].map(([d, data]) => [d, data.length] as const)));
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('copies an index: one blob-start and blob-done per unique blob, children then root', async () => {
    // 3 configs + 2 shared layers: the engine must not copy a shared layer three times.
    expect(uniqueBlobs.size).toBe(5);
    const rec = record();
    const result = await copyImage(repo(a.host, 'src/app'), '1.0', { repository: repo(b.host, 'dst/app'), tag: '1.0' }, { onEvent: rec.onEvent });
    expect(result).toEqual({
      destination: `${b.host}/dst/app:1.0`, digest: index.digest, mediaType: MediaType.OciIndex, skipped: false,
      stats: expect.objectContaining({ blobsCopied: uniqueBlobs.size, blobsSkipped: 0, manifestsPushed: children.length + 1 }),
    });

    const started = rec.of('blob-start').map((e) => e.digest);
    const done = rec.of('blob-done') as Array<Extract<CopyEvent, { type: 'blob-done' }>>;
    expect([...started].sort()).toEqual([...uniqueBlobs.keys()].sort());
    expect(done.map((e) => e.digest).sort()).toEqual([...started].sort());
    for (const e of done) expect(e.size).toBe(uniqueBlobs.get(e.digest));
    expect(rec.of('blob-mount')).toEqual([]);
    expect(rec.of('image-skip')).toEqual([]);
    // Progress ends at the full size of each blob.
    for (const [digest, size] of uniqueBlobs) {
      const progress = rec.events.filter((e): e is Extract<CopyEvent, { type: 'blob-progress' }> => e.type === 'blob-progress' && e.digest === digest);
      expect(progress.at(-1)?.bytes).toBe(size);
    }
    // Every child manifest before the root, which comes last under the tag.
    const puts = rec.of('manifest-put') as Array<Extract<CopyEvent, { type: 'manifest-put' }>>;
    expect(puts.slice(0, -1).map((p) => p.reference).sort()).toEqual(children.map((c) => c.digest).sort());
    expect(puts.at(-1)).toMatchObject({ reference: '1.0', digest: index.digest });

    const rb = client.registry(b.host);
    expect((await rb.getManifest('dst/app', '1.0')).bytes.equals(index.bytes)).toBe(true);
    for (const [digest, size] of uniqueBlobs) expect(await rb.headBlob('dst/app', digest)).toBe(size);
  });

  it('a second copy is skipped with a single image-skip and no blob events', async () => {
    const rec = record();
    const result = await copyImage(repo(a.host, 'src/app'), '1.0', { repository: repo(b.host, 'dst/app'), tag: '1.0' }, { onEvent: rec.onEvent });
    expect(result).toMatchObject({ digest: index.digest, skipped: true });
    expect(rec.events).toEqual([{ type: 'image-skip', digest: index.digest, destination: `${b.host}/dst/app:1.0` }]);
  });

  it('with force, copies again but skips every blob the destination has', async () => {
    const rec = record();
    const result = await copyImage(repo(a.host, 'src/app'), '1.0', { repository: repo(b.host, 'dst/app'), tag: '1.0' }, { onEvent: rec.onEvent, force: true });
    expect(result.skipped).toBe(false);
    expect(rec.of('blob-start')).toEqual([]);
    expect(rec.of('blob-skip').map((e) => e.digest).sort()).toEqual([...uniqueBlobs.keys()].sort());
  });

  it('within one registry, mounts blobs from the source repository', async () => {
    const rec = record();
    await copyImage(repo(a.host, 'src/app'), '1.0', { repository: repo(a.host, 'other/app'), tag: 'm' }, { onEvent: rec.onEvent });
    const mounts = rec.of('blob-mount') as Array<Extract<CopyEvent, { type: 'blob-mount' }>>;
    expect(mounts.map((m) => m.digest).sort()).toEqual([...uniqueBlobs.keys()].sort());
    for (const m of mounts) expect(m.from).toBe(`${a.host}/src/app`);
    expect(rec.of('blob-start')).toEqual([]);
    expect((await client.registry(a.host).headManifest('other/app', 'm'))?.digest).toBe(index.digest);
  });

  it('with concurrency 1, blob transfers never overlap', async () => {
    const rec = record();
    await copyImage(repo(a.host, 'src/app'), '1.0', { repository: repo(b.host, 'serial/app'), tag: '1' }, { onEvent: rec.onEvent, concurrency: 1 });
    let open = 0;
    for (const e of rec.events) {
      if (e.type === 'blob-start') expect(++open).toBe(1);
      if (e.type === 'blob-done') open--;
    }
    expect(rec.of('blob-done')).toHaveLength(uniqueBlobs.size);
  });

  it('two platforms of three: a new index with just those, and only their blobs', async () => {
    const wanted = [parsePlatform('linux/arm64'), parsePlatform('linux/amd64')];
    const result = await copyImage(repo(a.host, 'src/app'), '1.0', { repository: repo(b.host, 'two/app'), tag: 'x' }, { platforms: wanted });
    expect(result.digest).not.toBe(index.digest);
    const m = await client.registry(b.host).getManifest('two/app', 'x');
    expect(m.digest).toBe(result.digest);
    expect(m.mediaType).toBe(MediaType.OciIndex);
    const kept = (m.parsed as IndexManifest).manifests;
    // In the order asked for; the arm64 image has variant v8 and still matches plain linux/arm64.
    expect(kept.map((d) => d.digest)).toEqual([children[1]!.digest, children[0]!.digest]);
    expect(kept.map((d) => d.platform?.architecture)).toEqual(['arm64', 'amd64']);
    const s390x = children[2]!;
    expect(await client.registry(b.host).headManifest('two/app', s390x.digest)).toBeUndefined();
    expect(await client.registry(b.host).headBlob('two/app', s390x.config.digest)).toBeUndefined();
  });

  it('one platform: that image, under its own digest', async () => {
    const result = await copyImage(repo(a.host, 'src/app'), '1.0', { repository: repo(b.host, 'one/app'), tag: 'y' }, { platforms: [parsePlatform('linux/s390x')] });
    expect(result).toMatchObject({ digest: children[2]!.digest, mediaType: MediaType.OciManifest });
    expect((await client.registry(b.host).getManifest('one/app', 'y')).bytes.equals(children[2]!.manifest)).toBe(true);
  });

  it('a platform the index lacks: NOT_FOUND naming what it has, nothing written', async () => {
    const err = await copyImage(repo(a.host, 'src/app'), '1.0', { repository: repo(b.host, 'none/app'), tag: 'z' }, { platforms: [parsePlatform('linux/amd64'), parsePlatform('windows/amd64')] })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/windows\/amd64.*linux\/amd64, linux\/arm64\/v8, linux\/s390x/) });
    expect(await client.registry(b.host).listRepositories()).not.toContain('none/app');
  });

  it('a corrupted source blob: DIGEST_MISMATCH, and the destination tag does not exist', async () => {
    const proxy = await startCorruptingProxy(a.host);
    try {
      const image = buildImage({ layerSize: 64 * 1024 });
      await pushBuilt(client.registry(a.host), 'corrupt/app', image, 'bad');
      const err = await copyImage(repo(proxy.host, 'corrupt/app'), 'bad', { repository: repo(b.host, 'corrupt/app'), tag: 'bad' })
        .then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'DIGEST_MISMATCH' });
      expect(proxy.corrupted.length).toBeGreaterThan(0);
      const rb = client.registry(b.host);
      expect(await rb.headManifest('corrupt/app', 'bad')).toBeUndefined();
      expect(await rb.headManifest('corrupt/app', image.digest)).toBeUndefined();
      // No corrupted blob was committed under the digest it failed to match.
      for (const url of proxy.corrupted) {
        const digest = /sha256:[0-9a-f]{64}/.exec(url)![0];
        expect(await rb.headBlob('corrupt/app', digest)).toBeUndefined();
      }
      // The same copy from the registry itself works: the failure was the corruption.
      const ok = await copyImage(repo(a.host, 'corrupt/app'), 'bad', { repository: repo(b.host, 'corrupt/app'), tag: 'bad' });
      expect(ok.digest).toBe(image.digest);
      expect(sha256Digest((await rb.getManifest('corrupt/app', 'bad')).bytes)).toBe(image.digest);
    } finally {
      await proxy.close();
    }
  });
});
