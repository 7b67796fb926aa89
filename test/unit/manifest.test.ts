import { describe, expect, it } from 'vitest';
import { MAX_MANIFEST_BYTES, parseManifest, referencedDescriptors } from '../../src/registry/manifest.js';
import { MediaType } from '../../src/registry/media-types.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const desc = (mediaType: string, c: string, size = 10) => ({ mediaType, digest: D(c), size });
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

const ociImage = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: desc(MediaType.OciConfig, 'a'), layers: [desc(MediaType.OciLayerGzip, 'b')] };
const dockerImage = { schemaVersion: 2, mediaType: MediaType.DockerManifest, config: desc(MediaType.DockerConfig, 'c'), layers: [desc(MediaType.DockerLayerGzip, 'd')] };
const ociIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ ...desc(MediaType.OciManifest, 'e'), platform: { os: 'linux', architecture: 'amd64' } }] };
const dockerList = { schemaVersion: 2, mediaType: MediaType.DockerManifestList, manifests: [desc(MediaType.DockerManifest, 'f')] };
const { mediaType: _omit, ...ociImageNoType } = ociImage;
const { mediaType: _omit2, ...ociIndexNoType } = ociIndex;

describe('parseManifest: valid manifests', () => {
  it.each<[string, unknown, string | undefined, string]>([
    ['OCI image', ociImage, undefined, MediaType.OciManifest],
    ['Docker image', dockerImage, undefined, MediaType.DockerManifest],
    ['OCI index', ociIndex, undefined, MediaType.OciIndex],
    ['Docker manifest list', dockerList, undefined, MediaType.DockerManifestList],
    // mediaType is optional in OCI; the registry's Content-Type fills the gap.
    ['no mediaType, Content-Type Docker manifest', ociImageNoType, MediaType.DockerManifest, MediaType.DockerManifest],
    ['no mediaType, Content-Type with parameters', ociImageNoType, `${MediaType.OciManifest}; charset=utf-8`, MediaType.OciManifest],
    ['no mediaType, Content-Type index', ociIndexNoType, MediaType.DockerManifestList, MediaType.DockerManifestList],
    // A generic Content-Type is ignored and the shape decides.
    ['no mediaType, generic Content-Type, image shape', ociImageNoType, 'application/json', MediaType.OciManifest],
    ['no mediaType, no Content-Type, index shape', ociIndexNoType, undefined, MediaType.OciIndex],
    // The manifest's own field wins over a generic or wrong header.
    ['mediaType field beats Content-Type', dockerImage, 'application/octet-stream', MediaType.DockerManifest],
  ])('%s', (_name, doc, contentType, expected) => {
    const r = parseManifest(json(doc), contentType);
    expect(r.mediaType).toBe(expected);
    expect(r.parsed).toEqual(doc);
  });

  it('accepts an artifact manifest with a subject and unknown artifact config type', () => {
    const artifact = {
      schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: 'application/vnd.example.sig',
      config: desc(MediaType.OciEmpty, '4', 2), layers: [], subject: desc(MediaType.OciManifest, '5'),
    };
    expect(parseManifest(json(artifact)).parsed).toMatchObject({ subject: { digest: D('5') } });
  });

  it('referencedDescriptors lists index children, or config then layers', () => {
    expect(referencedDescriptors(ociIndex as never).map((d) => d.digest)).toEqual([D('e')]);
    expect(referencedDescriptors(ociImage as never).map((d) => d.digest)).toEqual([D('a'), D('b')]);
  });
});

