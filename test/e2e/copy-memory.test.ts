/**
 * Memory stays bounded: `regctl copy` of an image with one large layer, run as a user would
 * (the built CLI in a child process), keeps its peak RSS under 120 MB. The peak is read by the
 * child itself (`process.resourceUsage().maxRSS`) through a two-line wrapper around the CLI,
 * so no external `time` tool is needed.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const LAYER_BYTES = 1 << 30;
/** 120 MB (decimal, as the issue states it) in the KiB that maxRSS reports. */
const RSS_LIMIT_KB = 120e6 / 1024;

/** Fast deterministic pseudo-random bytes: AES-256-CTR over zeros, in 1 MiB chunks. */
function* noise(size: number): Generator<Buffer> {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(1 << 20);
  for (let left = size; left > 0; left -= zeros.length) yield cipher.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
}

async function send(url: string, method: 'POST' | 'PATCH' | 'PUT', body?: Buffer | Readable, headers: Record<string, string> = {}) {
  const res = await request(url, { method, headers, ...(body && { body }) });
  await res.body.dump();
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode}`);
  return res;
}

/** Streams a blob into the registry (POST, one PATCH, PUT) and returns its descriptor. */
async function pushBlob(base: string, repo: string, chunks: () => Iterable<Buffer>, mediaType: string) {
  const hash = createHash('sha256');
  let size = 0;
  for (const c of chunks()) {
    hash.update(c);
    size += c.length;
  }
  const digest = `sha256:${hash.digest('hex')}`;
  const post = await send(`${base}/v2/${repo}/blobs/uploads/`, 'POST');
  const patch = await send(new URL(post.headers.location as string, base).toString(), 'PATCH', Readable.from(chunks()), { 'content-type': 'application/octet-stream' });
  const loc = new URL(patch.headers.location as string, base);
  loc.searchParams.set('digest', digest);
  await send(loc.toString(), 'PUT');
  return { mediaType, digest, size };
}

describe('memory', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let cfg: TempDockerConfig;
  let wrapperDir: string;
  let digest: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    cfg = await tempDockerConfig();
    wrapperDir = await mkdtemp(join(tmpdir(), 'regctl-rss-'));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const layer = await pushBlob(a.url, 'src/big', () => noise(LAYER_BYTES), OCI_LAYER_GZIP);
    const cfgDesc = await pushBlob(a.url, 'src/big', () => [config], OCI_CONFIG);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: cfgDesc, layers: [layer] }));
    await send(`${a.url}/v2/src/big/manifests/v1`, 'PUT', manifest, { 'content-type': OCI_MANIFEST });
    digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await cfg?.cleanup();
    if (wrapperDir) await rm(wrapperDir, { recursive: true, force: true });
  });

  it(`copies a ${LAYER_BYTES >> 20} MiB layer with peak RSS under 120 MB`, async () => {
    const wrapper = join(wrapperDir, 'rss.mjs');
    await writeFile(wrapper, [
      `process.on('exit', () => process.stderr.write('maxrss-kb=' + process.resourceUsage().maxRSS + '\\n'));`,
      `await import(${JSON.stringify(pathToFileURL(CLI_BIN).href)});`,
    ].join('\n'));
    const started = Date.now();
    const r = await runCli(['copy', `${a.host}/src/big:v1`, `${b.host}/dst/big:v1`], { env: cfg.env, script: wrapper, timeoutMs: 110_000 });
    const secs = (Date.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`${b.host}/dst/big@${digest}`);
    const rss = Number(/maxrss-kb=(\d+)/.exec(r.stderr)?.[1]);
    console.log(`copy of ${LAYER_BYTES >> 20} MiB: ${secs.toFixed(1)} s, peak RSS ${((rss * 1024) / 1e6).toFixed(1)} MB`);
    expect(rss).toBeGreaterThan(10 * 1024);
    expect(rss).toBeLessThan(RSS_LIMIT_KB);
  }, 120_000);
});
