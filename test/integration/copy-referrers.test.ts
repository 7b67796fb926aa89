/**
 * `--referrers` against real distribution 2.8 registries: with the referrers API (through the
 * emulator in test/emulators/referrers-api.ts, since 2.8 lacks it) and with the `sha256-<hex>`
 * fallback tags, on either side. Signatures, an SBOM and a signature of the SBOM are copied
 * recursively; a destination without the API gets fallback indexes, merged with entries that
 * are already there.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { copyImage } from '../../src/copy/copy.js';
import type { CopyEvent } from '../../src/copy/events.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import type { Registry } from '../../src/registry/registry.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { startReferrersApi, type ReferrersApi } from '../emulators/referrers-api.js';
import { buildImage, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = Buffer.from('{}');
const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const fallbackTag = (digest: string) => digest.replace(':', '-');

interface Desc { mediaType: string; digest: string; size: number; artifactType?: string }

async function pushBlob(reg: Registry, repo: string, data: Buffer): Promise<Desc> {
  const digest = digestOf(data);
  if ((await reg.headBlob(repo, digest)) === undefined) await reg.uploadBlob(repo, { digest, size: data.length }, () => data);
  return { mediaType: 'application/octet-stream', digest, size: data.length };
}

async function pushImageVia(reg: Registry, repo: string, image: BuiltImage, tag: string): Promise<Desc> {
  for (const data of image.blobs.values()) await pushBlob(reg, repo, data);
  await reg.putManifest(repo, tag, image.manifest, image.mediaType);
  return { mediaType: image.mediaType, digest: image.digest, size: image.size };
}

/** Pushes an artifact manifest (empty config, one payload layer) whose subject is `subject`. */
async function pushReferrer(reg: Registry, repo: string, subject: Desc, artifactType: string, payload: string): Promise<Desc> {
  const config = await pushBlob(reg, repo, EMPTY);
  const layer = await pushBlob(reg, repo, Buffer.from(payload));
  const doc = {
    schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType,
    config: { ...config, mediaType: 'application/vnd.oci.empty.v1+json' },
    layers: [{ ...layer, mediaType: `${artifactType}.payload` }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  const digest = await reg.putManifest(repo, digestOf(bytes), bytes, OCI_MANIFEST);
  return { mediaType: OCI_MANIFEST, digest, size: bytes.length, artifactType };
}

/** Writes a fallback tag index by hand, as a tool without the API would. */
async function putFallback(reg: Registry, repo: string, subject: string, entries: Desc[]): Promise<void> {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }));
  await reg.putManifest(repo, fallbackTag(subject), bytes, OCI_INDEX);
}

