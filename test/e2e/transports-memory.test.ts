/**
 * Memory stays independent of layer size through the local transports: the peak RSS of
 * `regctl copy` with a 128 MiB layer, for oci -> oci-archive -> docker-archive -> oci, is
 * compared with the same copies of a 64 KiB layer. Holding the layer in memory anywhere along
 * the way would add its whole size to the peak.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MiB = 1024 * 1024;

/** Writes an OCI layout holding one image with one uncompressed layer of `size` bytes. */
async function layout(dir: string, size: number): Promise<void> {
  // A zero block first: random bytes could start with a compression magic number by chance.
  const layer = Buffer.concat([Buffer.alloc(512), randomBytes(size - 512)]);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
  }));
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of [layer, config, manifest]) await writeFile(join(dir, 'blobs', 'sha256', sha(b).slice(7)), b);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{
    mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length,
    annotations: { 'org.opencontainers.image.ref.name': 'v1' },
  }] }));
}

describe('peak memory of local copies', () => {
  let dir: string;
  let cfg: TempDockerConfig;
  let wrapper: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regctl-memory-'));
    cfg = await tempDockerConfig();
    // Runs the real CLI and records its peak RSS (KiB) when the process exits. VmHWM, not
    // getrusage's maxRSS: on Linux the latter keeps the high-water mark of the forking parent
    // (here a vitest worker) across exec.
    wrapper = join(dir, 'measure.mjs');
    await writeFile(wrapper, [
      "import { readFileSync, writeFileSync } from 'node:fs';",
      "process.on('exit', () => writeFileSync(process.env.RSS_FILE, /VmHWM:\\s*(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]));",
      `await import(${JSON.stringify(CLI_BIN)});`,
    ].join('\n'));
    await Promise.all([layout(join(dir, 'small', 'src'), 64 * 1024), layout(join(dir, 'big', 'src'), 128 * MiB)]);
  });
  afterAll(async () => {
    await cfg?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs `regctl copy from to` inside `base`; returns the peak RSS in MiB. */
  async function peak(base: string, from: string, to: string): Promise<number> {
    const rssFile = join(base, 'rss');
    const r = await runCli(['copy', from.replace('B', base), to.replace('B', base)], { script: wrapper, env: { ...cfg.env, RSS_FILE: rssFile }, timeoutMs: 60_000 });
    expect(r, r.stderr).toMatchObject({ code: 0 });
    return Number(await readFile(rssFile, 'utf8')) / 1024;
  }

  it.each([
    ['oci -> oci-archive', 'oci:B/src:v1', 'oci-archive:B/img.tar:v1'],
    ['oci-archive -> docker-archive', 'oci-archive:B/img.tar:v1', 'docker-archive:B/docker.tar:app:1'],
    ['docker-archive -> oci', 'docker-archive:B/docker.tar:app:1', 'oci:B/back:v1'],
  ])('%s: a 128 MiB layer costs less than half its size more than a 64 KiB one', async (_what, from, to) => {
    const small = await peak(join(dir, 'small'), from, to);
    const big = await peak(join(dir, 'big'), from, to);
    expect(big - small, `peak RSS ${big.toFixed(0)} MiB vs ${small.toFixed(0)} MiB`).toBeLessThan(64);
  });
});
