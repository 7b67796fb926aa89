/**
 * `regctl sync` from an emulated Docker Hub (test/emulators/dockerhub.ts: `ratelimit-*` headers,
 * a manifest GET counts as a pull, a HEAD does not, 429 once the quota is gone) to a local
 * registry: the `--ratelimit-min` budget stops pulls before the quota falls below it, reports
 * what is left, and the next run picks up the rest spending pulls only on what it copies.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerHub, type DockerHubEmulator } from '../emulators/dockerhub.js';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushImage, targetFor } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const NAMES = ['img-a', 'img-b', 'img-c', 'img-d', 'img-e', 'img-f'];

describe('regctl sync from Docker Hub (emulated) with a pull budget', () => {
  let hub: DockerHubEmulator;
  let local: RunningRegistry;
  let cfg: TempDockerConfig;
  let dir: string;
  const cli = (args: string[]) => runCli(['--ca-file', hub.caFile, ...args], { env: { ...cfg.env, ...hub.env } });
  const file = (prefix: string) => join(dir, `${prefix}.yaml`);

  beforeAll(async () => {
    local = await startRegistry({ mode: 'anonymous' });
    hub = await startDockerHub({ pullLimit: 100 });
    cfg = await tempDockerConfig();
    dir = await mkdtemp(join(tmpdir(), 'regctl-sync-hub-'));
    for (const n of NAMES) await pushImage(targetFor(hub.upstream, `library/${n}`), `library/${n}`, '1', { layerSeeds: ['base', n] });
    for (const prefix of ['budget', 'gone']) {
      // `library` is Docker Hub's official-images namespace, listed through the Hub API.
      await writeFile(file(prefix), `sources:\n  - namespace: library\n    tags: { include: '^1$' }\ndestinations: ['--plain--/${prefix}/{name}']\n`.replace('--plain--', local.host));
    }
  });
  afterAll(async () => {
    await hub?.close();
    await local?.stop();
    await cfg?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stops pulling at --ratelimit-min, reports what is left (exit 75), and the next run finishes with no pull wasted', async () => {
    hub.remaining = 5;
    const first = await cli(['sync', '--ratelimit-min', '2', '--image-concurrency', '3', file('budget')]);
    expect(first.code, first.stderr).toBe(75);
    // Never below the budget; every pull spent was one image copied (single-manifest images).
    expect(hub.remaining).toBeGreaterThanOrEqual(2);
    const rows = (status: string) => (first.stdout.match(new RegExp(`^docker\\.io/library/\\S+\\s+${status}\\s`, 'gm')) ?? []).length;
    const copied = rows('copied');
    const deferred = rows('deferred');
    expect(copied).toBe(5 - hub.remaining);
    expect(copied).toBeGreaterThanOrEqual(1);
    expect(copied + deferred).toBe(NAMES.length);
    expect(first.stdout).toMatch(/^docker\.io\/library\/img-\w:1\s+deferred\s+-\s+\S+( s)?\s+docker\.io: \d pulls left; stopping before the quota falls below --ratelimit-min 2$/m);
    expect(first.stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`^6 images: ${copied} copied \\(.*\\), 0 up to date, ${deferred} left for the next run; `));
    expect(first.stderr).toMatch(/^docker\.io: pulls stopped with \d left \(--ratelimit-min 2\)$/m);
    expect(first.stderr).toMatch(/^docker\.io: \d of 100 pulls left per 6 h \(counted for 192\.0\.2\.10\)$/m);

    hub.remaining = 100;
    const second = await cli(['--json', 'sync', '--ratelimit-min', '2', file('budget')]);
    expect(second.code, second.stderr).toBe(0);
    const report = JSON.parse(second.stdout);
    expect(report.summary).toMatchObject({ copied: deferred, skipped: copied, deferred: 0, failed: 0 });
    // Images already mirrored cost a HEAD each, never a pull.
    expect(hub.remaining).toBe(100 - deferred);
    expect(report.budget).toEqual({ min: 2, stopped: [] });
    // The figure of whichever reply came last: concurrent replies arrive in any order.
    expect(report.rateLimits['docker.io']).toMatchObject({ remaining: expect.any(Number), limit: 100, windowSeconds: 21600 });
    expect(report.rateLimits['docker.io'].remaining).toBeGreaterThanOrEqual(100 - deferred);
  });

  it('after a 429, fails that image and leaves the rest of the registry for the next run', async () => {
    hub.remaining = 0;
    const r = await cli(['--json', 'sync', '--keep-going', '--image-concurrency', '1', file('gone')]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.images[0]).toMatchObject({ status: 'failed', error: { code: 'RATE_LIMITED' } });
    for (const i of report.images.slice(1)) expect(i).toMatchObject({ status: 'deferred', reason: 'docker.io answered 429 (rate limit); the rest is left for the next run' });
    // One image's manifest GET (and its retries) met the 429; the others sent nothing to Hub.
    expect(hub.requests.filter((q) => q.method === 'GET' && q.path.includes('/manifests/') && q.status === 429).length).toBeGreaterThanOrEqual(1);
    hub.remaining = 100;
  });
});
