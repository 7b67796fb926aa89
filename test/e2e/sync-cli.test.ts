/**
 * `regctl sync` as users run it: a YAML file, two real registries, the table, --json, --dry-run,
 * exit codes, and shards from --shard and from JOB_COMPLETION_INDEX.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamRepositories } from '../emulators/proxy.js';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const REPOS = ['team/api', 'team/web', 'team/worker', 'other/tool'];

describe('regctl sync', () => {
  let src: RunningRegistry;
  let dst: RunningRegistry;
  let cfg: TempDockerConfig;
  let dir: string;
  const built = new Map<string, BuiltImage>();
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(['--plain-http', ...args], { env: { ...cfg.env, ...env } });

  /** Writes a sync file syncing the `team` namespace into `prefix` on the destination. */
  async function syncFile(prefix: string, extra = ''): Promise<string> {
    const file = join(dir, `${prefix.replace(/\W/g, '_')}.yaml`);
    await writeFile(file, `# mirror the team images
sources:
  - namespace: ${src.host}/team
    tags:
      include: '^v'
${extra}
destinations:
  - ${dst.host}/${prefix}/{name}
options:
  concurrency: { images: 3 }
`);
    return file;
  }

  beforeAll(async () => {
    [src, dst] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    cfg = await tempDockerConfig();
    dir = await mkdtemp(join(tmpdir(), 'regctl-sync-e2e-'));
    for (const repo of REPOS) {
      for (const tag of ['v1', 'v2', 'dev']) built.set(`${repo}:${tag}`, await pushImage(targetFor(src, repo), repo, tag, { layerSeeds: ['base', `${repo}/${tag}`] }));
    }
  });
  afterAll(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
    await cfg?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('copies, prints a table per image, and a second run finds everything up to date', async () => {
    const file = await syncFile('mirror');
    const first = await cli(['sync', file]);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^SOURCE\s+STATUS\s+BYTES\s+TIME\s+DETAIL$/);
    for (const repo of REPOS.filter((r) => r.startsWith('team/'))) {
      for (const tag of ['v1', 'v2']) {
        expect(first.stdout).toMatch(new RegExp(`^${src.host}/${repo}:${tag}\\s+copied\\s+\\d.*-> ${dst.host}/mirror/${repo.split('/')[1]}:${tag}$`, 'm'));
      }
    }
    expect(first.stdout).not.toContain(':dev');
    expect(lines.at(-1)).toMatch(/^6 images: 6 copied \(\d+(\.\d)? (B|KiB)\), 0 up to date; \d+\.\d+ s$/);
    const again = await cli(['sync', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim().split('\n').at(-1)).toMatch(/^6 images: 0 copied \(0 B\), 6 up to date; /);
    expect(again.stdout).toMatch(new RegExp(`^${src.host}/team/api:v1\\s+up to date\\s+-\\s+`, 'm'));
  });

  it('--json lists every image with status, digest, bytes and time', async () => {
    const r = await cli(['--json', 'sync', await syncFile('mirror')]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary).toMatchObject({ skipped: 6, copied: 0, failed: 0, bytes: 0 });
    expect(out.images).toHaveLength(6);
    const api = out.images.find((i: { source: string }) => i.source === `${src.host}/team/api:v2`);
    expect(api).toMatchObject({ status: 'skipped', digest: built.get('team/api:v2')!.digest, bytes: 0, ms: expect.any(Number), destinations: [{ reference: `${dst.host}/mirror/api:v2`, status: 'skipped' }] });
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const r = await cli(['sync', '--dry-run', await syncFile('planned')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^SOURCE\s+PLAN\s+/);
    expect(r.stdout).toMatch(new RegExp(`^${src.host}/team/web:v1\\s+to copy\\s+\\d.*-> ${dst.host}/planned/web:v1$`, 'm'));
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^6 images: 6 to copy \(\d/);
    expect((await upstreamRepositories(dst)).filter((x) => x.startsWith('planned/'))).toEqual([]);
  });

  it('reports a failed image, goes on with --keep-going, and exits 1', async () => {
    const missing = `sha256:${'1'.repeat(64)}`;
    const file = await syncFile('partial', `  - repository: ${src.host}/other/tool\n    tags:\n      pin: { gone: '${missing}' }`);
    const r = await cli(['sync', '--keep-going', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${src.host}/other/tool:gone@${missing}\\s+FAILED\\s+-\\s+\\S+\\s+.*manifest unknown`, 'm'));
    expect(r.stdout).toMatch(/^7 images: 6 copied \(.*\), 0 up to date, 1 failed; /m);
    expect(r.stderr).toMatch(/^error: sync failed: 7 images: 6 copied/m);
    const json = await cli(['--json', 'sync', '--keep-going', file]);
    expect(json.code).toBe(1);
    const failed = JSON.parse(json.stdout).images.filter((i: { status: string }) => i.status === 'failed');
    expect(failed).toMatchObject([{ source: `${src.host}/other/tool:gone@${missing}`, error: { code: 'MANIFEST_UNKNOWN' } }]);
  });

  it('shards split the repositories: together they copy everything once, and JOB_COMPLETION_INDEX picks the shard', async () => {
    const file = await syncFile('sharded');
    const runs = [
      await cli(['--json', 'sync', '--shard', '0/2', file]),
      await cli(['--json', 'sync', '--shard-count', '2', file], { JOB_COMPLETION_INDEX: '1' }),
    ];
    const copied = runs.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).images.map((i: { source: string; status: string }) => (expect(i.status).toBe('copied'), i.source));
    });
    expect(copied.flat().sort()).toEqual(['api', 'web', 'worker'].flatMap((n) => ['v1', 'v2'].map((t) => `${src.host}/team/${n}:${t}`)).sort());
    expect(JSON.parse(runs[1]!.stdout).shard).toEqual({ index: 1, count: 2 });
    expect(JSON.parse(runs[0]!.stdout).otherShards + JSON.parse(runs[1]!.stdout).otherShards).toBe(3);
  });

  it('refuses a bad file with exit 2 naming the line, and bad shard flags as usage', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, `sources:\n  - repository: ${src.host}/team/api\n    tags:\n      newest: many\ndestinations: ['${dst.host}/x/{name}']\n`);
    const r = await cli(['sync', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:4:15: sources[0].tags.newest: must be a whole number from 1 up ("many" given)`);
    expect(r.stdout).toBe('');
    const shard = await cli(['sync', '--shard', '2/2', await syncFile('mirror')]);
    expect(shard.code).toBe(2);
    expect(shard.stderr).toContain('the shard index must be from 0 to 1');
    const noIndex = await cli(['sync', '--shard-count', '3', await syncFile('mirror')]);
    expect(noIndex.code).toBe(2);
    expect(noIndex.stderr).toContain('needs JOB_COMPLETION_INDEX');
  });
});
