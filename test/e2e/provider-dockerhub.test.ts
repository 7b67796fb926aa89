import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerHub, type DockerHubEmulator } from '../emulators/dockerhub.js';
import { upstreamTags } from '../emulators/proxy.js';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushImage, pushIndex, targetFor, type BuiltImage, type PushedIndex } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const USER = 'hubuser';
const PAT = 'dckr_pat_e2e-Secret-0123456789';

// regctl against an emulated Docker Hub (registry-1.docker.io, auth.docker.io, hub.docker.com
// on one loopback port, reached through REGCTL_CONNECT_TO) and a plain local registry for the
// other side of each copy. References are written as users write them: `alpine`, `docker.io/...`.
describe('Docker Hub (emulated)', () => {
  let hub: DockerHubEmulator;
  let local: RunningRegistry;
  let cfg: TempDockerConfig;
  let alpine: PushedIndex;
  let app: BuiltImage;
  const cli = (...args: string[]) => runCli(['--ca-file', hub.caFile, ...args], { env: { ...cfg.env, ...hub.env } });

  beforeAll(async () => {
    local = await startRegistry({ mode: 'anonymous' });
    // 4 emulated minutes per uploaded blob: a copy of a few layers outlives the 5-minute token.
    hub = await startDockerHub({ users: { [USER]: PAT }, advancePerUploadMs: 4 * 60_000, maxPageSize: 2 });
    cfg = await tempDockerConfig();
    alpine = await pushIndex(targetFor(hub.upstream, 'library/alpine'), 'library/alpine', '3.20', [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]);
    app = await pushImage(targetFor(local, 'team/app'), 'team/app', '1', { layers: 4, layerSize: 2048 });
    for (const r of ['other-a', 'other-b', 'other-c']) await pushImage(targetFor(hub.upstream, `${USER}/${r}`), `${USER}/${r}`, 'x');
  });
  afterAll(async () => {
    await hub?.close();
    await local?.stop();
    await cfg?.cleanup();
  });

  it('pulls anonymously, and inspect --verbose shows the remaining pulls', async () => {
    const before = hub.remaining;
    const r = await cli('--verbose', 'inspect', 'alpine:3.20');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Digest:     ${alpine.digest}`);
    expect(r.stdout).toMatch(new RegExp(`RateLimit: +${before - 1} of 100 pulls left per 6 h \\(counted for 192\\.0\\.2\\.10\\)`));
    expect(r.stderr).not.toMatch(/warning/);
    const json = JSON.parse((await cli('--json', '--verbose', 'inspect', 'docker.io/library/alpine:3.20')).stdout);
    expect(json.rateLimit).toEqual({ remaining: before - 2, limit: 100, windowSeconds: 21600, source: '192.0.2.10' });
  });

  it('spends no pull where a HEAD does (digest)', async () => {
    const before = hub.remaining;
    const r = await cli('digest', 'index.docker.io/library/alpine:3.20');
    expect(r.stdout.trim()).toBe(alpine.digest);
    expect(hub.remaining).toBe(before);
  });

  it('warns when the pulls run low, and fails with RATE_LIMITED when they are gone', async () => {
    hub.remaining = 5;
    const low = await cli('inspect', 'alpine:3.20');
    expect(low.code, low.stderr).toBe(0);
    expect(low.stderr).toMatch(/warning: docker\.io: 4 of 100 pulls left per 6 h.*429/);
    hub.remaining = 0;
    const out = await cli('--json', 'inspect', 'alpine:3.20');
    expect(out.code, out.stderr).toBe(1);
    expect(JSON.parse(out.stdout).error.code).toBe('RATE_LIMITED');
    hub.remaining = 100;
  }, 60_000);

  it('copies from Docker Hub to another registry', async () => {
    const r = await cli('-q', 'copy', 'alpine:3.20', `${local.host}/mirror/alpine:3.20`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`${local.host}/mirror/alpine@${alpine.digest}`);
  });

  it('logs in with a personal access token, saved under docker\'s Hub key', async () => {
    const bad = await runCli(['--ca-file', hub.caFile, 'login', 'docker.io', '-u', USER, '--password-stdin'], { env: { ...cfg.env, ...hub.env }, input: 'wrong-token-123' });
    expect(bad.code, bad.stderr).toBe(3);
    // --no-keychain: this pins the base64 entry under docker's Hub key.
    const r = await runCli(['--ca-file', hub.caFile, 'login', '--no-keychain', 'docker.io', '-u', USER, '--password-stdin'], { env: { ...cfg.env, ...hub.env }, input: `${PAT}\n` });
    expect(r.stderr).toBe('');
    expect(r.code, r.stderr).toBe(0);
    const saved = await cfg.read();
    expect(Buffer.from(saved.auths['https://index.docker.io/v1/'].auth, 'base64').toString()).toBe(`${USER}:${PAT}`);
  });

  it('copies to Docker Hub through several token expiries, then tags and lists', async () => {
    const expiredBefore = hub.tokens.expiredSeen;
    const r = await cli('-q', 'copy', '--concurrency', '1', `${local.host}/team/app:1`, `docker.io/${USER}/app:1`);
    expect(r.stderr).toBe('');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`docker.io/${USER}/app@${app.digest}`);
    // 5 blobs at 4 emulated minutes each: the first token expired during the copy.
    expect(hub.tokens.expiredSeen).toBeGreaterThan(expiredBefore);
    hub.settings.advancePerUploadMs = 0;
    expect((await upstreamTags(hub.upstream, `${USER}/app`)).get('1')).toBe(app.digest);

    expect((await cli('tag', `${USER}/app:1`, 'keep')).code).toBe(0);
    expect((await cli('list', `docker.io/${USER}/app`)).stdout.trim().split('\n').sort()).toEqual(['1', 'keep']);
  });

  it('lists a namespace through the Hub API (paged), and the login\'s own with no namespace', async () => {
    const expected = [`${USER}/app`, `${USER}/other-a`, `${USER}/other-b`, `${USER}/other-c`];
    const ns = await cli('list', `${USER}/`);
    expect(ns.code, ns.stderr).toBe(0);
    expect(ns.stdout.trim().split('\n').sort()).toEqual(expected);
    expect(hub.requests.filter((q) => q.host === 'hub.docker.com' && q.path.includes('page=2')).length).toBeGreaterThan(0);
    expect((await cli('list', 'docker.io')).stdout.trim().split('\n').sort()).toEqual(expected);
    const lib = await cli('--json', 'list', 'docker.io/library/');
    expect(JSON.parse(lib.stdout)).toEqual({ registry: 'docker.io', namespace: 'library', repositories: ['library/alpine'] });
  });

  it('deletes one tag through the Hub API; the other tag and the image stay', async () => {
    const r = await cli('--json', 'delete', `docker.io/${USER}/app:1`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ deleted: `docker.io/${USER}/app:1`, method: 'provider-api' });
    expect([...(await upstreamTags(hub.upstream, `${USER}/app`)).keys()]).toEqual(['keep']);
    expect((await cli('digest', `${USER}/app:keep`)).stdout.trim()).toBe(app.digest);
    const again = await cli('delete', `docker.io/${USER}/app:1`);
    expect(again.code, again.stderr).toBe(4);
  });

  it('refuses a push to another namespace with exit code 3', async () => {
    const r = await cli('copy', `${local.host}/team/app:1`, 'docker.io/library/app:1');
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout + r.stderr).not.toContain(PAT);
  });

  it('needs a login to delete a tag', async () => {
    const anon = await tempDockerConfig();
    try {
      const r = await runCli(['--ca-file', hub.caFile, 'delete', `docker.io/${USER}/app:keep`], { env: { ...anon.env, ...hub.env } });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/needs a login/);
    } finally {
      await anon.cleanup();
    }
  });
});
