#!/usr/bin/env node
// The quick-start demo: starts two throw-away CNCF distribution registries on loopback, pushes
// a small two-platform image into the first with the regctl library, then copies it to the
// second with the regctl command and inspects the result. Everything is removed at the end.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegistryClient, StaticCredentials, MediaType } from '../dist/index.js';

const bin = fileURLToPath(new URL('../bin/regctl.js', import.meta.url));
const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function freePort() {
  const srv = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function startRegistry() {
  const dir = mkdtempSync(join(tmpdir(), 'regctl-demo-'));
  const port = await freePort();
  const config = { version: 0.1, log: { level: 'error' }, storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } }, http: { addr: `127.0.0.1:${port}` } };
  writeFileSync(join(dir, 'config.yml'), JSON.stringify(config));
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v2/`)).ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host: `127.0.0.1:${port}`, stop: () => { child.kill(); rmSync(dir, { recursive: true, force: true }); } };
}

async function pushDemoImage(host) {
  const client = new RegistryClient({ credentials: new StaticCredentials({}) });
  const reg = client.registry(host);
  const put = async (bytes) => {
    const desc = { digest: sha256(bytes), size: bytes.length };
    await reg.uploadBlob('demo/hello', desc, () => bytes);
    return desc;
  };
  const children = [];
  for (const architecture of ['amd64', 'arm64']) {
    const layer = await put(randomBytes(64 * 1024));
    const config = await put(Buffer.from(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    }));
    const digest = await reg.putManifest('demo/hello', sha256(manifest), manifest, MediaType.OciManifest);
    children.push({ mediaType: MediaType.OciManifest, digest, size: manifest.length, platform: { os: 'linux', architecture } });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: children }));
  await reg.putManifest('demo/hello', '1.0', index, MediaType.OciIndex);
  await client.close();
}

const regctl = (...args) => {
  console.log(`$ regctl ${args.join(' ')}`);
  process.stdout.write(execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' }));
};

const [a, b] = await Promise.all([startRegistry(), startRegistry()]);
try {
  await pushDemoImage(a.host);
  regctl('copy', `${a.host}/demo/hello:1.0`, `${b.host}/mirror/hello:1.0`);
  regctl('inspect', `${b.host}/mirror/hello:1.0`);
  regctl('list', `${b.host}/mirror/hello`);
} finally {
  a.stop();
  b.stop();
}
