/**
 * `sync` as a library against real distribution registries behind counting proxies: shared
 * blobs cross to the destination registry once, a second run sends only HEADs (and the
 * listings), shards split the work exactly, and failures are reported per image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import { parseSyncConfig } from '../../src/sync/config.js';
import { planSync, sourceName } from '../../src/sync/plan.js';
import { countImages } from '../../src/sync/report.js';
import { runSync, type SyncOptions } from '../../src/sync/run.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const REPOS = 6;
const TAGS = ['1.0', '1.1'];

describe('sync (library, real registries)', () => {
  let src: RunningRegistry;
  let dst: RunningRegistry;
  let dst2: RunningRegistry;
  let ps: FaultProxy;
  let pd: FaultProxy;
  let pd2: FaultProxy;
  const images = new Map<string, BuiltImage>();
  const newClient = () => new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true });
  const config = (dest: string, extra = '') => parseSyncConfig(`
sources:
  - namespace: ${ps.host}/src
${extra}
destinations: ['${pd.host}/${dest}/{name}']
`, 'sync.yaml');

  async function sync(dest: string, opts: SyncOptions = {}, extra = '') {
    const client = newClient();
    try {
      const plan = await planSync(client, config(dest, extra));
      return await runSync(client, plan, { imageConcurrency: 4, ...opts });
    } finally {
      await client.close();
    }
  }

  beforeAll(async () => {
    [src, dst, dst2] = await Promise.all([0, 1, 2].map(() => startRegistry({ mode: 'anonymous' })));
    [ps, pd, pd2] = await Promise.all([src, dst, dst2].map((r) => startFaultProxy(r!.url)));
    // Every image: a base layer shared by all, one shared by the tags of its repository, one of its own.
    for (let r = 0; r < REPOS; r++) {
      for (const tag of TAGS) {
        const img = await pushImage(targetFor(src, `src/app-${r}`), `src/app-${r}`, tag, { layerSeeds: ['base', `repo-${r}`, `tag-${r}-${tag}`], layerSize: 4096 });
        images.set(`app-${r}:${tag}`, img);
      }
    }
  });
  afterAll(async () => {
    await Promise.all([ps?.close(), pd?.close(), pd2?.close()]);
    await Promise.all([src?.stop(), dst?.stop(), dst2?.stop()]);
  });

  const uploadsOf = (digest: string, p = pd) => p.requests.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/') && r.path.includes(encodeURIComponent(digest)) && r.status === 201).length;

  it('copies every image, sending each shared blob to the destination registry once', async () => {
    const report = await sync('mirror');
    expect(countImages(report)).toMatchObject({ copied: REPOS * TAGS.length, failed: 0 });
    for (const i of report.images) {
      const want = images.get(i.source.replace(/^.*\/src\//, '').replace(/@.*/, ''))!;
      expect(i).toMatchObject({ status: 'copied', digest: want.digest });
      expect(i.destinations[0]!.reference).toBe(`${pd.host}/mirror/${i.source.replace(/^.*\/src\//, '')}`);
    }
    const base = images.get('app-0:1.0')!.layers[0]!.digest;
    expect(uploadsOf(base)).toBe(1);
    for (let r = 0; r < REPOS; r++) expect(uploadsOf(images.get(`app-${r}:1.0`)!.layers[1]!.digest)).toBe(1);
    // The other repositories got the shared layers by mount, not by upload.
    const blobs = report.images.flatMap((i) => i.destinations.map((d) => d.blobs!));
    expect(blobs.reduce((a, b) => a + b.mounted, 0)).toBeGreaterThanOrEqual(REPOS - 1);
    // Bytes sent: each distinct blob once.
    const unique = new Map([...images.values()].flatMap((i) => [i.config, ...i.layers]).map((l) => [l.digest, l.size]));
    expect(report.images.reduce((a, i) => a + i.bytes, 0)).toBe([...unique.values()].reduce((a, n) => a + n, 0));
  });

  it('to two registries at once, with every image in flight, each still gets each blob once', async () => {
    pd.requests.length = 0;
    const client = newClient();
    try {
      const plan = await planSync(client, parseSyncConfig(`
sources:
  - namespace: ${ps.host}/src
destinations: ['${pd.host}/multi/{name}', '${pd2.host}/multi/{repo}']
`, 'sync.yaml'));
      const report = await runSync(client, plan, { imageConcurrency: REPOS * TAGS.length });
      expect(countImages(report)).toMatchObject({ copied: REPOS * TAGS.length });
      for (const p of [pd, pd2]) {
        for (const img of images.values()) for (const l of img.layers) expect(uploadsOf(l.digest, p)).toBe(1);
      }
    } finally {
      await client.close();
    }
  });

  it('a second run of the unchanged source sends only HEADs: one per tag at each end, plus the listings', async () => {
    ps.requests.length = 0;
    pd.requests.length = 0;
    const report = await sync('mirror');
    expect(countImages(report)).toMatchObject({ skipped: REPOS * TAGS.length, copied: 0, bytes: 0 });
    const line = (r: { method: string; path: string }) => `${r.method} ${r.path.replace(/\/app-\d+\//, '/app-N/').replace(/\/manifests\/[^/?]+$/, '/manifests/T').replace(/\?.*$/, '')}`;
    const tally = (p: FaultProxy) => p.requests.reduce((m, r) => m.set(line(r), (m.get(line(r)) ?? 0) + 1), new Map<string, number>());
    expect(Object.fromEntries(tally(pd))).toEqual({ 'GET /v2/': 1, 'HEAD /v2/mirror/app-N/manifests/T': REPOS * TAGS.length });
    expect(Object.fromEntries(tally(ps))).toEqual({
      'GET /v2/': 1, 'GET /v2/_catalog': 1, 'GET /v2/src/app-N/tags/list': REPOS, 'HEAD /v2/src/app-N/manifests/T': REPOS * TAGS.length,
    });
  });

  it('n shards together plan every image exactly once', async () => {
    const client = newClient();
    try {
      const all = (await planSync(client, config('mirror'))).images.map((i) => sourceName(i.source)).sort();
      expect(all).toHaveLength(REPOS * TAGS.length);
      for (const count of [2, 3, 5]) {
        const plans = await Promise.all(Array.from({ length: count }, (_, index) => planSync(client, config('mirror'), { shard: { index, count } })));
        expect(plans.flatMap((p) => p.images.map((i) => sourceName(i.source))).sort()).toEqual(all);
        // A repository's tags stay together in one shard.
        for (const p of plans) {
          for (const i of p.images) expect(p.images.filter((j) => j.source.repository === i.source.repository)).toHaveLength(TAGS.length);
          expect(p.otherShards).toBe(REPOS - new Set(p.images.map((i) => i.source.repository)).size);
        }
      }
    } finally {
      await client.close();
    }
  });

  it('filters repositories and tags, and pins a tag to a digest', async () => {
    const client = newClient();
    try {
      const pinned = images.get('app-3:1.0')!.digest;
      const plan = await planSync(client, parseSyncConfig(`
sources:
  - namespace: ${ps.host}/src
    repositories: { include: 'app-[0-3]$', exclude: 'app-3' }
    tags: { semver: '>=1.1' }
  - repository: ${ps.host}/src/app-3
    tags:
      pin: { latest: '${pinned}' }
destinations: ['${pd.host}/filtered/{repo}']
`, 'sync.yaml'));
      expect(plan.images.map((i) => sourceName(i.source))).toEqual([
        `${ps.host}/src/app-0:1.1`, `${ps.host}/src/app-1:1.1`, `${ps.host}/src/app-2:1.1`, `${ps.host}/src/app-3:latest@${pinned}`,
      ]);
      expect(plan.images[3]!.targets).toEqual([{ registry: pd.host, repository: 'filtered/src/app-3' }]);
      const report = await runSync(client, plan);
      expect(countImages(report)).toMatchObject({ copied: 4 });
      expect(report.images[3]).toMatchObject({ digest: pinned, destinations: [{ reference: `${pd.host}/filtered/src/app-3:latest`, status: 'copied', digest: pinned }] });
    } finally {
      await client.close();
    }
  });

  it('reports a failing destination per image; with keepGoing the rest is copied, without it the rest does not start', async () => {
    pd.addRule({ match: { method: 'PUT', path: /\/v2\/failing[^/]*\/app-2\/manifests\// }, fault: { type: 'status', status: 403, body: '{"errors":[{"code":"DENIED","message":"pushes to app-2 are refused"}]}' }, times: Infinity });
    try {
      const going = await sync('failing-a', { keepGoing: true });
      expect(countImages(going)).toMatchObject({ copied: REPOS * TAGS.length - 2, failed: 2, 'not-run': 0 });
      for (const i of going.images.filter((x) => x.source.includes('/app-2:'))) {
        expect(i).toMatchObject({ status: 'failed', error: { code: 'DENIED' }, destinations: [{ status: 'failed' }] });
        expect(i.reason).toMatch(new RegExp(`^${pd.host}/failing-a/app-2:1\\.[01]: .*pushes to app-2 are refused`));
      }
      const stopping = await sync('failing-b', { imageConcurrency: 1 });
      // One at a time, first tags first (run.ts, interleaved): app-0:1.0 and app-1:1.0 copied,
      // app-2:1.0 failed, and nothing started after it.
      const status = Object.fromEntries(stopping.images.map((i) => [i.source.replace(/^.*\/src\//, ''), i.status]));
      expect(Object.entries(status).filter(([, v]) => v !== 'not-run')).toEqual([['app-0:1.0', 'copied'], ['app-1:1.0', 'copied'], ['app-2:1.0', 'failed']]);
      expect(countImages(stopping)['not-run']).toBe(REPOS * TAGS.length - 3);
      expect(stopping.images.find((i) => i.status === 'not-run')!.reason).toContain('use --keep-going');
    } finally {
      pd.clearRules();
    }
  });

  it('reports a source that cannot be read, and a listing that fails, without stopping the others under keepGoing', async () => {
    const missing = `sha256:${'0'.repeat(64)}`;
    const report = await sync('partial', { keepGoing: true }, `  - repository: ${ps.host}/src/app-1\n    tags: { pin: { gone: '${missing}' } }\n  - repository: ${ps.host}/src/nothing-here`);
    const gone = report.images.find((i) => i.source.endsWith(`:gone@${missing}`))!;
    expect(gone).toMatchObject({ status: 'failed', error: { code: 'MANIFEST_UNKNOWN' } });
    expect(report.sourceFailures).toEqual([{ source: `${ps.host}/src/nothing-here`, error: expect.objectContaining({ code: 'NAME_UNKNOWN' }) }]);
    expect(countImages(report)).toMatchObject({ copied: REPOS * TAGS.length, failed: 1 });
  });
});