describe('parseManifest: refusals', () => {
  const bad = (over: object) => json({ ...ociImage, ...over });
  it.each<[string, Buffer, string | undefined, string]>([
    ['schema 1 by schemaVersion', json({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] }), undefined, 'UNSUPPORTED'],
    ['schema 1 signed, served as prettyjws', json({ schemaVersion: 1, name: 'x', fsLayers: [], signatures: [{}] }), MediaType.DockerSchema1Signed, 'UNSUPPORTED'],
    ['schema 1 by mediaType field', json({ schemaVersion: 1, mediaType: MediaType.DockerSchema1 }), undefined, 'UNSUPPORTED'],
    ['unknown media type, no config', json({ schemaVersion: 2, mediaType: 'application/x-unknown' }), undefined, 'UNSUPPORTED'],
    ['schemaVersion 3', bad({ schemaVersion: 3 }), undefined, 'INVALID_INPUT'],
    ['schemaVersion missing', bad({ schemaVersion: undefined }), undefined, 'INVALID_INPUT'],
    ['not JSON', Buffer.from('{"schemaVersion": 2,'), undefined, 'INVALID_INPUT'],
    ['empty body', Buffer.alloc(0), undefined, 'INVALID_INPUT'],
    ['JSON array', json([ociImage]), undefined, 'INVALID_INPUT'],
    ['JSON string', json('manifest'), undefined, 'INVALID_INPUT'],
    ['JSON null', Buffer.from('null'), undefined, 'INVALID_INPUT'],
    ['JSON number', Buffer.from('2'), undefined, 'INVALID_INPUT'],
    ['config missing', bad({ config: undefined }), undefined, 'INVALID_INPUT'],
    ['layers not an array', bad({ layers: {} }), undefined, 'INVALID_INPUT'],
    ['layer digest malformed', bad({ layers: [{ ...desc(MediaType.OciLayerGzip, 'b'), digest: 'sha256:xyz' }] }), undefined, 'INVALID_INPUT'],
    ['layer digest uppercase', bad({ layers: [{ ...desc(MediaType.OciLayerGzip, 'b'), digest: D('B') }] }), undefined, 'INVALID_INPUT'],
    ['layer size negative', bad({ layers: [desc(MediaType.OciLayerGzip, 'b', -1)] }), undefined, 'INVALID_INPUT'],
    ['layer size fractional', bad({ layers: [desc(MediaType.OciLayerGzip, 'b', 1.5)] }), undefined, 'INVALID_INPUT'],
    ['layer size as string', bad({ layers: [{ ...desc(MediaType.OciLayerGzip, 'b'), size: '10' }] }), undefined, 'INVALID_INPUT'],
    ['layer size beyond 2^53', bad({ layers: [desc(MediaType.OciLayerGzip, 'b', 2 ** 60)] }), undefined, 'INVALID_INPUT'],
    ['layer mediaType missing', bad({ layers: [{ digest: D('b'), size: 1 }] }), undefined, 'INVALID_INPUT'],
    ['layer is null', bad({ layers: [null] }), undefined, 'INVALID_INPUT'],
    ['config is a string', bad({ config: D('a') }), undefined, 'INVALID_INPUT'],
    ['subject malformed', bad({ subject: { mediaType: MediaType.OciManifest, digest: 'nope', size: 1 } }), undefined, 'INVALID_INPUT'],
    ['index manifests not an array', json({ ...ociIndex, manifests: 'x' }), undefined, 'INVALID_INPUT'],
    ['index child malformed', json({ ...ociIndex, manifests: [{ mediaType: MediaType.OciManifest, size: 1 }] }), undefined, 'INVALID_INPUT'],
  ])('%s -> %s', (_name, bytes, contentType, code) => {
    expect(() => parseManifest(bytes, contentType)).toThrowError(expect.objectContaining({ code }));
  });

  it('refuses more than 4 MiB with TOO_LARGE, and accepts exactly 4 MiB', () => {
    const base = JSON.stringify(ociImage);
    // Pad with whitespace inside the object: valid JSON of an exact size.
    const at = (n: number) => Buffer.from(base.slice(0, -1) + ' '.repeat(n - base.length) + '}');
    expect(at(MAX_MANIFEST_BYTES).length).toBe(4 * 1024 * 1024);
    expect(parseManifest(at(MAX_MANIFEST_BYTES)).mediaType).toBe(MediaType.OciManifest);
    expect(() => parseManifest(at(MAX_MANIFEST_BYTES + 1))).toThrowError(expect.objectContaining({ code: 'TOO_LARGE' }));
  });

  it.each([
    ['arrays', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['objects', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
    ['unterminated', '['.repeat(100_000)],
  ])('refuses a nesting bomb of 100k %s quickly, without a stack overflow', (_name, text) => {
    const started = performance.now();
    expect(() => parseManifest(Buffer.from(text))).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/nested/) }));
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('does not count brackets inside strings towards the depth', () => {
    const doc = { ...ociImage, annotations: { deep: '['.repeat(10_000), esc: '\\"[[[[' } };
    expect(parseManifest(json(doc)).parsed.annotations?.deep).toHaveLength(10_000);
  });

  it('accepts nesting up to the depth limit in annotations-like data, refuses just past it', () => {
    const nest = (n: number) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown;
    // The manifest object itself is one level, so 63 nested arrays make 64 levels.
    expect(() => parseManifest(json({ ...ociImage, extra: nest(63) }))).not.toThrow();
    expect(() => parseManifest(json({ ...ociImage, extra: nest(64) }))).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
