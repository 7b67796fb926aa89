/**
 * Cross-repository mounts within one token-auth distribution registry: every blob is mounted
 * with one token carrying both the destination's push and the source's pull scope, and no blob
 * is read; a mount the registry refuses (401/403, or 202 with an upload session) falls back to
 * an ordinary upload of that blob only.
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

describe('cross-repository mount (token auth)', () => {
  let reg: RunningRegistry;
  let proxy: FaultProxy;
  let client: RegistryClient;
  let image: BuiltImage;
  const repo = (name: string) => RegistryRepository.of(client, proxy.host, name);
  const blobs = () => [image.config, ...image.layers];

  beforeAll(async () => {
    reg = await startRegistry({ mode: 'token' });
    proxy = await startFaultProxy(reg.url);
    const [user, password] = Object.entries(reg.users)[0]!;
    client = new RegistryClient({ credentials: new StaticCredentials({ [proxy.host]: { username: user, password } }), plainHttp: true });
    image = await pushImage(targetFor(reg, 'team/src'), 'team/src', 'v1', { layers: 3, layerSize: 128 * 1024 });
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await reg?.stop();
  });

  it('mounts every blob with one token for both repositories and reads none', async () => {
    proxy.requests.length = 0;
    const events: CopyEvent[] = [];
    const result = await copyImage(repo('team/src'), 'v1', { repository: repo('team/dst'), tag: 'v1' }, { onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ digest: image.digest, stats: { blobsMounted: blobs().length, blobsCopied: 0, bytesCopied: 0 } });
    expect(events.filter((e) => e.type === 'blob-mount').map((e) => 'digest' in e && e.digest).sort()).toEqual(blobs().map((b) => b.digest).sort());
    const mounts = proxy.requests.filter((r) => r.method === 'POST' && r.path.includes('mount='));
    expect(mounts).toHaveLength(blobs().length);
    expect(mounts.every((r) => r.status === 201 && r.path.includes('from=team%2Fsrc'))).toBe(true);
    expect(proxy.requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/'))).toEqual([]);
    // The token behind the mounts named both scopes, push first (REGISTRIES.md, "Mount").
    const both = reg.tokenServer!.requests.filter((t) => t.scopes.includes('repository:team/src:pull') && t.scopes.some((s) => s.startsWith('repository:team/dst:')));
    expect(both.length).toBeGreaterThan(0);
    expect(both[0]!.scopes[0]).toMatch(/^repository:team\/dst:.*push/);
    expect((await client.registry(proxy.host).headManifest('team/dst', 'v1'))?.digest).toBe(image.digest);
  });

  it('falls back to an upload for a blob whose mount is refused, and for one answered 202', async () => {
    const [refused, deferred] = [image.layers[0]!, image.layers[1]!];
    proxy.requests.length = 0;
    proxy.addRule({ match: { method: 'POST', path: new RegExp(`mount=${encodeURIComponent(refused.digest)}`) }, fault: { type: 'status', status: 403, body: '{"errors":[{"code":"DENIED","message":"no"}]}' } });
    // A registry that will not mount opens an ordinary upload session instead (202 + Location).
    proxy.addRule({ match: { method: 'POST', path: new RegExp(`mount=${encodeURIComponent(deferred.digest)}`) }, fault: { type: 'status', status: 202, headers: { location: '/v2/team/other/blobs/uploads/not-a-session' } } });
    const events: CopyEvent[] = [];
    const result = await copyImage(repo('team/src'), 'v1', { repository: repo('team/other'), tag: 'v1' }, { onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ digest: image.digest, stats: { blobsMounted: blobs().length - 2, blobsCopied: 2 } });
    expect(events.filter((e) => e.type === 'blob-done').map((e) => 'digest' in e && e.digest).sort()).toEqual([refused.digest, deferred.digest].sort());
    // The session the 202 opened is cancelled rather than left to expire.
    expect(proxy.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/not-a-session'))).toBe(true);
    const reads = proxy.requests.filter((r) => r.method === 'GET' && /\/blobs\/sha256:/.test(r.path)).map((r) => r.path.split('/').pop());
    expect(reads.sort()).toEqual([refused.digest, deferred.digest].sort());
    expect((await client.registry(proxy.host).headManifest('team/other', 'v1'))?.digest).toBe(image.digest);
  });
});
