/**
 * docker-archive beyond the happy path: the legacy layout with symlinked (deduplicated) layers
 * and a gzip layer file, the OCI-style layout docker 25+ writes, several images per archive,
 * and adding images to an existing archive (tags move, everything else is carried over).
 * Archives are built here with tar-stream, independently of regctl's writer, and checked with
 * skopeo and GNU tar.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyImage } from '../../src/copy/copy.js';
import { isRegctlError } from '../../src/errors.js';
import type { ImageManifest } from '../../src/registry/manifest.js';
import { Transports, type OpenedImage } from '../../src/transports/open.js';
import { buildImage, type BuiltImage } from '../harness/images.js';
import { skopeoInspectRaw } from '../harness/skopeo.js';

interface Entry { name: string; data?: Buffer; type?: 'symlink' | 'directory'; linkname?: string }

async function writeTar(path: string, entries: Entry[]): Promise<void> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type: e.type ?? ('file' as const), ...(e.linkname && { linkname: e.linkname }) };
      if (e.data) pack.entry(header, e.data, (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  await writeFile(path, Buffer.concat(chunks));
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (d: string) => d.slice('sha256:'.length);
const config = (diffIds: string[], label: string) => Buffer.from(JSON.stringify({
  architecture: 'amd64', os: 'linux', config: { Labels: { label } }, rootfs: { type: 'layers', diff_ids: diffIds },
}));

describe('docker archives', () => {
  let dir: string;
  let img: BuiltImage;
  let plain: Buffer[];
  let diffIds: string[];
  let t: Transports;
  const noRegistry = () => {
    throw new Error('no registry here');
  };

  /** Reads `input` and returns its manifest. */
  async function manifestOf(input: string): Promise<{ opened: OpenedImage & { reference: string }; manifest: ImageManifest; digest: string }> {
    const opened = await t.source(input);
    const m = await opened.repository.getManifest(opened.reference);
    return { opened, manifest: m.parsed as ImageManifest, digest: m.digest };
  }

  /** Copies `input` into an OCI layout and returns the digests of the blobs there, checked. */
  async function blobsAfterCopy(input: string, name: string): Promise<string[]> {
    const { opened } = await manifestOf(input);
    const dst = await t.destination(`oci:${dir}/${name}`);
    await copyImage(opened.repository, opened.reference, { repository: dst.repository, tag: dst.reference! });
    const blobs = await readdir(join(dir, name, 'blobs', 'sha256'));
    for (const b of blobs) expect(sha(await readFile(join(dir, name, 'blobs', 'sha256', b)))).toBe(`sha256:${b}`);
    return blobs.map((b) => `sha256:${b}`);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regctl-docker-archive-'));
    img = buildImage({ layers: 3, layerSize: 40_000, seed: 'docker-archive' });
    plain = img.layers.map((l) => gunzipSync(img.blobs.get(l.digest)!));
    diffIds = plain.map(sha);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('the legacy layout: symlinked layers and a gzip layer file', () => {
    let legacy: string;

    beforeAll(async () => {
      const a = config([diffIds[0]!], 'a');
      const b = config([diffIds[0]!, diffIds[1]!], 'b');
      const c = config([diffIds[2]!], 'c');
      legacy = join(dir, 'legacy.tar');
      // docker save before 25: one directory per layer; a layer shared at another position is a
      // symlink to the first copy. Image c's layer is stored gzip-compressed, as umoci does.
      await writeTar(legacy, [
        { name: `${hex(sha(a))}.json`, data: a }, { name: `${hex(sha(b))}.json`, data: b }, { name: `${hex(sha(c))}.json`, data: c },
        { name: 'ida', type: 'directory' }, { name: 'ida/layer.tar', data: plain[0]! }, { name: 'ida/VERSION', data: Buffer.from('1.0') },
        { name: 'idb1', type: 'directory' }, { name: 'idb1/layer.tar', type: 'symlink', linkname: '../ida/layer.tar' },
        { name: 'idb2', type: 'directory' }, { name: 'idb2/layer.tar', data: plain[1]! },
        { name: 'idc', type: 'directory' }, { name: 'idc/layer.tar', data: gzipSync(plain[2]!) },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify([
          { Config: `${hex(sha(a))}.json`, RepoTags: ['one:1'], Layers: ['ida/layer.tar'] },
          { Config: `${hex(sha(b))}.json`, RepoTags: ['localhost:5000/two:1'], Layers: ['idb1/layer.tar', 'idb2/layer.tar'] },
          { Config: `${hex(sha(c))}.json`, RepoTags: null, Layers: ['idc/layer.tar'] },
        ])) },
        { name: 'repositories', data: Buffer.from(JSON.stringify({ one: { 1: 'ida' }, 'localhost:5000/two': { 1: 'idb2' } })) },
      ]);
      t = new Transports(noRegistry);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('reads a layer through its symlink, by name or by position', async () => {
      const two = await manifestOf(`docker-archive:${legacy}:localhost:5000/two:1`);
      expect(two.manifest.layers.map((l) => [l.digest, l.size])).toEqual([[diffIds[0], plain[0]!.length], [diffIds[1], plain[1]!.length]]);
      expect(two.manifest.config.digest).toBe(sha(config([diffIds[0]!, diffIds[1]!], 'b')));
      expect((await manifestOf(`docker-archive:${legacy}:@1`)).digest).toBe(two.digest);
      expect((await manifestOf(`docker-archive:${legacy}@${two.digest}`)).manifest).toEqual(two.manifest);
      expect((await blobsAfterCopy(`docker-archive:${legacy}:localhost:5000/two:1`, 'two')).sort()).toEqual([diffIds[0], diffIds[1], two.manifest.config.digest, two.digest].sort());
    });

    it('decompresses a gzip layer file, so its bytes match the diff_id it is addressed by', async () => {
      const c = await manifestOf(`docker-archive:${legacy}:@2`);
      expect(c.manifest.layers).toEqual([{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: diffIds[2], size: plain[2]!.length }]);
      expect(await blobsAfterCopy(`docker-archive:${legacy}:@2`, 'c')).toContain(diffIds[2]);
    });

    it('asks for a name when the archive holds several images, listing the tags', async () => {
      const err = await t.source(`docker-archive:${legacy}`).catch((e: unknown) => e);
      expect(isRegctlError(err, 'USAGE')).toBe(true);
      expect((err as Error).message).toMatch(/holds 3 images/);
      expect((err as { hint?: string }).hint).toBe('tags: one:1, localhost:5000/two:1');
      const missing = await manifestOf(`docker-archive:${legacy}:one:2`).catch((e: unknown) => e);
      expect(isRegctlError(missing, 'MANIFEST_UNKNOWN')).toBe(true);
    });

    it('adds an image to the archive: the tag moves, the rest is carried over, skopeo reads it all', async () => {
      const before = (await manifestOf(`docker-archive:${legacy}:localhost:5000/two:1`)).digest;
      // The new image comes from an OCI layout holding the built image's blobs.
      const layout = await t.destination(`oci:${dir}/four-src`);
      for (const [d, data] of img.blobs) await layout.repository.putBlob({ digest: d, size: data.length }, () => Readable.from([data]), false);
      await layout.repository.putManifest('v1', img.manifest, img.mediaType);
      const from = await t.source(`oci:${dir}/four-src:v1`);
      const dst = await t.destination(`docker-archive:${legacy}:one:1`);
      await copyImage(from.repository, from.reference, { repository: dst.repository, tag: dst.reference! });
      await t.commit([dst.repository]);
      await t.close();
      t = new Transports(noRegistry);

      const items = JSON.parse(execFileSync('tar', ['-xOf', legacy, 'manifest.json'], { encoding: 'utf8' })) as Array<{ Config: string; RepoTags: string[] | null }>;
      expect(items.map((i) => i.RepoTags)).toEqual([[], ['localhost:5000/two:1'], null, ['one:1']]);
      expect(items[3]!.Config).toBe(`${hex(img.config.digest)}.json`);
      expect(execFileSync('tar', ['-tvf', legacy], { encoding: 'utf8' })).toMatch(/idb1\/layer\.tar -> \.\.\/ida\/layer\.tar/);
      const repositories = JSON.parse(execFileSync('tar', ['-xOf', legacy, 'repositories'], { encoding: 'utf8' })) as Record<string, Record<string, string>>;
      expect(Object.keys(repositories).sort()).toEqual(['localhost:5000/two', 'one']);
      expect(repositories.one!['1']).not.toBe('ida');

      expect((await manifestOf(`docker-archive:${legacy}:one:1`)).manifest.config.digest).toBe(img.config.digest);
      expect((await manifestOf(`docker-archive:${legacy}:localhost:5000/two:1`)).digest).toBe(before);
      for (const [ref, cfg] of [['one:1', img.config.digest], ['localhost:5000/two:1', sha(config([diffIds[0]!, diffIds[1]!], 'b'))]] as const) {
        const raw = JSON.parse((await skopeoInspectRaw(`docker-archive:${legacy}:${ref}`)).toString()) as ImageManifest;
        expect(raw.config.digest).toBe(cfg);
      }
      // Every layer of the new image was already in the archive: linked, not stored again.
      const listing = execFileSync('tar', ['-tvf', legacy], { encoding: 'utf8' });
      expect(listing.match(/^-.*layer\.tar$/gm)).toHaveLength(3);
      expect(listing.match(/^l.*layer\.tar -> /gm)).toHaveLength(4);
    });
  });

  describe('the OCI-style layout of docker 25+', () => {
    let modern: string;
    let manifestDigest: string;

    beforeAll(async () => {
      t = new Transports(noRegistry);
      const cfg = img.blobs.get(img.config.digest)!;
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: img.config.digest, size: cfg.length },
        layers: plain.map((p) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(p), size: p.length })),
      }));
      manifestDigest = sha(manifest);
      modern = join(dir, 'modern.tar');
      await writeTar(modern, [
        { name: 'blobs', type: 'directory' }, { name: 'blobs/sha256', type: 'directory' },
        { name: `blobs/sha256/${hex(img.config.digest)}`, data: cfg },
        ...plain.map((p) => ({ name: `blobs/sha256/${hex(sha(p))}`, data: p })),
        { name: `blobs/sha256/${hex(manifestDigest)}`, data: manifest },
        { name: 'index.json', data: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{
          mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length,
          annotations: { 'io.containerd.image.name': 'docker.io/library/app:25', 'org.opencontainers.image.ref.name': '25' },
        }] })) },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: `blobs/sha256/${hex(img.config.digest)}`, RepoTags: ['app:25'], Layers: diffIds.map((d) => `blobs/sha256/${hex(d)}`) }])) },
        { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
      ]);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('reads it as a docker archive (config kept, layers by diff_id) and as an OCI archive (manifest kept)', async () => {
      const asDocker = await manifestOf(`docker-archive:${modern}:app:25`);
      expect(asDocker.manifest.config.digest).toBe(img.config.digest);
      expect(asDocker.manifest.layers.map((l) => l.digest)).toEqual(diffIds);
      expect((await manifestOf(`docker-archive:${modern}`)).digest).toBe(asDocker.digest);
      expect((await manifestOf(`oci-archive:${modern}:25`)).digest).toBe(manifestDigest);
      const raw = JSON.parse((await skopeoInspectRaw(`docker-archive:${modern}:app:25`)).toString()) as ImageManifest;
      expect(raw.layers.map((l) => l.digest)).toEqual(diffIds);
    });

    it('stays a docker archive when an image is added to it as an OCI archive', async () => {
      const before = (await manifestOf(`docker-archive:${modern}:app:25`)).digest;
      const src = await t.source(`oci-archive:${modern}:25`);
      const dst = await t.destination(`oci-archive:${modern}:copy`);
      await copyImage(src.repository, src.reference, { repository: dst.repository, tag: dst.reference! });
      await t.commit([dst.repository]);
      await t.close();
      t = new Transports(noRegistry);
      expect((await manifestOf(`oci-archive:${modern}:copy`)).digest).toBe(manifestDigest);
      expect((await manifestOf(`oci-archive:${modern}:25`)).digest).toBe(manifestDigest);
      expect((await manifestOf(`docker-archive:${modern}:app:25`)).digest).toBe(before);
    });
  });
});
