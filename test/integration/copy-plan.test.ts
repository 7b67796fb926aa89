/**
 * Copy planning against real distribution registries, with every request counted by the fault
 * proxy: a destination already up to date costs one HEAD per side and no GET; `dryRun` sends
 * HEADs only and predicts skip / mount / copy; a copy that failed leaves no tag, and running it
 * again transfers only what is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { copyImage, copyImageToAll } from '../../src/copy/copy.js';
import type { CopyEvent } from '../../src/copy/events.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, pushIndex, targetFor, type BuiltImage, type PushedIndex } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const PLATFORMS = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }];
const MANIFEST_OR_BLOB = /^\/v2\/.+\/(manifests|blobs)\//;

describe('copy planning', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let pa: FaultProxy;
  let pb: FaultProxy;
  let client: RegistryClient;
  let index: PushedIndex;
  const repo = (host: string, name: string) => RegistryRepository.of(client, host, name);
  const reset = () => {
    pa.requests.length = 0;
    pb.requests.length = 0;
    pa.clearRules();
    pb.clearRules();
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    [pa, pb] = await Promise.all([startFaultProxy(a.url), startFaultProxy(b.url)]);
    client = new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true });
    index = await pushIndex(targetFor(a, 'src/app'), 'src/app', '1.0', PLATFORMS, { layers: 2, layerSize: 64 * 1024 });
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all([pa?.close(), pb?.close()]);
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('an up-to-date destination costs one HEAD per side and not a single manifest or blob GET', async () => {
    await copyImage(repo(a.host, 'src/app'), '1.0', { repository: repo(b.host, 'dst/app'), tag: '1.0' });
    reset();
    const events: CopyEvent[] = [];
    const result = await copyImage(repo(pa.host, 'src/app'), '1.0', { repository: repo(pb.host, 'dst/app'), tag: '1.0' }, { onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ digest: index.digest, skipped: true, stats: { blobsCopied: 0, manifestsPushed: 0 } });
    expect(events.map((e) => e.type)).toEqual(['image-skip']);
    for (const p of [pa, pb]) {
      const api = p.requests.filter((r) => MANIFEST_OR_BLOB.test(r.path));
      expect(api.map((r) => r.method)).toEqual(['HEAD']);
      expect(api[0]!.path).toMatch(/\/manifests\/1\.0$/);
    }
  });

  it('a dry run HEADs the destinations, predicts skip / mount / copy with the bytes, and writes nothing', async () => {
    // One layer is already at the destination, so the plan has all three actions.
    const amd = index.children[0]!;
    const present = amd.layers[0]!;
    await client.registry(b.host).uploadBlob('dry/app', present, () => amd.blobs.get(present.digest)!);
    reset();
    const outcomes = await copyImageToAll(repo(pa.host, 'src/app'), '1.0', [
      { repository: repo(pb.host, 'dry/app'), tag: '1.0' },
      { repository: repo(pa.host, 'dry/mount'), tag: '1.0' },
    ], { dryRun: true });

    const unique = new Map<string, number>();
    for (const c of index.children) for (const [d, data] of c.blobs) unique.set(d, data.length);
    const [toB, toA] = outcomes;
    expect(toB).toMatchObject({ ok: true, digest: index.digest, skipped: false });
    expect(toA).toMatchObject({ ok: true, digest: index.digest });
    const planB = toB!.ok ? toB!.plan! : undefined;
    const planA = toA!.ok ? toA!.plan! : undefined;
    expect(new Map(planB!.blobs.map((x) => [x.digest, x.size]))).toEqual(unique);
    for (const x of planB!.blobs) expect(x.action).toBe(x.digest === present.digest ? 'skip' : 'copy');
    expect(planB!.bytesToCopy).toBe([...unique].reduce((s, [d, n]) => s + (d === present.digest ? 0 : n), 0));
    expect(planB!.manifests).toEqual([...index.children.map((c) => c.digest), index.digest]);
    expect(planA!.blobs.map((x) => x.action)).toEqual(planA!.blobs.map(() => 'mount'));
    expect(planA!.bytesToCopy).toBe(0);

    // HEADs only at the destinations; the source gave manifests but no blob.
    expect(pb.requests.filter((r) => MANIFEST_OR_BLOB.test(r.path) || r.path.includes('/uploads/')).every((r) => r.method === 'HEAD')).toBe(true);
    expect(pa.requests.filter((r) => r.path.includes('/blobs/')).every((r) => r.method === 'HEAD')).toBe(true);
    expect(pa.count('POST') + pa.count('PUT') + pa.count('PATCH') + pb.count('POST') + pb.count('PUT') + pb.count('PATCH')).toBe(0);
    expect(await client.registry(b.host).headManifest('dry/app', '1.0')).toBeUndefined();
    expect(await client.registry(a.host).headManifest('dry/mount', '1.0')).toBeUndefined();
  });

  it('a destination refusing the upload session fails with that error, and the source read sent at once is released', async () => {
    reset();
    pb.addRule({ match: { method: 'POST', path: /\/blobs\/uploads\// }, fault: { type: 'status', status: 403, body: '{"errors":[{"code":"DENIED","message":"read-only"}]}' }, times: Infinity });
    const err = await copyImage(repo(pa.host, 'src/app'), '1.0', { repository: repo(pb.host, 'refused/app'), tag: '1.0' }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'DENIED', status: 403 });
    // The GETs went out in parallel with the POSTs and were dropped unread, without an unhandled error.
    expect(pa.count('GET', /\/blobs\/sha256:/)).toBeGreaterThan(0);
    expect(await client.registry(b.host).headManifest('refused/app', '1.0')).toBeUndefined();
  });

  it('a failed copy leaves no tag, and the re-run transfers only the blob that was missing', async () => {
    const image: BuiltImage = await pushImage(targetFor(a, 'src/three'), 'src/three', 'v1', { layers: 3, layerSize: 256 * 1024 });
    const failing = image.layers[1]!;
    reset();
    // The destination refuses the upload of one layer, every time.
    pb.addRule({ match: { method: 'PUT', path: new RegExp(failing.digest.slice(7)) }, fault: { type: 'status', status: 500 }, times: Infinity });
    const err = await copyImage(repo(pa.host, 'src/three'), 'v1', { repository: repo(pb.host, 'dst/three'), tag: 'v1' }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_ERROR', status: 500 });
    const rb = client.registry(b.host);
    expect(await rb.headManifest('dst/three', 'v1')).toBeUndefined();
    expect(await rb.headManifest('dst/three', image.digest)).toBeUndefined();
    expect(await rb.headBlob('dst/three', failing.digest)).toBeUndefined();
    // Everything else made it.
    for (const d of [image.config, image.layers[0]!, image.layers[2]!]) expect(await rb.headBlob('dst/three', d.digest)).toBe(d.size);

    reset();
    const events: CopyEvent[] = [];
    const ok = await copyImage(repo(pa.host, 'src/three'), 'v1', { repository: repo(pb.host, 'dst/three'), tag: 'v1' }, { onEvent: (e) => events.push(e) });
    expect(ok).toMatchObject({ digest: image.digest, stats: { blobsCopied: 1, blobsSkipped: 3, bytesCopied: failing.size } });
    expect(pa.requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/')).map((r) => r.path)).toEqual([`/v2/src/three/blobs/${failing.digest}`]);
    expect(pb.count('PUT', /\/blobs\/uploads\//)).toBe(1);
    expect(events.filter((e) => e.type === 'blob-start').map((e) => 'digest' in e && e.digest)).toEqual([failing.digest]);
    expect((await rb.headManifest('dst/three', 'v1'))?.digest).toBe(image.digest);
  });
});
