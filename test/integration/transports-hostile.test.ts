/**
 * Hostile and broken archives as copy sources: path traversal, absolute names, links out of the
 * archive, truncation, wrong digests, huge declared sizes. Each must be refused with a clear
 * error, nothing may appear outside the destination, and a failed copy must leave no partial
 * destination: no new archive, no staging or temporary files, an existing archive unchanged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyImage } from '../../src/copy/copy.js';
import { isRegctlError } from '../../src/errors.js';
import { Transports } from '../../src/transports/open.js';
import { buildImage, type BuiltImage } from '../harness/images.js';

interface Entry { name: string; data?: Buffer; type?: 'symlink' | 'link' | 'directory'; linkname?: string }

/** A tar built with tar-stream, independently of regctl's reader. */
async function tarBytes(entries: Entry[]): Promise<Buffer> {
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
  return Buffer.concat(chunks);
}

const hex = (d: string) => d.slice('sha256:'.length);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The entries of a valid OCI archive holding `img` tagged v1; `swap` replaces blob contents. */
function ociEntries(img: BuiltImage, swap: Map<string, Buffer> = new Map(), index?: object): Entry[] {
  const idx = index ?? { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: img.mediaType, digest: img.digest, size: img.size, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] };
  return [
    { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: 'index.json', data: Buffer.from(JSON.stringify(idx)) },
    { name: `blobs/sha256/${hex(img.digest)}`, data: img.manifest },
    ...[...img.blobs].map(([d, data]) => ({ name: `blobs/sha256/${hex(d)}`, data: swap.get(d) ?? data })),
  ];
}

