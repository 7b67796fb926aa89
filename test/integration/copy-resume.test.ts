/**
 * Resume after broken connections, with the fault proxy cutting real transfers between real
 * distribution registries: a download cut mid-blob continues with a Range request; an upload
 * cut mid-body starts over in a new session (distribution 2.8 drops a session once part of a
 * broken request's body was written); an upload broken at a request boundary continues from the
 * offset the registry acknowledges, re-reading only the tail from the source.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { copyImage } from '../../src/copy/copy.js';
import type { CopyEvent } from '../../src/copy/events.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const MiB = 1 << 20;

describe('resume', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let pa: FaultProxy;
  let pb: FaultProxy;
  let client: RegistryClient;
  let image: BuiltImage;
  let layer: { digest: string; size: number };
  const repo = (host: string, name: string, opts?: ConstructorParameters<typeof RegistryRepository>[2]) => RegistryRepository.of(client, host, name, opts);
  const layerPath = () => new RegExp(`/blobs/${layer.digest}$`);
  /** The closing PUT of the layer's upload (`?digest=sha256%3A<hex>`). */
  const layerUpload = () => new RegExp(`/blobs/uploads/.*digest=sha256%3A${layer.digest.slice(7)}`);
  const record = () => {
    const events: CopyEvent[] = [];
    return { events, onEvent: (e: CopyEvent) => events.push(e), resumes: () => events.filter((e): e is Extract<CopyEvent, { type: 'blob-resume' }> => e.type === 'blob-resume') };
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    [pa, pb] = await Promise.all([startFaultProxy(a.url), startFaultProxy(b.url)]);
    client = new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true });
    image = await pushImage(targetFor(a, 'src/big'), 'src/big', 'v1', { layers: 1, layerSize: 12 * MiB });
    layer = image.layers[0]!;
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all([pa?.close(), pb?.close()]);
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('a download cut mid-blob continues with a Range request from where it broke', async () => {
    pa.requests.length = 0;
    pa.addRule({ match: { method: 'GET', path: layerPath() }, fault: { type: 'cut-response', afterBytes: 5 * MiB } });
    const rec = record();
    const result = await copyImage(repo(pa.host, 'src/big'), 'v1', { repository: repo(b.host, 'dl/big'), tag: 'v1' }, { onEvent: rec.onEvent });
    expect(result.digest).toBe(image.digest);
    const gets = pa.requests.filter((r) => r.method === 'GET' && layerPath().test(r.path));
    expect(gets).toHaveLength(2);
    expect(gets[0]).toMatchObject({ fault: 'cut-response', responseBytes: 5 * MiB });
    const [resume] = rec.resumes();
    expect(resume).toMatchObject({ side: 'download', digest: layer.digest });
    // It asks for what it lacks, no more: at most what the proxy sent, at least what arrived before the cut.
    expect(gets[1]!.headers.range).toBe(`bytes=${resume!.offset}-`);
    expect(resume!.offset).toBeGreaterThan(0);
    expect(resume!.offset).toBeLessThanOrEqual(5 * MiB);
    expect(gets[1]!.responseBytes).toBe(layer.size - resume!.offset);
    expect(await client.registry(b.host).headBlob('dl/big', layer.digest)).toBe(layer.size);
  });

  it('an upload cut mid-body starts over in a new session when the registry dropped the old one', async () => {
    pb.requests.length = 0;
    pb.addRule({ match: { method: 'PUT', path: layerUpload() }, fault: { type: 'cut-request', afterBytes: 3 * MiB } });
    const rec = record();
    const result = await copyImage(repo(a.host, 'src/big'), 'v1', { repository: repo(pb.host, 'ul/big'), tag: 'v1' }, { onEvent: rec.onEvent });
    expect(result.digest).toBe(image.digest);
    expect(rec.resumes()).toEqual([expect.objectContaining({ side: 'upload', offset: 0, digest: layer.digest })]);
    // The registry said the session was invalid (GET status 404), so a second session was opened.
    const status = pb.requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/uploads/'));
    expect(status.map((r) => r.status)).toEqual([404]);
    // Sessions: one for the config, two for the layer.
    expect(pb.count('POST', /\/blobs\/uploads\/$/)).toBe(3);
    expect(await client.registry(b.host).headBlob('ul/big', layer.digest)).toBe(layer.size);
  });

  it('an upload broken between requests continues from the offset the registry acknowledges', async () => {
    pa.requests.length = 0;
    pb.requests.length = 0;
    // PATCH all but the last MiB, then a PUT carrying that MiB (the ECR rule, REGISTRIES.md);
    // the PUT is cut before the registry sees it.
    pb.addRule({ match: { method: 'PUT', path: layerUpload() }, fault: { type: 'reset' } });
    const rules = { mode: 'chunked' as const, lastChunkInPut: true };
    const rec = record();
    const result = await copyImage(repo(pa.host, 'src/big'), 'v1', { repository: repo(pb.host, 'ack/big', { uploadRules: rules }), tag: 'v1' }, { onEvent: rec.onEvent });
    expect(result.digest).toBe(image.digest);
    const tail = layer.size - MiB;
    expect(rec.resumes()).toEqual([expect.objectContaining({ side: 'upload', offset: tail })]);
    // One session per blob (config and layer): the registry answered Range: 0-<tail-1> and the
    // layer's upload went on from there, with nothing cancelled.
    expect(pb.count('POST', /\/blobs\/uploads\/$/)).toBe(2);
    expect(pb.count('DELETE')).toBe(0);
    const status = pb.requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/uploads/'));
    expect(status).toHaveLength(1);
    expect(status[0]!.status).toBe(204);
    expect(pb.count('PATCH')).toBe(1);
    // The tail came from the source again, from the last 4 MiB hash checkpoint before it, so
    // the digest is still verified over the whole blob.
    const gets = pa.requests.filter((r) => r.method === 'GET' && layerPath().test(r.path));
    expect(gets.map((r) => r.headers.range)).toEqual([undefined, `bytes=${Math.floor(tail / (4 * MiB)) * 4 * MiB}-`]);
    expect(await client.registry(b.host).headBlob('ack/big', layer.digest)).toBe(layer.size);
  });

  it('gives up with NETWORK when the source breaks every time without progress', async () => {
    pa.requests.length = 0;
    pa.addRule({ match: { method: 'GET', path: layerPath() }, fault: { type: 'cut-response', afterBytes: 0 }, times: Infinity });
    // Quick transport retries: the test is about the resume logic giving up, not about backoff.
    const impatient = new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true, http: { retry: { max: 1, baseDelayMs: 1, maxDelayMs: 5 } } });
    try {
      const err = await copyImage(RegistryRepository.of(impatient, pa.host, 'src/big'), 'v1', { repository: RegistryRepository.of(impatient, b.host, 'never/big'), tag: 'v1' })
        .then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'NETWORK', message: expect.stringMatching(/could not be resumed/) });
      // The first read and four resumes, each getting headers and no byte; the upload did not start over on its own.
      expect(pa.count('GET', layerPath())).toBe(5);
      expect(await client.registry(b.host).headManifest('never/big', 'v1')).toBeUndefined();
    } finally {
      pa.clearRules();
      await impatient.close();
    }
  });
});
