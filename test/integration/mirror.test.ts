import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { Settings } from '../../src/config/settings.js';
import { validateConfig } from '../../src/config/validate.js';
import { copyImage } from '../../src/copy/copy.js';
import { resolveDigest } from '../../src/ops/resolve.js';
import { parseReference } from '../../src/ref/reference.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { freePort } from '../harness/registry.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

describe('read mirrors, tried in order, falling back to the registry itself', () => {
  let upstream: RunningRegistry;
  let mirror: RunningRegistry;
  let dest: RunningRegistry;
  let onlyUpstream: BuiltImage;
  let mirrored: BuiltImage;
  let deadPort: number;
  const clients: RegistryClient[] = [];
  const debug: string[] = [];

  const client = (mirrors: string[], host = upstream.host, extra: object = {}) => {
    const settings = new Settings([{ path: '/m.yaml', scope: 'user', config: validateConfig({ hosts: { [host]: { mirrors }, ...extra } }, '/m.yaml') }], {});
    const c = new RegistryClient({ settings, http: { retry: { max: 0 } }, logger: { debug: (m) => debug.push(m), info() {}, warn() {} } });
    clients.push(c);
    return c;
  };
  const copy = (c: RegistryClient, repo: string, tag: string, to: string) => copyImage(
    RegistryRepository.of(c, upstream.host, repo), tag,
    { repository: RegistryRepository.of(c, dest.host, to, { destination: true }), tag },
  );

  beforeAll(async () => {
    [upstream, mirror, dest] = await Promise.all([0, 1, 2].map(() => startRegistry({ mode: 'anonymous' })));
    onlyUpstream = await pushImage(targetFor(upstream, 'lib/fresh'), 'lib/fresh', 'v1', { layers: 1, layerSize: 2048 });
    // The mirror holds an image under the same name (and under a path prefix) that upstream
    // names differently: which digest a read returns shows where it came from.
    mirrored = await pushImage(targetFor(mirror, 'lib/app'), 'lib/app', 'v1', { layers: 2, layerSize: 2048 });
    await pushImage(targetFor(mirror, 'hub/lib/app'), 'hub/lib/app', 'v1', { layers: 2, layerSize: 2048, seed: 'prefixed' });
    await pushImage(targetFor(upstream, 'lib/app'), 'lib/app', 'v1', { layers: 2, layerSize: 2048, seed: 'upstream' });
    deadPort = await freePort();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([upstream?.stop(), mirror?.stop(), dest?.stop()]);
  });

  it('reads from the mirror when it has the image', async () => {
    const c = client([mirror.host]);
    expect(await resolveDigest(c.registry(upstream.host, { mirrors: true }), parseReference(`${upstream.host}/lib/app:v1`))).toBe(mirrored.digest);
    expect((await copy(c, 'lib/app', 'v1', 'from-mirror')).digest).toBe(mirrored.digest);
    // Without `mirrors`, the registry itself answers.
    expect(await resolveDigest(c.registry(upstream.host), parseReference(`${upstream.host}/lib/app:v1`))).not.toBe(mirrored.digest);
  });

  it('adds the mirror\'s path prefix to repository names', async () => {
    const c = client([`${mirror.host}/hub`]);
    const viaPrefix = await resolveDigest(c.registry(upstream.host, { mirrors: true }), parseReference(`${upstream.host}/lib/app:v1`));
    expect(viaPrefix).not.toBe(mirrored.digest);
    expect(debug.some((l) => l.includes(`from mirror ${mirror.host}/hub/lib/app`))).toBe(true);
  });

  it('falls back to the registry for what the mirror lacks', async () => {
    const c = client([mirror.host]);
    expect((await copy(c, 'lib/fresh', 'v1', 'fallback')).digest).toBe(onlyUpstream.digest);
    expect(debug.some((l) => l.includes(`not on mirror ${mirror.host}/lib/fresh`))).toBe(true);
  });

  it('skips a mirror that is down and tries the next, in order', async () => {
    const c = client([`127.0.0.1:${deadPort}`, mirror.host]);
    expect((await copy(c, 'lib/app', 'v1', 'second-mirror')).digest).toBe(mirrored.digest);
    expect(debug.some((l) => l.includes(`mirror 127.0.0.1:${deadPort} failed`))).toBe(true);
  });

  it('keeps working from the mirror with the registry itself gone', async () => {
    const c = client([mirror.host]);
    const gone = await startRegistry({ mode: 'anonymous' });
    const c2 = client([mirror.host], gone.host);
    await gone.stop();
    const r = await copyImage(
      RegistryRepository.of(c2, gone.host, 'lib/app'), 'v1',
      { repository: RegistryRepository.of(c, dest.host, 'upstream-down', { destination: true }), tag: 'v1' },
    );
    expect(r.digest).toBe(mirrored.digest);
  });

  it('never asks a mirror on behalf of a copy destination', async () => {
    // dest's mirror holds every blob of the image; dest itself holds none. A destination that
    // believed the mirror would skip the uploads and end up with an image it cannot serve.
    const c = client([mirror.host], dest.host);
    const r = await copyImage(
      RegistryRepository.of(c, mirror.host, 'lib/app'), 'v1',
      { repository: RegistryRepository.of(c, dest.host, 'lib/app', { destination: true }), tag: 'v1' },
    );
    expect(r.digest).toBe(mirrored.digest);
    for (const l of mirrored.layers) expect(await c.registry(dest.host).headBlob('lib/app', l.digest)).toBe(l.size);
  });
});
