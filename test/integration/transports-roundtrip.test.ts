/**
 * The local transports through the copy engine, against a real distribution registry:
 * registry -> oci -> oci-archive -> docker-archive -> registry, keeping every digest the formats
 * can keep (all of them up to docker-archive; the config digest through docker-archive).
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { copyImage } from '../../src/copy/copy.js';
import { parsePlatform } from '../../src/copy/platform.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import { isImage, type ImageManifest, type IndexManifest } from '../../src/registry/manifest.js';
import { MediaType } from '../../src/registry/media-types.js';
import { DockerArchive } from '../../src/transports/docker-archive.js';
import { OciArchiveRepository } from '../../src/transports/oci-archive.js';
import { OciLayoutRepository } from '../../src/transports/oci-layout.js';
import { Transports } from '../../src/transports/open.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { sha256Digest } from '../harness/fixture-bytes.js';
import { pushIndex, targetFor, type PushedIndex } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const PLATFORMS = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }];

describe('round trip registry -> oci -> oci-archive -> docker-archive -> registry', () => {
  let reg: RunningRegistry;
  let client: RegistryClient;
  let dir: string;
  let index: PushedIndex;
  const registry = (repo: string) => RegistryRepository.of(client, reg.host, repo);
  const open = () => new Transports((ref) => RegistryRepository.of(client, ref.registry, ref.repository));

  beforeAll(async () => {
    reg = await startRegistry({ mode: 'anonymous' });
    client = new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true });
    dir = await mkdtemp(join(tmpdir(), 'regctl-transports-'));
    index = await pushIndex(targetFor(reg, 'src/app'), 'src/app', '1.0', PLATFORMS, { layers: 2, layerSize: 200_000 });
  });
  afterAll(async () => {
    await client?.close();
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the index digest into an OCI layout and an oci-archive, and the image digests back out', async () => {
    const layout = new OciLayoutRepository(join(dir, 'layout'));
    const r1 = await copyImage(registry('src/app'), '1.0', { repository: layout, tag: 'v1' });
    expect(r1.digest).toBe(index.digest);
    const indexJson = JSON.parse(await readFile(join(dir, 'layout', 'index.json'), 'utf8')) as IndexManifest;
    expect(indexJson.manifests).toEqual([expect.objectContaining({ digest: index.digest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } })]);
    // Blobs are named by their digest and nothing temporary is left beside them.
    for (const hex of await readdir(join(dir, 'layout', 'blobs', 'sha256'))) {
      expect(sha256Digest(await readFile(join(dir, 'layout', 'blobs', 'sha256', hex)))).toBe(`sha256:${hex}`);
    }
    expect((await layout.getManifest('v1')).bytes.equals(index.manifest)).toBe(true);

    const archive = await OciArchiveRepository.open(join(dir, 'img.oci.tar'), 'destination');
    try {
      const r2 = await copyImage(layout, 'v1', { repository: archive, tag: 'v1' });
      expect(r2.digest).toBe(index.digest);
      await expect(stat(join(dir, 'img.oci.tar'))).rejects.toThrow(); // nothing visible before commit
      await archive.commit();
    } finally {
      await archive.close();
    }
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]); // staging removed

    const back = await OciArchiveRepository.open(join(dir, 'img.oci.tar'), 'source');
    try {
      expect(await back.tags()).toEqual(['v1']);
      const r3 = await copyImage(back, 'v1', { repository: registry('back/app'), tag: '1.0' });
      expect(r3.digest).toBe(index.digest);
    } finally {
      await back.close();
    }
    for (const child of index.children) expect((await registry('back/app').headManifest(child.digest))?.digest).toBe(child.digest);
  });

  it('copies between every pair of transports, keeping what each format can keep', async () => {
    const amd = index.children.find((c) => c.platform.architecture === 'amd64')!;
    const refs = {
      registry: (n: string) => `${reg.host}/pairs/${n}:1`,
      oci: (n: string) => `oci:${dir}/pairs-${n}:1`,
      'oci-archive': (n: string) => `oci-archive:${dir}/pairs-${n}.tar:1`,
      'docker-archive': (n: string) => `docker-archive:${dir}/pairs-${n}.docker.tar:app:1`,
    };
    type Kind = keyof typeof refs;
    const kinds = Object.keys(refs) as Kind[];
    const copy = async (from: string, to: string) => {
      const t = open();
      try {
        const s = await t.source(from);
        const d = await t.destination(to);
        const r = await copyImage(s.repository, s.reference, { repository: d.repository, tag: d.reference! });
        await t.commit([d.repository]);
        return r;
      } finally {
        await t.close();
      }
    };
    const read = async (ref: string) => {
      const t = open();
      try {
        const s = await t.source(ref);
        return await s.repository.getManifest(s.reference);
      } finally {
        await t.close();
      }
    };
    // One single-platform image in each transport, then every source to every destination.
    for (const k of kinds) await copy(`${reg.host}/src/app@${amd.digest}`, refs[k]('seed'));
    for (const from of kinds) {
      for (const to of kinds) {
        const name = `${from}-to-${to}`;
        await copy(refs[from]('seed'), refs[to](name));
        const m = await read(refs[to](name));
        const what = `${from} -> ${to}`;
        expect(isImage(m) && m.parsed.config.digest, what).toBe(amd.config.digest);
        // Only a docker archive changes the manifest (uncompressed layers, generated manifest).
        if (from !== 'docker-archive' && to !== 'docker-archive') expect(m.digest, what).toBe(amd.digest);
        if (from === 'docker-archive' || to === 'docker-archive') expect(m.digest, what).toBe((await read(refs['docker-archive']('seed'))).digest);
      }
    }
  });

  it('goes through docker-archive with one platform and keeps the config digest', async () => {
    const arm = index.children.find((c) => c.platform.architecture === 'arm64')!;
    const src = await OciArchiveRepository.open(join(dir, 'img.oci.tar'), 'source');
    const archive = await DockerArchive.open(join(dir, 'img.docker.tar'), 'destination');
    try {
      await copyImage(src, 'v1', { repository: archive.view({ registry: 'docker.io', repository: 'library/app' }), tag: '1' }, { platforms: [parsePlatform('linux/arm64')] });
      await archive.commit();
    } finally {
      await archive.close();
      await src.close();
    }
    const t = open();
    try {
      const opened = await t.source(`docker-archive:${join(dir, 'img.docker.tar')}:app:1`);
      const m = await opened.repository.getManifest(opened.reference);
      expect(m.mediaType).toBe(MediaType.DockerManifest);
      const parsed = m.parsed as ImageManifest;
      expect(parsed.config.digest).toBe(arm.config.digest);
      // Layers are stored uncompressed: they are addressed by the diff_ids of the config.
      const diffIds = (JSON.parse(arm.blobs.get(arm.config.digest)!.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
      expect(parsed.layers.map((l) => l.digest)).toEqual(diffIds);
      const r = await copyImage(opened.repository, opened.reference, { repository: registry('from-docker/app'), tag: '1' });
      const pushed = await registry('from-docker/app').getManifest('1');
      expect(pushed.digest).toBe(r.digest);
      expect(isImage(pushed) && pushed.parsed.config.digest).toBe(arm.config.digest);
    } finally {
      await t.close();
    }
  });
});
