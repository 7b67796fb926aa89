/**
 * Fan-out: one source, three real distribution registries at once. Each blob is read from the
 * source exactly once (counted by the fault proxy) and every destination ends up with the same
 * digests; a destination that fails gets its own error while the others complete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { copyImageToAll } from '../../src/copy/copy.js';
import type { CopyEvent } from '../../src/copy/events.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { pushIndex, targetFor, type PushedIndex } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { skopeoInspectRaw } from '../harness/skopeo.js';
import { sha256Digest } from '../harness/fixture-bytes.js';

const PLATFORMS = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }];

describe('fan-out to three registries', () => {
  let src: RunningRegistry;
  let dsts: RunningRegistry[];
  let ps: FaultProxy;
  let client: RegistryClient;
  let index: PushedIndex;
  let unique: Map<string, number>;
  const repo = (host: string, name: string) => RegistryRepository.of(client, host, name);

  beforeAll(async () => {
    const all = await Promise.all([0, 1, 2, 3].map(() => startRegistry({ mode: 'anonymous' })));
    [src, ...dsts] = all as [RunningRegistry, ...RunningRegistry[]];
    ps = await startFaultProxy(src.url);
    client = new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true });
    // Layers of 2 MiB: several tee buffers' worth, so backpressure is exercised.
    index = await pushIndex(targetFor(src, 'src/app'), 'src/app', '1.0', PLATFORMS, { layers: 2, layerSize: 2 << 20 });
    unique = new Map(index.children.flatMap((c) => [...c.blobs].map(([d, b]) => [d, b.length] as const)));
  });
  afterAll(async () => {
    await client?.close();
    await ps?.close();
    await Promise.all([src, ...(dsts ?? [])].map((r) => r?.stop()));
  });

  it('reads each blob once and gives all three the same index, children and blobs', async () => {
    const events: CopyEvent[] = [];
    const outcomes = await copyImageToAll(repo(ps.host, 'src/app'), '1.0', dsts.map((d) => ({ repository: repo(d.host, 'mirror/app'), tag: '1.0' })), {
      onEvent: (e) => events.push(e),
    });
    expect(outcomes.map((o) => o.ok && o.digest)).toEqual([index.digest, index.digest, index.digest]);
    for (const o of outcomes) expect(o).toMatchObject({ stats: { blobsCopied: unique.size, bytesCopied: [...unique.values()].reduce((s, n) => s + n, 0) } });

    // One GET per unique blob, however many destinations and platforms share it.
    const blobGets = ps.requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/sha256:')).map((r) => r.path.split('/').pop());
    expect(blobGets.sort()).toEqual([...unique.keys()].sort());
    // Each destination got its own events.
    for (const d of dsts) {
      expect(events.filter((e) => e.type === 'blob-done' && e.destination === `${d.host}/mirror/app:1.0`)).toHaveLength(unique.size);
    }
    for (const d of dsts) {
      const raw = await skopeoInspectRaw(`${d.host}/mirror/app:1.0`, { tlsVerify: false });
      expect(sha256Digest(raw)).toBe(index.digest);
      for (const c of index.children) {
        for (const [digest, bytes] of c.blobs) expect(await client.registry(d.host).headBlob('mirror/app', digest)).toBe(bytes.length);
      }
    }
  });

  it('a destination that refuses uploads fails alone; the others complete', async () => {
    const bad = await startFaultProxy(dsts[1]!.url);
    try {
      bad.addRule({ match: { method: 'POST', path: /\/blobs\/uploads\// }, fault: { type: 'status', status: 403, body: '{"errors":[{"code":"DENIED","message":"no push for you"}]}' }, times: Infinity });
      const hosts = [dsts[0]!.host, bad.host, dsts[2]!.host];
      const outcomes = await copyImageToAll(repo(src.host, 'src/app'), '1.0', hosts.map((h) => ({ repository: repo(h, 'partial/app'), tag: '1.0' })));
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
      expect(outcomes[1]).toMatchObject({ ok: false, destination: `${bad.host}/partial/app:1.0`, error: { code: 'DENIED' } });
      expect((await client.registry(dsts[0]!.host).headManifest('partial/app', '1.0'))?.digest).toBe(index.digest);
      expect((await client.registry(dsts[2]!.host).headManifest('partial/app', '1.0'))?.digest).toBe(index.digest);
      expect(await client.registry(dsts[1]!.host).headManifest('partial/app', '1.0')).toBeUndefined();
    } finally {
      await bad.close();
    }
  });
});
