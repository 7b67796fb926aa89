import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushIndex, pushImage, targetFor, type PushedIndex } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { skopeo, skopeoInspectRaw } from '../harness/skopeo.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const PLATFORMS = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }];

describe('CLI against two anonymous registries', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let cfg: TempDockerConfig;
  let index: PushedIndex;
  const cli = (...args: string[]) => runCli(args, { env: cfg.env });

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    cfg = await tempDockerConfig();
    index = await pushIndex(targetFor(a, 'src/app'), 'src/app', '1.0', PLATFORMS, { layers: 2, layerSize: 4096 });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await cfg?.cleanup();
  });

  it('copies a two-platform index with the same digest (checked by skopeo)', async () => {
    const r = await cli('-q', 'copy', `${a.host}/src/app:1.0`, `${b.host}/dst/app:1.0`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${b.host}/dst/app@${index.digest}`);
    const raw = await skopeoInspectRaw(`${b.host}/dst/app:1.0`, { tlsVerify: false });
    expect(sha256(raw)).toBe(index.digest);
    expect(raw.equals(index.manifest)).toBe(true);
    // every child is there by digest, so the index is complete
    for (const child of index.children) {
      expect(sha256(await skopeoInspectRaw(`${b.host}/dst/app@${child.digest}`, { tlsVerify: false }))).toBe(child.digest);
    }
  });

  it('copies only linux/arm64 with --platform, keeping that manifest digest', async () => {
    const arm = index.children.find((c) => c.platform.architecture === 'arm64')!;
    const r = await cli('copy', '--platform', 'linux/arm64', `${a.host}/src/app:1.0`, `${b.host}/dst/arm:1.0`);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${b.host}/dst/arm@${arm.digest}`);
    expect(sha256(await skopeoInspectRaw(`${b.host}/dst/arm:1.0`, { tlsVerify: false }))).toBe(arm.digest);
  });

  it('prints digests, inspects, tags, lists and deletes a single tag', async () => {
    const d = await cli('digest', `${a.host}/src/app:1.0`);
    expect(d).toMatchObject({ code: 0, stdout: `${index.digest}\n` });

    const raw = await runCli(['inspect', '--raw', `${a.host}/src/app:1.0`], { env: cfg.env });
    expect(raw.stdout).toBe(index.manifest.toString('utf8'));

    const human = await cli('inspect', `${a.host}/src/app:1.0`);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('linux/arm64/v8');
    expect(human.stdout).toContain(index.digest);

    const json = JSON.parse((await cli('--json', 'inspect', '--platform', 'linux/amd64', `${a.host}/src/app:1.0`)).stdout);
    const amd = index.children.find((c) => c.platform.architecture === 'amd64')!;
    expect(json).toMatchObject({ digest: amd.digest, platform: { os: 'linux', architecture: 'amd64' }, config: { digest: amd.config.digest } });

    const config = await cli('inspect', '--config', '--platform', 'linux/amd64', `${a.host}/src/app:1.0`);
    expect(sha256(Buffer.from(config.stdout))).toBe(amd.config.digest);

    expect((await cli('tag', `${a.host}/src/app:1.0`, 'stable', 'prod')).code).toBe(0);
    const tags = await cli('list', `${a.host}/src/app`);
    expect(tags.stdout.trim().split('\n').sort()).toEqual(['1.0', 'prod', 'stable']);

    const del = await cli('delete', `${a.host}/src/app:stable`);
    expect(del.code).toBe(0);
    const after = await cli('list', `${a.host}/src/app`);
    expect(after.stdout.trim().split('\n').sort()).toEqual(['1.0', 'prod']);
    // the other tags on the same digest survive, with their content
    expect((await cli('digest', `${a.host}/src/app:prod`)).stdout.trim()).toBe(index.digest);

    const repos = await cli('list', a.host);
    expect(repos.stdout.split('\n')).toContain('src/app');
  });

  it('deletes a manifest by digest', async () => {
    const img = await pushImage(targetFor(a, 'src/gone'), 'src/gone', 'v1');
    expect((await cli('delete', `${a.host}/src/gone@${img.digest}`)).code).toBe(0);
    const r = await cli('digest', `${a.host}/src/gone:v1`);
    expect(r.code).toBe(4);
  });

  it('exits 4 on a missing tag and 2 on a malformed reference', async () => {
    const missing = await cli('inspect', `${a.host}/src/app:nope`);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/MANIFEST_UNKNOWN|not found|unknown/i);
    const bad = await cli('inspect', `${a.host}/Src/App:1`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be lowercase');
    const badTag = await cli('tag', `${a.host}/src/app:1.0`, 'bad tag!');
    expect(badTag.code).toBe(2);
  });

  it('reads what skopeo pushed, and skopeo reads what regctl pushed', async () => {
    await skopeo(['copy', '--all', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${a.host}/src/app:1.0`, `docker://${b.host}/by-skopeo/app:1.0`]);
    const viaSkopeo = sha256(await skopeoInspectRaw(`${b.host}/by-skopeo/app:1.0`, { tlsVerify: false }));
    const r = await cli('copy', `${b.host}/by-skopeo/app:1.0`, `${a.host}/back/app:1.0`);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${a.host}/back/app@${viaSkopeo}`);
    // skopeo pulls every blob regctl pushed, verifying digests, into an OCI layout
    const out = await skopeo(['copy', '--all', '--src-tls-verify=false', `docker://${a.host}/back/app:1.0`, `oci:${cfg.dir}/layout:x`]);
    expect(out).toMatch(/Writing manifest|Storing signatures/);
  });
});