describe('copy --referrers', () => {
  let regs: RunningRegistry[];
  let apiA: ReferrersApi;
  let apiB: ReferrersApi;
  let client: RegistryClient;
  let image: BuiltImage;
  let subject: Desc;
  let sig: Desc;
  let sbom: Desc;
  let sbomSig: Desc;
  const repo = (host: string, name: string) => RegistryRepository.of(client, host, name);
  const reg = (host: string) => client.registry(host);
  const digests = (ds: Desc[]) => ds.map((d) => d.digest).sort();

  beforeAll(async () => {
    regs = await Promise.all([0, 1, 2, 3].map(() => startRegistry({ mode: 'anonymous' })));
    const [a, b] = regs as [RunningRegistry, RunningRegistry];
    [apiA, apiB] = await Promise.all([startReferrersApi(a.host, a.dataDir), startReferrersApi(b.host, b.dataDir)]);
    client = new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true });
    image = buildImage({ layers: 1, layerSize: 4096 });
    const ra = reg(apiA.host);
    subject = await pushImageVia(ra, 'src/app', image, 'v1');
    sig = await pushReferrer(ra, 'src/app', subject, 'application/vnd.example.signature', 'signed:app');
    sbom = await pushReferrer(ra, 'src/app', subject, 'application/vnd.example.sbom', '{"packages":[]}');
    sbomSig = await pushReferrer(ra, 'src/app', sbom, 'application/vnd.example.signature', 'signed:sbom');
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all([apiA?.close(), apiB?.close()]);
    await Promise.all((regs ?? []).map((r) => r.stop()));
  });

  it('referrers API on both sides: signatures, SBOM and the SBOM signature arrive, no fallback tag is written', async () => {
    // The emulator lists what the registry stores.
    expect(digests((await reg(apiA.host).listReferrers('src/app', subject.digest)).manifests)).toEqual(digests([sig, sbom]));
    const result = await copyImage(repo(apiA.host, 'src/app'), 'v1', { repository: repo(apiB.host, 'dst/app'), tag: 'v1' }, { referrers: true });
    expect(result).toMatchObject({ digest: subject.digest, stats: { referrersCopied: 3 } });
    const rb = reg(apiB.host);
    const top = await rb.listReferrers('dst/app', subject.digest);
    expect(top.source).toBe('api');
    expect(digests(top.manifests)).toEqual(digests([sig, sbom]));
    expect(digests((await rb.listReferrers('dst/app', sbom.digest)).manifests)).toEqual([sbomSig.digest]);
    expect(await rb.headManifest('dst/app', fallbackTag(subject.digest))).toBeUndefined();
    expect((await rb.headManifest('dst/app', 'v1'))?.digest).toBe(subject.digest);
  });

  it('without --referrers, none are copied', async () => {
    await copyImage(repo(apiA.host, 'src/app'), 'v1', { repository: repo(apiB.host, 'plain/app'), tag: 'v1' });
    expect(await reg(apiB.host).headManifest('plain/app', sig.digest)).toBeUndefined();
  });

  it('to a registry without the API: fallback tag indexes are written for each subject', async () => {
    const c = regs[2]!;
    const events: CopyEvent[] = [];
    await copyImage(repo(apiA.host, 'src/app'), 'v1', { repository: repo(c.host, 'dst/app'), tag: 'v1' }, { referrers: true, onEvent: (e) => events.push(e) });
    const rc = reg(c.host);
    const top = await rc.listReferrers('dst/app', subject.digest);
    expect(top.source).toBe('tag');
    expect(digests(top.manifests)).toEqual(digests([sig, sbom]));
    expect(top.manifests.find((d) => d.digest === sbom.digest)).toMatchObject({ artifactType: 'application/vnd.example.sbom', mediaType: OCI_MANIFEST });
    expect(digests((await rc.listReferrers('dst/app', sbom.digest)).manifests)).toEqual([sbomSig.digest]);
    // Every referrer manifest went up before the fallback index naming it, and the tag came last.
    const puts = events.filter((e): e is Extract<CopyEvent, { type: 'manifest-put' }> => e.type === 'manifest-put').map((e) => e.reference);
    expect(puts.indexOf(fallbackTag(subject.digest))).toBeGreaterThan(Math.max(puts.indexOf(sig.digest), puts.indexOf(sbom.digest)));
    expect(puts.indexOf(fallbackTag(sbom.digest))).toBeGreaterThan(puts.indexOf(sbomSig.digest));
    expect(puts.at(-1)).toBe('v1');
  });

  it('from fallback tags, merging into a fallback index the destination already has', async () => {
    const [, , c, d] = regs as [RunningRegistry, RunningRegistry, RunningRegistry, RunningRegistry];
    // Source without the API: the same image with an attestation listed in its fallback tag.
    const rd = reg(d.host);
    await pushImageVia(rd, 'src/app', image, 'v1');
    const attestation = await pushReferrer(rd, 'src/app', subject, 'application/vnd.example.attestation', '{"predicate":{}}');
    await putFallback(rd, 'src/app', subject.digest, [attestation]);
    expect((await rd.listReferrers('src/app', subject.digest)).source).toBe('tag');

    const result = await copyImage(repo(d.host, 'src/app'), 'v1', { repository: repo(c.host, 'dst/app'), tag: 'v1' }, { referrers: true });
    expect(result).toMatchObject({ skipped: false, stats: { referrersCopied: 1, blobsCopied: 1 } });
    // The entries written by the earlier copy are kept, the new one appended.
    const merged = (await reg(c.host).getManifest('dst/app', fallbackTag(subject.digest))).parsed as { manifests: Desc[] };
    expect(merged.manifests).toHaveLength(3);
    expect(digests(merged.manifests.slice(0, 2))).toEqual(digests([sig, sbom]));
    expect(merged.manifests[2]!.digest).toBe(attestation.digest);
  });

  it('an up-to-date image still gets referrers added since: only the new one is sent', async () => {
    const sig2 = await pushReferrer(reg(apiA.host), 'src/app', subject, 'application/vnd.example.signature', 'signed:again');
    const events: CopyEvent[] = [];
    const result = await copyImage(repo(apiA.host, 'src/app'), 'v1', { repository: repo(apiB.host, 'dst/app'), tag: 'v1' }, { referrers: true, onEvent: (e) => events.push(e) });
    expect(events[0]).toMatchObject({ type: 'image-skip', digest: subject.digest });
    expect(result).toMatchObject({ stats: { referrersCopied: 1, blobsCopied: 1 } });
    expect(events.filter((e) => e.type === 'manifest-put').map((e) => 'reference' in e && e.reference)).toEqual([sig2.digest]);
    expect(digests((await reg(apiB.host).listReferrers('dst/app', subject.digest)).manifests)).toEqual(digests([sig, sbom, sig2]));
  });
});