describe('hostile archives as copy sources', () => {
  let dir: string;
  let img: BuiltImage;
  let existing: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regctl-hostile-'));
    img = buildImage({ layers: 2, layerSize: 100_000, seed: 'hostile' });
    existing = await tarBytes(ociEntries(buildImage({ seed: 'existing' })));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  let n = 0;
  /** Runs a copy from `source` to `dest` as the CLI does: commit on success only, always close. */
  async function copyFrom(source: Buffer | string, dest: string): Promise<unknown> {
    const work = join(dir, `case-${n++}`);
    await mkdir(work);
    const src = typeof source === 'string' ? source : `oci-archive:${join(work, 'src.tar')}:v1`;
    if (typeof source !== 'string') await writeFile(join(work, 'src.tar'), source);
    const t = new Transports(() => {
      throw new Error('no registry in these tests');
    });
    try {
      const s = await t.source(src);
      const d = await t.destination(dest.replace('WORK', work));
      await copyImage(s.repository, s.reference, { repository: d.repository, ...(d.reference && { tag: d.reference }) });
      await t.commit([d.repository]);
      return undefined;
    } catch (e) {
      return e;
    } finally {
      await t.close();
    }
  }

  /** Files under `dir` whose names start with "." (temporary or staging leftovers). */
  async function hidden(): Promise<string[]> {
    const all = await readdir(dir, { recursive: true });
    return all.filter((p) => p.split('/').some((c) => c.startsWith('.')));
  }

  const exists = (p: string) => access(p).then(() => true, () => false);

  it.each([
    ['path traversal', (): Entry[] => [...ociEntries(img), { name: '../escaped.txt', data: Buffer.from('pwned') }], /contains "\.\."/],
    ['an absolute path', (): Entry[] => [{ name: `${tmpdir()}/regctl-abs-escape`, data: Buffer.from('pwned') }, ...ociEntries(img)], /absolute path/],
    ['a symlink escape', (): Entry[] => [...ociEntries(img).slice(0, 3), { name: `blobs/sha256/${hex(img.layers[0]!.digest)}`, type: 'symlink', linkname: '../../../../../../etc/passwd' }], /leaves the archive/],
    ['a hard link escape', (): Entry[] => [...ociEntries(img), { name: 'blobs/sha256/extra', type: 'link', linkname: '../../outside' }], /leaves the archive/],
  ])('refuses %s before reading anything, and writes nothing', async (_what, entries, message) => {
    const before = await readdir(dir);
    const err = await copyFrom(await tarBytes(entries()), 'oci:WORK/out');
    expect(isRegctlError(err, 'INVALID_INPUT')).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/refusing archive/);
    expect(await exists(join(dir, 'escaped.txt'))).toBe(false);
    expect(await exists(`${tmpdir()}/regctl-abs-escape`)).toBe(false);
    expect(await exists(join(dir, `case-${n - 1}`, 'out'))).toBe(false);
    expect((await readdir(dir)).filter((f) => !before.includes(f))).toEqual([`case-${n - 1}`]);
  });

  it('refuses a truncated archive', async () => {
    const whole = await tarBytes(ociEntries(img));
    const err = await copyFrom(whole.subarray(0, whole.length - 60_000), 'oci-archive:WORK/out.tar');
    expect((err as Error).message).toMatch(/is truncated/);
    expect(await exists(join(dir, `case-${n - 1}`, 'out.tar'))).toBe(false);
  });

  it('refuses an entry that declares a huge size', async () => {
    const valid = await tarBytes(ociEntries(img));
    const header = Buffer.alloc(512);
    header.write('blobs/sha256/huge', 0);
    header.write('0000644\0', 100);
    header.write('77777777777\0', 124); // 8 GiB in a file of a few hundred KiB
    header.write('0', 156);
    header.write('ustar\u000000', 257, 'latin1');
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    const err = await copyFrom(Buffer.concat([valid.subarray(0, valid.length - 1024), header, Buffer.alloc(1024)]), 'oci:WORK/out');
    expect(isRegctlError(err, 'INVALID_INPUT')).toBe(true);
    expect((err as Error).message).toMatch(/declares 8589934591 bytes but only 1024 remain/);
  });

  it('refuses a manifest whose descriptor declares a huge size', async () => {
    const index = { schemaVersion: 2, manifests: [{ mediaType: img.mediaType, digest: img.digest, size: 1e12, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] };
    const err = await copyFrom(await tarBytes(ociEntries(img, new Map(), index)), 'oci:WORK/out');
    expect(isRegctlError(err, 'TOO_LARGE')).toBe(true);
  });

  describe('a blob with the wrong content', () => {
    const layer = () => img.layers[1]!;
    const tampered = () => {
      const bad = Buffer.from(img.blobs.get(layer().digest)!);
      bad[bad.length >> 1]! ^= 0xff;
      return tarBytes(ociEntries(img, new Map([[layer().digest, bad]])));
    };

    it('fails the copy into a new oci-archive with no file and no staging left', async () => {
      const err = await copyFrom(await tampered(), 'oci-archive:WORK/out.tar:v1');
      expect(isRegctlError(err, 'DIGEST_MISMATCH')).toBe(true);
      expect((err as Error).message).toContain(layer().digest);
      expect(await exists(join(dir, `case-${n - 1}`, 'out.tar'))).toBe(false);
      expect(await hidden()).toEqual([]);
    });

    it('leaves an existing oci-archive byte for byte as it was', async () => {
      const work = join(dir, 'existing');
      await mkdir(work, { recursive: true });
      await writeFile(join(work, 'dst.tar'), existing);
      const err = await copyFrom(await tampered(), `oci-archive:${work}/dst.tar:v2`);
      expect(isRegctlError(err, 'DIGEST_MISMATCH')).toBe(true);
      expect((await readFile(join(work, 'dst.tar'))).equals(existing)).toBe(true);
      expect(await hidden()).toEqual([]);
    });

    it('writes only whole, verified blobs into an oci directory, and no tag', async () => {
      const err = await copyFrom(await tampered(), 'oci:WORK/out:v1');
      expect(isRegctlError(err, 'DIGEST_MISMATCH')).toBe(true);
      const out = join(dir, `case-${n - 1}`, 'out');
      const blobs = await readdir(join(out, 'blobs', 'sha256'));
      expect(blobs).not.toContain(hex(layer().digest));
      for (const b of blobs) expect(sha(await readFile(join(out, 'blobs', 'sha256', b)))).toBe(`sha256:${b}`);
      const index = await readFile(join(out, 'index.json'), 'utf8').catch(() => '{"manifests":[]}');
      expect(JSON.parse(index).manifests).toEqual([]);
      expect(await hidden()).toEqual([]);
    });

    it('fails a docker-archive destination (which decompresses) the same way', async () => {
      const err = await copyFrom(await tampered(), 'docker-archive:WORK/out.tar:app:1');
      expect(isRegctlError(err, 'DIGEST_MISMATCH')).toBe(true);
      expect(await exists(join(dir, `case-${n - 1}`, 'out.tar'))).toBe(false);
      expect(await hidden()).toEqual([]);
    });
  });

  describe('writers verify what they are given, whatever the caller checked', () => {
    it('an OCI layout renames no blob into place that does not match its digest', async () => {
      const work = join(dir, 'writer-oci');
      const t = new Transports(() => {
        throw new Error('no registry');
      });
      try {
        const layout = (await t.destination(`oci:${work}`)).repository;
        const data = img.blobs.get(img.layers[0]!.digest)!;
        const err = await layout.putBlob({ digest: img.layers[0]!.digest, size: data.length }, () => Readable.from([Buffer.alloc(data.length)]), false).catch((e: unknown) => e);
        expect(isRegctlError(err, 'DIGEST_MISMATCH')).toBe(true);
        const short = await layout.putBlob({ digest: img.layers[0]!.digest, size: data.length }, () => Readable.from([data.subarray(1)]), false).catch((e: unknown) => e);
        expect((short as Error).message).toMatch(/got \d+ bytes, expected \d+/);
        expect(await layout.hasBlob(img.layers[0]!.digest)).toBe(false);
        expect(await readdir(join(work, 'blobs', 'sha256'))).toEqual([]);
      } finally {
        await t.close();
      }
    });

    it('a docker archive refuses a layer whose content does not match the config diff_id', async () => {
      // A consistent image (every digest right) whose config claims other diff_ids.
      const cfg = JSON.parse(img.blobs.get(img.config.digest)!.toString()) as { rootfs: { diff_ids: string[] } };
      cfg.rootfs.diff_ids = cfg.rootfs.diff_ids.map(() => `sha256:${'0'.repeat(64)}`);
      const cfgBytes = Buffer.from(JSON.stringify(cfg));
      const manifest = Buffer.from(JSON.stringify({ ...JSON.parse(img.manifest.toString()), config: { ...img.config, digest: sha(cfgBytes), size: cfgBytes.length } }));
      const lying: BuiltImage = { ...img, digest: sha(manifest), size: manifest.length, manifest, config: { ...img.config, digest: sha(cfgBytes) }, blobs: new Map([...img.blobs].filter(([d]) => d !== img.config.digest).concat([[sha(cfgBytes), cfgBytes]])) };
      const err = await copyFrom(await tarBytes(ociEntries(lying)), 'docker-archive:WORK/out.tar:app:1');
      expect(isRegctlError(err, 'DIGEST_MISMATCH')).toBe(true);
      expect((err as Error).message).toMatch(/uncompresses to sha256:[0-9a-f]{64}, but the config's diff_id is sha256:0{64}/);
      expect(await exists(join(dir, `case-${n - 1}`, 'out.tar'))).toBe(false);
      expect(await hidden()).toEqual([]);
    });
  });

  describe('docker archives', () => {
    const config = () => img.blobs.get(img.config.digest)!;
    const layers = () => img.layers.map((l) => img.blobs.get(l.digest)!);

    it('refuses manifest.json paths that leave the archive', async () => {
      const manifest = [{ Config: 'c.json', RepoTags: ['app:1'], Layers: ['../../../etc/passwd'] }];
      const work = join(dir, 'docker-escape');
      await mkdir(work);
      await writeFile(join(work, 'x.tar'), await tarBytes([{ name: 'c.json', data: config() }, { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }]));
      const err = await copyFrom(`docker-archive:${work}/x.tar:app:1`, 'oci:WORK/out');
      expect((err as Error).message).toMatch(/refusing archive .*contains "\.\."/);
    });

    it('refuses a layer that does not match its diff_id, and a config that does not match its name', async () => {
      const work = join(dir, 'docker-mismatch');
      await mkdir(work);
      const wrong = randomBytes(2048);
      const manifest = [{ Config: 'c.json', RepoTags: ['app:1'], Layers: ['l0.tar', 'l1.tar'] }];
      // gzip layers as a registry serves them: the reader decompresses, then checks the diff_id.
      await writeFile(join(work, 'x.tar'), await tarBytes([
        { name: 'c.json', data: config() }, { name: 'l0.tar', data: layers()[0]! }, { name: 'l1.tar', data: wrong },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) },
      ]));
      const err = await copyFrom(`docker-archive:${work}/x.tar:app:1`, 'oci:WORK/out:v1');
      expect(isRegctlError(err, 'DIGEST_MISMATCH')).toBe(true);

      const cfg = Buffer.from(config().toString().replace('"linux"', '"LINUX"'));
      await writeFile(join(work, 'y.tar'), await tarBytes([
        { name: `blobs/sha256/${hex(img.config.digest)}`, data: cfg },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: `blobs/sha256/${hex(img.config.digest)}`, RepoTags: ['app:1'], Layers: [] }])) },
      ]));
      const err2 = await copyFrom(`docker-archive:${work}/y.tar:app:1`, 'oci:WORK/out:v1');
      expect(isRegctlError(err2, 'DIGEST_MISMATCH')).toBe(true);
      expect((err2 as Error).message).toMatch(/config blobs\/sha256\/.* has digest/);
      expect(sha(cfg)).not.toBe(img.config.digest);
    });
  });
});
