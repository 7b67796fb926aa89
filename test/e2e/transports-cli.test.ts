/**
 * The CLI with local transports, as users run it: `regctl copy` into and out of oci:,
 * oci-archive: and docker-archive:, `inspect`, `digest` and `list` on them, and the acceptance
 * check of issue 6: a registry image copied to `docker-archive:x.tar:app:1` is pushed back by
 * skopeo with the same config digest.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushImage, pushIndex, targetFor, type BuiltImage, type PushedIndex } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { skopeo, skopeoInspectRaw } from '../harness/skopeo.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const PLATFORMS = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }];

describe('CLI with oci:, oci-archive: and docker-archive:', () => {
  let reg: RunningRegistry;
  let cfg: TempDockerConfig;
  let dir: string;
  let image: BuiltImage;
  let index: PushedIndex;
  const cli = (...args: string[]) => runCli(args, { env: cfg.env });

  beforeAll(async () => {
    reg = await startRegistry({ mode: 'anonymous' });
    cfg = await tempDockerConfig();
    dir = await mkdtemp(join(tmpdir(), 'regctl-e2e-transports-'));
    image = await pushImage(targetFor(reg, 'src/one'), 'src/one', '1', { layers: 2, layerSize: 20_000 });
    index = await pushIndex(targetFor(reg, 'src/multi'), 'src/multi', '1.0', PLATFORMS, { layers: 2, layerSize: 20_000 });
  });
  afterAll(async () => {
    await reg?.stop();
    await cfg?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('acceptance: registry -> docker-archive:x.tar:app:1 -> skopeo -> registry keeps the config digest', async () => {
    const r = await cli('-q', 'copy', `${reg.host}/src/one:1`, `docker-archive:${dir}/x.tar:app:1`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`docker-archive:${dir}/x.tar@${image.digest}\n`);
    await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${dir}/x.tar`, `docker://${reg.host}/back/one:1`]);
    const pushed = JSON.parse((await skopeoInspectRaw(`${reg.host}/back/one:1`, { tlsVerify: false })).toString()) as { config: { digest: string } };
    expect(pushed.config.digest).toBe(image.config.digest);
    const config = await cli('inspect', '--config', `${reg.host}/back/one:1`);
    expect(sha256(Buffer.from(config.stdout))).toBe(image.config.digest);
  });

  it('refuses an index for docker-archive without --platform, before writing anything', async () => {
    const r = await cli('copy', `${reg.host}/src/multi:1.0`, `docker-archive:${dir}/multi.tar:app:1`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/multi-platform index and docker-archive:.*multi\.tar holds single images: choose one with --platform/);
    expect(r.stderr).toMatch(/linux\/amd64, linux\/arm64\/v8/);
    expect((await readdir(dir)).filter((f) => f.includes('multi') || f.startsWith('.'))).toEqual([]);

    const ok = await cli('copy', '--platform', 'linux/arm64', `${reg.host}/src/multi:1.0`, `docker-archive:${dir}/multi.tar:app:arm`, `docker-archive:${dir}/multi.tar:app:latest`);
    expect(ok.code).toBe(0);
    const arm = index.children.find((c) => c.platform.architecture === 'arm64')!;
    expect(ok.stdout).toBe(`docker-archive:${dir}/multi.tar@${arm.digest}\n`.repeat(2));
    const tags = await cli('list', `docker-archive:${dir}/multi.tar`);
    expect(tags).toMatchObject({ code: 0, stdout: 'app:arm\napp:latest\n' });
  });

  it('copies an index through oci: and oci-archive: back to a registry with its digest', async () => {
    const toOci = await cli('-q', 'copy', `${reg.host}/src/multi:1.0`, `oci:${dir}/layout:v1`, `oci-archive:${dir}/img.tar:v1`);
    expect(toOci).toMatchObject({ code: 0, stderr: '' });
    expect(toOci.stdout).toBe(`oci:${dir}/layout@${index.digest}\noci-archive:${dir}/img.tar@${index.digest}\n`);
    const back = await cli('copy', `oci-archive:${dir}/img.tar:v1`, `${reg.host}/back/multi:1.0`);
    expect(back).toMatchObject({ code: 0, stdout: `${reg.host}/back/multi@${index.digest}\n` });
    const again = await cli('copy', `oci:${dir}/layout`, `${reg.host}/back/multi2:1.0`);
    expect(again).toMatchObject({ code: 0, stdout: `${reg.host}/back/multi2@${index.digest}\n` });
  });

  it('inspects, digests and lists local references', async () => {
    const arm = index.children.find((c) => c.platform.architecture === 'arm64')!;
    expect(await cli('digest', `oci:${dir}/layout:v1`)).toMatchObject({ code: 0, stdout: `${index.digest}\n` });
    expect(await cli('digest', '--platform', 'linux/arm64', `oci-archive:${dir}/img.tar:v1`)).toMatchObject({ code: 0, stdout: `${arm.digest}\n` });
    const raw = await cli('inspect', '--raw', `oci-archive:${dir}/img.tar:v1`);
    expect(raw.stdout).toBe(index.manifest.toString('utf8'));
    const summary = await cli('--json', 'inspect', `docker-archive:${dir}/x.tar:app:1`);
    expect(summary.code).toBe(0);
    const s = JSON.parse(summary.stdout) as { config: { digest: string }; platform: object; reference: string };
    expect(s.config.digest).toBe(image.config.digest);
    expect(s.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(s.reference).toBe(`docker-archive:${dir}/x.tar:app:1`);
    const config = await cli('inspect', '--config', `docker-archive:${dir}/x.tar`);
    expect(sha256(Buffer.from(config.stdout))).toBe(image.config.digest);
    expect(await cli('list', `oci:${dir}/layout`)).toMatchObject({ code: 0, stdout: 'v1\n' });
    expect(await cli('list', `oci-archive:${dir}/img.tar`)).toMatchObject({ code: 0, stdout: 'v1\n' });
  });

  it('reports bad local references and missing files with the right exit codes', async () => {
    const missing = await cli('copy', `oci-archive:${dir}/nope.tar`, `oci:${dir}/out`);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/nope\.tar: no such file/);
    const bad = await cli('digest', 'oci:');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no path after oci:/);
    const notOci = await cli('copy', `${reg.host}/src/one:1`, `oci-archive:${dir}/x.tar`);
    expect(notOci.code).toBe(2);
    expect(notOci.stderr).toMatch(/exists and is not an OCI archive; refusing to replace it/);
  });
});
