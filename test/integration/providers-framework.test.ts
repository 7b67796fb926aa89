/**
 * The provider hooks as the core calls them, against real registries: credential normalisation,
 * the untag hook before the generic path, ensure-repository once per destination repository,
 * upload rules on the registry upload path, the list target grammar, and ProviderCredentials.
 * Providers are passed to the connection directly (`ConnectionOptions.provider`), so each hook is
 * exercised alone.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticCredentials } from '../../src/credentials/static.js';
import type { Credential } from '../../src/credentials/types.js';
import { untag } from '../../src/ops/delete.js';
import { listRepositories, parseListTarget } from '../../src/ops/list.js';
import { ProviderCredentials } from '../../src/providers/credentials.js';
import type { Provider } from '../../src/providers/types.js';
import { RegistryConnection } from '../../src/registry/connection.js';
import { Registry } from '../../src/registry/registry.js';
import { HttpClient } from '../../src/transport/http.js';
import { RegistryRepository } from '../../src/transports/registry.js';
import { startEmulator, upstreamTags, type Emulator } from '../emulators/proxy.js';
import { sha256Digest } from '../harness/fixture-bytes.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const none = new StaticCredentials({});

describe('provider hooks in the core', () => {
  let anon: RunningRegistry;
  let basic: RunningRegistry;
  let http: HttpClient;
  let image: BuiltImage;
  const registry = (host: string, provider: Provider, credentials = none, extra = {}) =>
    new Registry(new RegistryConnection(host, { http, credentials, provider, ...extra }));

  beforeAll(async () => {
    [anon, basic] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'basic' })]);
    http = new HttpClient({ ca: await readFile(basic.caFile!), retry: { max: 0 } });
    image = await pushImage(targetFor(anon, 'hooks/app'), 'hooks/app', 'v1');
  });
  afterAll(async () => {
    await http?.close();
    await Promise.all([anon?.stop(), basic?.stop()]);
  });

  it('applies normalizeCredential to what the credential chain finds', async () => {
    const [user, password] = Object.entries(basic.users)[0]!;
    const creds = new StaticCredentials({ [basic.host]: { username: 'stored-alias', password } });
    const plain = registry(basic.host, { name: 'plain', matches: () => true }, creds);
    await expect(plain.checkAuth()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const seen: Credential[] = [];
    const normalizing: Provider = {
      name: 'normalizing', matches: () => true,
      normalizeCredential: (host, c) => {
        seen.push(c);
        return { ...c, username: host === basic.host && c.username === 'stored-alias' ? user : c.username! };
      },
    };
    await registry(basic.host, normalizing, creds).checkAuth();
    expect(seen).toHaveLength(1);
  });

  it('asks the untag hook first, and takes the generic path when it declines', async () => {
    await pushImage(targetFor(anon, 'hooks/untag'), 'hooks/untag', 'a', { seed: 'untag' });
    await pushImage(targetFor(anon, 'hooks/untag'), 'hooks/untag', 'b', { seed: 'untag' });
    const calls: string[] = [];
    const handled: Provider = { name: 'api', matches: () => true, untag: async (_api, repo, tag) => (calls.push(`${repo}:${tag}`), true) };
    expect(await untag(registry(anon.host, handled), 'hooks/untag', 'a')).toBe('provider-api');
    expect(calls).toEqual(['hooks/untag:a']);
    expect([...(await upstreamTags(anon, 'hooks/untag')).keys()].sort()).toEqual(['a', 'b']);

    const declined: Provider = { name: 'declines', matches: () => true, untag: async () => false };
    expect(await untag(registry(anon.host, declined), 'hooks/untag', 'a')).toBe('placeholder');
    expect([...(await upstreamTags(anon, 'hooks/untag')).keys()]).toEqual(['b']);
  });

  it('runs ensureRepository once per destination repository before its first request, and retries a failure', async () => {
    const calls: Array<{ repo: string; create?: boolean }> = [];
    let fail = true;
    const ensuring: Provider = {
      name: 'ensuring', matches: () => true,
      ensureRepository: async (_api, repo, ctx) => {
        calls.push({ repo, ...(ctx.createRepository !== undefined && { create: ctx.createRepository }) });
        if (fail) throw Object.assign(new Error('not yet'), { code: 'X' });
      },
    };
    const reg = registry(anon.host, ensuring, none, { createRepositories: true });
    const dst = new RegistryRepository(reg, 'hooks/ensured', { destination: true });
    await expect(dst.headManifest('v1')).rejects.toThrow('not yet');
    fail = false;
    expect(await dst.headManifest('v1')).toBeUndefined();
    expect(await dst.hasBlob(image.config.digest)).toBe(false);
    await dst.putBlob(image.config, () => Readable.from([image.blobs.get(image.config.digest)!]), false);
    expect(calls).toEqual([{ repo: 'hooks/ensured', create: true }, { repo: 'hooks/ensured', create: true }]);
    // A source repository is only read: no hook.
    await new RegistryRepository(reg, 'hooks/app').headManifest('v1');
    expect(calls).toHaveLength(2);
  });

  it('lists through the provider hook, or the catalog narrowed to a namespace', async () => {
    const generic = registry(anon.host, { name: 'oci', matches: () => true });
    expect(await listRepositories(generic, 'hooks')).toEqual(expect.arrayContaining(['hooks/app']));
    expect((await listRepositories(generic, 'hooks')).every((r) => r.startsWith('hooks/'))).toBe(true);
    const listing: Provider = { name: 'lister', matches: () => true, listRepositories: async (_api, _ctx, ns) => [`listed/${ns ?? '*'}`] };
    expect(await listRepositories(registry(anon.host, listing), 'team')).toEqual(['listed/team']);
    expect(await listRepositories(registry(anon.host, listing))).toEqual(['listed/*']);
  });

  it('ProviderCredentials asks nothing for hosts without a credentials hook', async () => {
    const pc = new ProviderCredentials({ http });
    expect(await pc.get(anon.host)).toBeUndefined();
    expect(await pc.get('docker.io')).toBeUndefined();
  });
});

describe('upload rules on the registry upload path', () => {
  let emu: Emulator;
  let http: HttpClient;
  const patches: Array<{ range?: string; length: number }> = [];
  const puts: number[] = [];

  beforeAll(async () => {
    emu = await startEmulator({
      names: ['rules.example.test'],
      handler: (call) => {
        const length = Number(call.req.headers['content-length'] ?? 0);
        if (call.method === 'PATCH') patches.push({ ...(call.req.headers['content-range'] && { range: call.req.headers['content-range'] }), length });
        if (call.method === 'PUT' && call.url.pathname.includes('/blobs/uploads/')) puts.push(length);
        // ECR answers a PATCH with 201 instead of 202 (REGISTRIES.md, ECR).
        if (call.method === 'PATCH') return call.proxy({ status: (s) => (s === 202 ? 201 : s) });
        return false;
      },
    });
    http = new HttpClient({ ca: await readFile(emu.caFile), connectTo: emu.connectTo, retry: { max: 0 } });
  });
  afterAll(async () => {
    await http?.close();
    await emu?.close();
  });

  it('sends chunks of the minimum size and the last one in the closing PUT', async () => {
    const provider: Provider = { name: 'ecr-like', matches: () => true, uploadRules: { mode: 'chunked', minChunkSize: 1000, lastChunkInPut: true, untrustedRange: true } };
    const reg = new Registry(new RegistryConnection('rules.example.test', { http, credentials: none, provider }));
    const blob = randomBytes(3500);
    const desc = { digest: sha256Digest(blob), size: blob.length };
    await reg.uploadBlob('rules/app', desc, () => Readable.from([blob.subarray(0, 700), blob.subarray(700)]), { replayable: false });
    expect(patches).toEqual([
      { range: '0-999', length: 1000 }, { range: '1000-1999', length: 1000 }, { range: '2000-2999', length: 1000 },
    ]);
    expect(puts).toEqual([500]);
    expect(await reg.headBlob('rules/app', desc.digest)).toBe(3500);
  });

  it('uploads monolithically without rules', async () => {
    patches.length = 0;
    puts.length = 0;
    const reg = new Registry(new RegistryConnection('rules.example.test', { http, credentials: none, provider: { name: 'oci', matches: () => true } }));
    const blob = randomBytes(2500);
    await reg.uploadBlob('rules/app', { digest: sha256Digest(blob), size: blob.length }, () => blob);
    expect(patches).toEqual([]);
    expect(puts).toEqual([2500]);
  });
});

describe('parseListTarget', () => {
  it.each([
    ['ghcr.io', { kind: 'registry', registry: 'ghcr.io' }],
    ['localhost:5000/', { kind: 'registry', registry: 'localhost:5000' }],
    ['docker.io/', { kind: 'registry', registry: 'docker.io' }],
    ['alpine', { kind: 'repository', registry: 'docker.io', repository: 'library/alpine' }],
    ['docker.io/myuser', { kind: 'repository', registry: 'docker.io', repository: 'library/myuser' }],
    ['myuser/', { kind: 'namespace', registry: 'docker.io', namespace: 'myuser' }],
    ['docker.io/library/', { kind: 'namespace', registry: 'docker.io', namespace: 'library' }],
    ['harbor.example.com/proj/team/', { kind: 'namespace', registry: 'harbor.example.com', namespace: 'proj/team' }],
    ['127.0.0.1:5000/a/b', { kind: 'repository', registry: '127.0.0.1:5000', repository: 'a/b' }],
  ])('%s', (arg, target) => {
    expect(parseListTarget(arg)).toEqual(target);
  });

  it('refuses invalid names', () => {
    expect(() => parseListTarget('Bad Name/')).toThrow(/invalid/);
  });
});
