/**
 * Hostile tarballs through the local transports: `docker-archive:` and `oci-archive:` sources
 * that try to climb out of the archive, loop, hide devices, repeat names, stop short, come
 * compressed, carry oversized metadata or lie about their content. Each must be refused with a
 * clear RegctlError, and a copy from it must write nothing at the destination (registry or OCI
 * layout). A valid archive built the same way is copied first, so the refusals are not an
 * accident of the fixture.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { copyImageToAll } from '../../src/copy/copy.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import { RegctlError } from '../../src/errors.js';
import { OciLayoutRepository } from '../../src/transports/oci-layout.js';
import { Transports } from '../../src/transports/open.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { checkLayoutDestination, storedManifests } from '../harness/faults/verify.js';
import { sha256Digest } from '../harness/fixture-bytes.js';
import { dockerArchiveEntries, dockerArchiveParts, gzip, makeTar, type TarEntrySpec } from '../harness/faults/tarballs.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

describe('hostile tarballs', () => {
  let reg: RunningRegistry;
  let client: RegistryClient;
  let dir: string;
  let n = 0;

  beforeAll(async () => {
    reg = await startRegistry({ mode: 'anonymous' });
    client = new RegistryClient({ credentials: new StaticCredentials({}), plainHttp: true });
    dir = await mkdtemp(join(tmpdir(), 'regctl-abuse-tar-'));
  });
  afterAll(async () => {
    await client?.close();
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Writes `archive`, copies `<transport>:<file>` to a registry repo and a layout, returns the error. */
  async function copyFrom(transport: 'docker-archive' | 'oci-archive', archive: Buffer) {
    const i = n++;
    const file = join(dir, `in-${i}.tar`);
    await writeFile(file, archive);
    const repo = `tar/${i}`;
    const layout = join(dir, `out-${i}`);
    const t = new Transports((ref) => RegistryRepository.of(client, ref.registry, ref.repository));
    let error: unknown;
    try {
      const src = await t.source(`${transport}:${file}`);
      const outcomes = await copyImageToAll(src.repository, src.reference, [
        { repository: RegistryRepository.of(client, reg.host, repo, { destination: true }), tag: 'v1' },
        { repository: new OciLayoutRepository(layout), tag: 'v1' },
      ]);
      error = outcomes.find((o) => !o.ok)?.error ?? (outcomes.every((o) => o.ok) ? undefined : new Error('mixed outcome'));
    } catch (e) {
      error = e;
    } finally {
      await t.close();
    }
    const stored = await storedManifests(reg, repo);
    const layoutCheck = await checkLayoutDestination(layout, 'v1');
    const layers = await readdir(join(reg.dataDir, 'docker/registry/v2/repositories', repo, '_layers/sha256')).catch(() => []);
    return { error, stored, layoutCheck, layers };
  }

  /**
   * The copy failed with a RegctlError of `code` whose message matches, and wrote no manifest or
   * tag anywhere. Blobs: none, except those in `complete` (verified blobs that went up before the
   * bad one was found; unreferenced, as after any failed push, and never the bad content).
   */
  async function refused(transport: 'docker-archive' | 'oci-archive', archive: Buffer, code: string, message: RegExp, complete: string[] = []) {
    const r = await copyFrom(transport, archive);
    expect(r.error).toBeInstanceOf(RegctlError);
    expect(r.error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(r.stored).toEqual({ tags: [], revisions: [] });
    for (const hex of r.layers) expect(complete).toContain(`sha256:${hex}`);
    expect(r.layoutCheck).toEqual({ problems: [] });
  }

  const parts = dockerArchiveParts();
  const docker = (extra: TarEntrySpec[] = [], p = parts) => makeTar(dockerArchiveEntries(p, extra));

  it('copies the valid archive the hostile ones are made from', async () => {
    const r = await copyFrom('docker-archive', await docker());
    expect(r.error).toBeUndefined();
    expect(r.stored.tags).toEqual(['v1']);
    expect(r.layoutCheck.problems).toEqual([]);
    expect(r.layoutCheck.tagged).toMatch(/^sha256:/);
  });

  it('refuses a layer that is not what the config says, storing nothing of it', async () => {
    const tampered = Buffer.concat([parts.layer.subarray(0, 600), Buffer.from('tampered'), parts.layer.subarray(608)]);
    const config = sha256Digest(parts.config);
    await refused('docker-archive', await docker([], { ...parts, layer: tampered }), 'DIGEST_MISMATCH', /does not match/, [config]);
  });

  it.each<[string, () => Promise<Buffer>, string, RegExp]>([
    ['an entry that climbs out with ..', () => docker([{ name: '../../etc/evil', data: 'x' }]), 'INVALID_INPUT', /contains "\.\."/],
    ['an absolute entry name', () => docker([{ name: '/etc/evil', data: 'x' }]), 'INVALID_INPUT', /absolute path/],
    ['a symlink pointing outside', () => docker([{ name: 'escape', type: 'symlink', linkname: '../../../etc/passwd' }]), 'INVALID_INPUT', /leaves the archive/],
    ['an absolute symlink', () => docker([{ name: 'escape', type: 'symlink', linkname: '/etc/passwd' }]), 'INVALID_INPUT', /is absolute/],
    ['a hard link pointing outside', () => docker([{ name: 'escape', type: 'link', linkname: '../etc/passwd' }]), 'INVALID_INPUT', /leaves the archive/],
    ['a character device', () => docker([{ name: 'null', type: 'character-device' }]), 'INVALID_INPUT', /unsupported type/],
    ['two entries with one name', () => docker([{ name: 'manifest.json', data: '[]' }]), 'INVALID_INPUT', /two entries are named/],
    ['an extended header over 1 MiB', () => docker([{ name: 'big', data: 'x', pax: { comment: 'x'.repeat(1_100_000) } }]), 'TOO_LARGE', /extended header/],
    ['a truncated archive', async () => (await docker()).subarray(0, 1500), 'INVALID_INPUT', /truncated/],
    ['a gzip-compressed archive', async () => gzip(await docker()), 'UNSUPPORTED', /gzip-compressed/],
    ['manifest.json naming a layer outside the archive', () => docker([], { ...parts, manifest: [{ ...parts.manifest[0]!, Layers: ['../../../etc/passwd'] }] }), 'INVALID_INPUT', /contains "\.\."/],
    ['manifest.json as a JSON nesting bomb', () => makeTar([{ name: 'manifest.json', data: '['.repeat(200_000) }]), 'INVALID_INPUT', /manifest/],
    ['manifest.json over 4 MiB', () => makeTar([{ name: 'manifest.json', data: `[${' '.repeat(4 * 1024 * 1024)}]` }]), 'TOO_LARGE', /manifest\.json/],
    ['manifest.json linking to itself', () => makeTar([{ name: 'manifest.json', type: 'symlink', linkname: 'manifest.json' }]), 'INVALID_INPUT', /too many links|manifest\.json/],
  ])('refuses %s, writing nothing', async (_name, build, code, message) => {
    await refused('docker-archive', await build(), code, message);
  });

  it.each<[string, () => Promise<Buffer>, string, RegExp]>([
    ['an OCI archive with index.json linking outside', () => makeTar([{ name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' }, { name: 'index.json', type: 'symlink', linkname: '../../index.json' }]), 'INVALID_INPUT', /leaves the archive/],
    ['an OCI archive whose index.json is a nesting bomb', () => makeTar([{ name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' }, { name: 'index.json', data: '{"a":'.repeat(100_000) }]), 'INVALID_INPUT', /index\.json|nested|JSON/],
    ['an OCI archive with a blob that does not match its name', async () => {
      const bogus = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
      const name = 'a'.repeat(64);
      const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${name}`, size: bogus.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] };
      return makeTar([{ name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' }, { name: 'index.json', data: JSON.stringify(index) }, { name: `blobs/sha256/${name}`, data: bogus }]);
    }, 'DIGEST_MISMATCH', /digest/],
  ])('refuses %s, writing nothing', async (_name, build, code, message) => {
    await refused('oci-archive', await build(), code, message);
  });
});
