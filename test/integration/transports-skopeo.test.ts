/**
 * Interop with skopeo for every local format, both ways, through a real distribution registry:
 * skopeo writes oci:, oci-archive: and docker-archive: and regctl reads them (digests compared
 * after a copy back to the registry); regctl writes them and skopeo reads and copies them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { copyImage } from '../../src/copy/copy.js';
import { parsePlatform } from '../../src/copy/platform.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import type { ImageManifest, IndexManifest } from '../../src/registry/manifest.js';
import { Transports } from '../../src/transports/open.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { sha256Digest } from '../harness/fixture-bytes.js';
import { pushImage, pushIndex, targetFor, type BuiltImage, type PushedIndex } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { skopeo, skopeoInspectRaw } from '../harness/skopeo.js';

const PLATFORMS = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }];
const diffIdsOf = (img: BuiltImage) => (JSON.parse(img.blobs.get(img.config.digest)!.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;

describe('skopeo interop for oci:, oci-archive: and docker-archive:', () => {
  let reg: RunningRegistry;
  let client: RegistryClient;
  let dir: string;
  let index: PushedIndex;
  let single: BuiltImage;
  const registry = (repo: string) => RegistryRepository.of(client, reg.host, repo);
  const http = ['--src-tls-verify=false', '--dest-tls-verify=false'];

  /** Opens a reference with regctl, copies it to `repo:tag` in the registry, returns the digest there. */
  async function regctlToRegistry(input: string, repo: string, platform?: string): Promise<string> {
    const t = new Transports((ref) => RegistryRepository.of(client, ref.registry, ref.repository));
    try {
      const src = await t.source(input);
      const r = await copyImage(src.repository, src.reference, { repository: registry(repo), tag: '1' }, platform ? { platforms: [parsePlatform(platform)] } : {});
      return r.digest;
    } finally {
      await t.close();
    }
  }

  /** Copies from the registry with regctl into a local destination, committing archives. */
  async function regctlFromRegistry(repo: string, tag: string, output: string, platform?: string): Promise<void> {
    const t = new Transports((ref) => RegistryRepository.of(client, ref.registry, ref.repository));
    try {
      const dst = await t.destination(output);
      await copyImage(registry(repo), tag, { repository: dst.repository, ...(dst.reference && { tag: dst.reference }) }, platform ? { platforms: [parsePlatform(platform)] } : {});
      await t.commit([dst.repository]);
    } finally {
      await t.close();
    }
  }

  beforeAll(async () => {
    reg = await startRegistry({ mode: 'anonymous' });
    client = new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true });
    dir = await mkdtemp(join(tmpdir(), 'regctl-skopeo-'));
    index = await pushIndex(targetFor(reg, 'src/multi'), 'src/multi', '1.0', PLATFORMS, { layers: 2, layerSize: 50_000 });
    single = await pushImage(targetFor(reg, 'src/one'), 'src/one', '1', { layers: 3, layerSize: 30_000 });
  });
  afterAll(async () => {
    await client?.close();
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('skopeo writes, regctl reads', () => {
    it('oci: with a whole index', async () => {
      await skopeo(['copy', '--all', ...http, `docker://${reg.host}/src/multi:1.0`, `oci:${dir}/sk-layout:v1`]);
      expect(await regctlToRegistry(`oci:${dir}/sk-layout:v1`, 'from-skopeo/oci')).toBe(index.digest);
      expect(await regctlToRegistry(`oci:${dir}/sk-layout`, 'from-skopeo/oci-default')).toBe(index.digest);
    });

    it('oci-archive: with a whole index', async () => {
      await skopeo(['copy', '--all', ...http, `docker://${reg.host}/src/multi:1.0`, `oci-archive:${dir}/sk.oci.tar:v1`]);
      expect(await regctlToRegistry(`oci-archive:${dir}/sk.oci.tar:v1`, 'from-skopeo/oci-archive')).toBe(index.digest);
    });

    it('docker-archive: keeping the config digest and addressing layers by diff_id, as skopeo does', async () => {
      await skopeo(['copy', ...http, `docker://${reg.host}/src/one:1`, `docker-archive:${dir}/sk.docker.tar:app:1`]);
      const skopeoView = JSON.parse((await skopeoInspectRaw(`docker-archive:${dir}/sk.docker.tar`)).toString()) as ImageManifest;
      const t = new Transports(() => registry('unused'));
      try {
        const src = await t.source(`docker-archive:${dir}/sk.docker.tar:app:1`);
        const ours = (await src.repository.getManifest(src.reference)).parsed as ImageManifest;
        expect(ours.config.digest).toBe(single.config.digest);
        expect(ours.layers.map((l) => [l.digest, l.size])).toEqual(skopeoView.layers.map((l) => [l.digest, l.size]));
        expect(ours.layers.map((l) => l.digest)).toEqual(diffIdsOf(single));
      } finally {
        await t.close();
      }
      const digest = await regctlToRegistry(`docker-archive:${dir}/sk.docker.tar`, 'from-skopeo/docker-archive');
      const pushed = await registry('from-skopeo/docker-archive').getManifest(digest);
      expect((pushed.parsed as ImageManifest).config.digest).toBe(single.config.digest);
    });
  });

  describe('regctl writes, skopeo reads', () => {
    it('oci: holding an index and a second tag, byte for byte', async () => {
      await regctlFromRegistry('src/multi', '1.0', `oci:${dir}/rc-layout:v1`);
      await regctlFromRegistry('src/one', '1', `oci:${dir}/rc-layout:one`);
      expect(sha256Digest(await skopeoInspectRaw(`oci:${dir}/rc-layout:v1`))).toBe(index.digest);
      expect(sha256Digest(await skopeoInspectRaw(`oci:${dir}/rc-layout:one`))).toBe(single.digest);
      await skopeo(['copy', '--all', ...http, `oci:${dir}/rc-layout:v1`, `docker://${reg.host}/from-regctl/oci:1`]);
      expect(sha256Digest(await skopeoInspectRaw(`${reg.host}/from-regctl/oci:1`, { tlsVerify: false }))).toBe(index.digest);
    });

    it('oci-archive: holding an index, copied back by skopeo with every child', async () => {
      await regctlFromRegistry('src/multi', '1.0', `oci-archive:${dir}/rc.oci.tar:v1`);
      expect(sha256Digest(await skopeoInspectRaw(`oci-archive:${dir}/rc.oci.tar:v1`))).toBe(index.digest);
      await skopeo(['copy', '--all', ...http, `oci-archive:${dir}/rc.oci.tar:v1`, `docker://${reg.host}/from-regctl/oci-archive:1`]);
      const back = JSON.parse((await skopeoInspectRaw(`${reg.host}/from-regctl/oci-archive:1`, { tlsVerify: false })).toString()) as IndexManifest;
      expect(back.manifests.map((m) => m.digest)).toEqual(index.children.map((c) => c.digest));
    });

    it('docker-archive: two images under two names, each read and pushed by skopeo with its config', async () => {
      await regctlFromRegistry('src/one', '1', `docker-archive:${dir}/rc.docker.tar:app:1`);
      const arm = index.children.find((c) => c.platform.architecture === 'arm64')!;
      await regctlFromRegistry('src/multi', '1.0', `docker-archive:${dir}/rc.docker.tar:localhost:5000/team/multi:arm`, 'linux/arm64');
      for (const [ref, img] of [['app:1', single], ['localhost:5000/team/multi:arm', arm]] as const) {
        const raw = JSON.parse((await skopeoInspectRaw(`docker-archive:${dir}/rc.docker.tar:${ref}`)).toString()) as ImageManifest;
        expect(raw.config.digest).toBe(img.config.digest);
        expect(raw.layers.map((l) => l.digest)).toEqual(diffIdsOf(img));
      }
      const repo = `from-regctl/docker-archive`;
      await skopeo(['copy', ...http, `docker-archive:${dir}/rc.docker.tar:app:1`, `docker://${reg.host}/${repo}:1`]);
      const pushed = JSON.parse((await skopeoInspectRaw(`${reg.host}/${repo}:1`, { tlsVerify: false })).toString()) as ImageManifest;
      expect(pushed.config.digest).toBe(single.config.digest);
    });
  });
});
