/**
 * A registry that serves hostile manifests, copied from into a real distribution registry with
 * the CLI: over the 4 MiB cap (announced, or streamed without end), a JSON nesting bomb, bytes
 * that do not hash to the digest asked for, and a Docker-Content-Digest header that disagrees
 * with the body. Each ends with a clear error and exit code, quickly, and nothing is written at
 * the destination: no manifest, no tag, no blob.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { digestOf, send, sendManifest, startHostileRegistry, type HostileRegistry } from '../harness/faults/hostile-registry.js';
import { storedManifests } from '../harness/faults/verify.js';
import { buildImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MiB = 1024 * 1024;

describe('hostile manifests', () => {
  let evil: HostileRegistry;
  let dst: RunningRegistry;
  let n = 0;
  let streamed = 0;
  const image = buildImage({ seed: 'abuse' });
  const other = buildImage({ seed: 'abuse-other' });

  beforeAll(async () => {
    [evil, dst] = await Promise.all([startHostileRegistry(), startRegistry({ mode: 'anonymous' })]);
    // Both images' blobs: a copy that let itself be fooled would succeed, and the test would see it.
    evil.route('GET', /^\/v2\/app\/blobs\/(sha256:[a-f0-9]{64})$/, (req, res, url) => {
      const digest = url.pathname.split('/').pop()!;
      const blob = image.blobs.get(digest) ?? other.blobs.get(digest);
      if (!blob) return send(res, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
      res.writeHead(200, { 'content-length': String(blob.length), 'content-type': 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : blob);
    });
    const padded = (size: number) => {
      const base = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: image.config, layers: image.layers, annotations: { pad: '' } });
      return Buffer.from(base.replace('"pad":""', `"pad":"${'x'.repeat(size - base.length)}"`));
    };
    const big = padded(4 * MiB + 1);
    evil.route('GET', '/v2/app/manifests/big', (req, res) => sendManifest(req, res, big, OCI_MANIFEST));
    evil.route('GET', `/v2/app/manifests/${digestOf(big)}`, (req, res) => sendManifest(req, res, big, OCI_MANIFEST));
    // No Content-Length and no end: only the client's own cap stops it.
    evil.route('GET', '/v2/app/manifests/endless', (req, res) => {
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      if (req.method === 'HEAD') return void res.end();
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) streamed += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      res.write('{"schemaVersion":2,"annotations":{"a":"');
      pump();
    });
    const bomb = Buffer.from(`{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","annotations":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    evil.route('GET', '/v2/app/manifests/bomb', (req, res) => sendManifest(req, res, bomb, OCI_MANIFEST));
    evil.route('GET', `/v2/app/manifests/${digestOf(bomb)}`, (req, res) => sendManifest(req, res, bomb, OCI_MANIFEST));
    // Asked for the image's digest, it answers with another, complete and self-consistent image:
    // HEAD names the other digest, GET serves the other bytes.
    evil.route('GET', `/v2/app/manifests/${image.digest}`, (req, res) => sendManifest(req, res, other.manifest, OCI_MANIFEST));
    evil.route('GET', `/v2/app/manifests/${other.digest}`, (req, res) => sendManifest(req, res, other.manifest, OCI_MANIFEST));
    // By tag: the body is the image, the header claims another digest.
    evil.route('GET', '/v2/app/manifests/liar', (req, res) => sendManifest(req, res, image.manifest, OCI_MANIFEST, other.digest));
  });
  afterAll(async () => {
    await evil?.close();
    await dst?.stop();
  });

  async function copy(reference: string) {
    const repo = `abuse/${n++}`;
    const started = Date.now();
    const r = await runCli(['--plain-http', 'copy', `${evil.host}/app${reference}`, `${dst.host}/${repo}:v1`]);
    const stored = await storedManifests(dst, repo);
    const blobs = await readdir(join(dst.dataDir, 'docker/registry/v2/repositories', repo, '_layers/sha256')).catch(() => []);
    return { ...r, ms: Date.now() - started, stored, blobs };
  }

  const nothingWritten = (r: Awaited<ReturnType<typeof copy>>) => {
    expect(r.stdout).toBe('');
    expect(r.stored).toEqual({ tags: [], revisions: [] });
    expect(r.blobs).toEqual([]);
  };

  it('refuses a manifest over 4 MiB (TOO_LARGE, exit 1)', async () => {
    const r = await copy(':big');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: manifest .*exceeds the 4194304-byte limit/m);
    nothingWritten(r);
  });

  it('stops reading a manifest that never ends at the cap', async () => {
    const r = await copy(':endless');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exceeds the 4194304-byte limit/);
    nothingWritten(r);
    // What the server managed to push before the client hung up: the cap plus socket buffers.
    expect(streamed).toBeLessThan(64 * MiB);
  });

  it('refuses a JSON nesting bomb without a stack overflow (INVALID_INPUT, exit 2)', async () => {
    const r = await copy(':bomb');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: invalid manifest: JSON nested deeper than 64 levels/m);
    expect(r.stderr).not.toMatch(/RangeError|Maximum call stack/);
    nothingWritten(r);
  });

  it('refuses another image served for the digest asked for, even when HEAD agrees with it (DIGEST_MISMATCH)', async () => {
    const r = await copy(`@${image.digest}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: manifest .*@${image.digest}: content digest ${other.digest} does not match ${image.digest}`, 'm'));
    nothingWritten(r);
  });

  it('refuses a Docker-Content-Digest header that disagrees with the body (DIGEST_MISMATCH)', async () => {
    const r = await runCli(['--plain-http', 'inspect', `${evil.host}/app:liar`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: manifest .*:liar: content digest ${image.digest} does not match ${other.digest}`, 'm'));
    expect(r.stdout).toBe('');
  });
});
