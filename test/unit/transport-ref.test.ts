/**
 * Transport references and the pure parts of the local formats: parsing `oci:`,
 * `oci-archive:`, `docker-archive:` and registry references; index.json tags; docker RepoTags
 * and legacy layer IDs; compression sniffing and decompression.
 */
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isRegctlError } from '../../src/errors.js';
import { readBytes } from '../../src/transport/read-body.js';
import { decompressed, sniffCompression } from '../../src/transports/tar-compression.js';
import { familiarName, legacyLayers, parseArchiveManifest, repoTag, repoTagMatches } from '../../src/transports/docker-archive-format.js';
import { REF_NAME, blobPath, defaultLayoutReference, emptyLayoutIndex, findTag, layoutTags, withTag } from '../../src/transports/oci-layout-index.js';
import { isLocalReference, parseTransportReference } from '../../src/transports/open.js';

const D = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;

describe('parseTransportReference', () => {
  it.each([
    ['oci:/tmp/img', { transport: 'oci', path: '/tmp/img' }],
    ['oci:/tmp/img:v1.2', { transport: 'oci', path: '/tmp/img', tag: 'v1.2' }],
    [`oci:img@${D}`, { transport: 'oci', path: 'img', digest: D }],
    ['oci-archive:x.tar', { transport: 'oci-archive', path: 'x.tar' }],
    ['oci-archive:dir/x.tar:latest', { transport: 'oci-archive', path: 'dir/x.tar', tag: 'latest' }],
    ['docker-archive:x.tar', { transport: 'docker-archive', path: 'x.tar' }],
    ['docker-archive:x.tar:app:1', { transport: 'docker-archive', path: 'x.tar', image: { registry: 'docker.io', repository: 'library/app', tag: '1' } }],
    ['docker-archive:x.tar:app', { transport: 'docker-archive', path: 'x.tar', image: { registry: 'docker.io', repository: 'library/app', tag: 'latest' } }],
    ['docker-archive:/a/x.tar:localhost:5000/team/app:2', { transport: 'docker-archive', path: '/a/x.tar', image: { registry: 'localhost:5000', repository: 'team/app', tag: '2' } }],
    ['docker-archive:x.tar:@1', { transport: 'docker-archive', path: 'x.tar', index: 1 }],
    [`docker-archive:x.tar@${D}`, { transport: 'docker-archive', path: 'x.tar', digest: D }],
    ['alpine', { transport: 'registry', ref: { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' } }],
    ['docker://ghcr.io/o/a:1', { transport: 'registry', ref: { registry: 'ghcr.io', repository: 'o/a', tag: '1' } }],
    ['localhost:5000/oci:1', { transport: 'registry', ref: { registry: 'localhost:5000', repository: 'oci', tag: '1' } }],
  ])('%s', (input, want) => {
    expect(parseTransportReference(input)).toEqual(want);
  });

  it.each([
    ['oci:', 'INVALID_REFERENCE', /no path after oci:/],
    ['oci::v1', 'INVALID_REFERENCE', /no path/],
    ['oci:dir:bad/tag', 'INVALID_REFERENCE', /not a valid tag/],
    [`oci:dir:v1@${D}`, 'INVALID_REFERENCE', /a tag or a digest, not both/],
    ['oci:dir@sha256:abc', 'INVALID_REFERENCE', /not a valid digest/],
    ['docker-archive:x.tar:Bad/Name:1', 'INVALID_REFERENCE', /uppercase|invalid/],
    [`docker-archive:x.tar:app@${D}`, 'INVALID_REFERENCE', /a name:tag or a digest, not both/],
    ['dir:/tmp/x', 'UNSUPPORTED', /dir: transport is not supported/],
    ['containers-storage:alpine', 'UNSUPPORTED', /not supported/],
  ])('refuses %s', (input, code, message) => {
    try {
      parseTransportReference(input);
      throw new Error('accepted');
    } catch (e) {
      expect(isRegctlError(e) && e.code).toBe(code);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('tells local references from registry ones', () => {
    expect(isLocalReference('oci:x')).toBe(true);
    expect(isLocalReference('docker-archive:x.tar')).toBe(true);
    expect(isLocalReference('ociregistry.example/x')).toBe(false);
    expect(isLocalReference('localhost:5000/oci')).toBe(false);
  });
});

describe('OCI layout index.json', () => {
  const desc = (digest: string, tag?: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 10, ...(tag && { annotations: { [REF_NAME]: tag } }) });

  it('moves a tag, drops the untagged entry it supersedes, and keeps other tags', () => {
    const index = withTag({ ...emptyLayoutIndex(), manifests: [desc(D, 'v1'), desc(D2), desc(D, 'keep')] }, desc(D2), 'v1');
    expect(index.manifests).toEqual([desc(D, 'keep'), desc(D2, 'v1')]);
    expect(findTag(index, 'v1')?.digest).toBe(D2);
    expect(layoutTags(index)).toEqual(['keep', 'v1']);
  });

  it('picks the default image as skopeo does: the only one, else latest', () => {
    expect(defaultLayoutReference({ ...emptyLayoutIndex(), manifests: [desc(D)] }, 'oci:x')).toBe(D);
    expect(defaultLayoutReference({ ...emptyLayoutIndex(), manifests: [desc(D, 'a'), desc(D2, 'latest')] }, 'oci:x')).toBe('latest');
    expect(() => defaultLayoutReference({ ...emptyLayoutIndex(), manifests: [desc(D, 'a'), desc(D2, 'b')] }, 'oci:x')).toThrow(/holds 2 images; name one/);
  });

  it('places blobs by digest and refuses anything that is not one', () => {
    expect(blobPath(D)).toBe(`blobs/sha256/${'a'.repeat(64)}`);
    expect(() => blobPath('sha256:../../../etc/passwd')).toThrow(/invalid digest/);
  });
});

describe('docker archive format', () => {
  it('writes RepoTags the familiar way and matches them however they are written', () => {
    expect(repoTag('docker.io', 'library/app', '1')).toBe('app:1');
    expect(familiarName('docker.io', 'org/app')).toBe('org/app');
    expect(familiarName('localhost:5000', 'library/app')).toBe('localhost:5000/library/app');
    const ref = { registry: 'docker.io', repository: 'library/app', tag: '1' };
    expect(repoTagMatches('app:1', ref)).toBe(true);
    expect(repoTagMatches('docker.io/library/app:1', ref)).toBe(true);
    expect(repoTagMatches('app:2', ref)).toBe(false);
    expect(repoTagMatches('not a tag!', ref)).toBe(false);
  });

  it('gives shared base layers the same legacy ID, and top layers per image', () => {
    const a = legacyLayers([D, D2], { os: 'linux', created: '2024-01-01T00:00:00Z' });
    const b = legacyLayers([D, D2], { os: 'linux', created: '2025-01-01T00:00:00Z' });
    expect(a[0]!.id).toBe(b[0]!.id);
    expect(a[1]!.id).not.toBe(b[1]!.id);
    expect(JSON.parse(a[1]!.json.toString())).toEqual({ id: a[1]!.id, parent: a[0]!.id, os: 'linux', created: '2024-01-01T00:00:00Z' });
    expect(legacyLayers([D, D2], { os: 'linux', created: '2024-01-01T00:00:00Z' })).toEqual(a);
  });

  it('normalises manifest.json paths and refuses ones that leave the archive', () => {
    const ok = parseArchiveManifest(Buffer.from(JSON.stringify([{ Config: './c.json', RepoTags: null, Layers: ['id/layer.tar'] }])), 'x.tar');
    expect(ok).toEqual([{ Config: 'c.json', RepoTags: null, Layers: ['id/layer.tar'] }]);
    expect(() => parseArchiveManifest(Buffer.from(JSON.stringify([{ Config: 'c.json', Layers: ['../../etc/shadow'] }])), 'x.tar')).toThrow(/contains ".."/);
    expect(() => parseArchiveManifest(Buffer.from('{}'), 'x.tar')).toThrow(/not a list of images/);
    expect(() => parseArchiveManifest(Buffer.from('[{"Layers":[]}]'), 'x.tar')).toThrow(/entry 0 has no Config/);
  });
});

describe('layer compression', () => {
  const plain = Buffer.alloc(100_000, 'p');
  // Three one-byte chunks first: the magic number arrives split across reads.
  const trickle = (b: Buffer) => Readable.from([b.subarray(0, 1), b.subarray(1, 2), b.subarray(2, 3), b.subarray(3)]);

  it.each([
    ['gzip', zlib.gzipSync(plain)],
    ['none', plain],
  ])('sniffs and unpacks %s, even when the first chunks are tiny', async (kind, bytes) => {
    expect(sniffCompression(bytes.subarray(0, 6))).toBe(kind);
    const out = await decompressed(trickle(bytes), kind);
    expect(out.compression).toBe(kind);
    expect((await readBytes(out.stream, 1e6)).equals(plain)).toBe(true);
  });

  it('passes short streams through whole', async () => {
    const out = await decompressed(Readable.from([Buffer.from('ab')]), 'x');
    expect((await readBytes(out.stream, 10)).toString()).toBe('ab');
  });

  it('reports corrupt gzip as an error of the stream', async () => {
    const bad = zlib.gzipSync(plain);
    bad[bad.length >> 1] ^= 0xff;
    const out = await decompressed(Readable.from([bad]), 'x');
    await expect(readBytes(out.stream, 1e6)).rejects.toThrow();
  });

  it('handles zstd where Node can, and says why where it cannot', async () => {
    const z = zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer; createZstdDecompress?: unknown };
    const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]);
    expect(sniffCompression(magic)).toBe('zstd');
    if (z.zstdCompressSync && z.createZstdDecompress) {
      const out = await decompressed(Readable.from([z.zstdCompressSync(plain)]), 'x');
      expect((await readBytes(out.stream, 1e6)).equals(plain)).toBe(true);
    } else {
      await expect(decompressed(Readable.from([magic]), 'layer L')).rejects.toThrow(/layer L is zstd-compressed.*Node 22\.15/);
    }
  });
});
