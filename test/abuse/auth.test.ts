/**
 * Where credentials may go. An https registry that names a plain-http token realm is refused
 * before any credential is sent (as go-containerregistry does); one that names an https realm on
 * another host is followed, as docker does (Docker Hub's realm is auth.docker.io), and
 * `--verbose` names that host. Redirects to another origin never carry `Authorization`, and a
 * redirect from https to plain http is refused. No password, Basic header or token appears in
 * any output, `--verbose` included.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCerts, type CertPaths } from '../harness/certs.js';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { send, sendManifest, startHostileRegistry, type HostileRegistry } from '../harness/faults/hostile-registry.js';
import { findLeaks } from '../harness/faults/secrets.js';
import { storedManifests } from '../harness/faults/verify.js';
import { buildImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';

const USER = 'abuser';
const PASSWORD = 'Abuse-Suite-pw-93f1d2';
const TOKEN = 'opaque-registry-token-5e0c7a1b9d';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe('credentials stay where they belong', () => {
  let dir: string;
  let certs: CertPaths;
  let cfg: TempDockerConfig;
  const servers: HostileRegistry[] = [];
  const image = buildImage({ seed: 'abuse-auth' });
  const start = async (...args: Parameters<typeof startHostileRegistry>) => {
    const s = await startHostileRegistry(...args);
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regctl-abuse-auth-'));
    certs = await makeCerts(dir);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await cfg?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the CLI with the test credentials saved for `host` and checks that no secret leaked. */
  async function cli(host: string, ...args: string[]) {
    await cfg?.cleanup();
    cfg = await tempDockerConfig({ auths: { [host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } });
    const r = await runCli(['--ca-file', certs.caCert, ...args], { env: cfg.env });
    expect(findLeaks(`${r.stdout}\n${r.stderr}`, [PASSWORD, TOKEN], [[USER, PASSWORD]])).toEqual([]);
    return r;
  }

  /** Serves the test image's manifest and config to requests that carry `auth`, 401 otherwise. */
  function serveImage(reg: HostileRegistry, auth: string) {
    reg.route('GET', /^\/v2\/app\/(manifests|blobs)\//, (req, res, url) => {
      if (req.headers.authorization !== auth) return send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
      if (url.pathname.endsWith('/manifests/v1') || url.pathname.endsWith(`/manifests/${image.digest}`)) return sendManifest(req, res, image.manifest, OCI_MANIFEST);
      const blob = image.blobs.get(url.pathname.split('/').pop()!);
      if (!blob) return send(res, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.end(blob);
    });
  }

  it('refuses a plain-http token realm on an https registry before sending anything to it', async () => {
    const realm = await start();
    realm.route('GET', '/token', (_req, res) => send(res, 200, { token: TOKEN }));
    const reg = await start({ tls: certs, challenge: `Bearer realm="${realm.url}/token",service="evil"` });
    const r = await cli(reg.host, '--verbose', 'inspect', `${reg.host}/app:v1`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: refusing plain http token realm http:\/\/127\.0\.0\.1:\d+ announced by an https registry/m);
    expect(realm.requests).toEqual([]);
  });

  it('follows an https token realm on another host, as docker does, and says so with --verbose', async () => {
    const realm = await start({ tls: certs });
    realm.route('GET', '/token', (req, res) => (req.headers.authorization === BASIC ? send(res, 200, { token: TOKEN }) : send(res, 401, {})));
    const reg = await start({ tls: certs, challenge: `Bearer realm="https://localhost:${realm.host.split(':')[1]}/token",service="evil"` });
    serveImage(reg, `Bearer ${TOKEN}`);
    const r = await cli(reg.host, '--verbose', 'inspect', `${reg.host}/app:v1`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/a token from https:\/\/localhost:\d+\/token/);
    expect(realm.requests.map((q) => q.headers.authorization)).toEqual([BASIC]);
  });

  it('strips credentials from redirects to other origins, and refuses https -> http', async () => {
    const cdn = await start({ tls: certs });
    cdn.route('GET', /^\/cdn\//, (req, res, url) => {
      const [, , kind, digest] = url.pathname.split('/');
      const data = kind === 'manifest' ? image.manifest : image.blobs.get(digest!);
      res.writeHead(200, { 'content-length': String(data!.length), ...(kind === 'manifest' && { 'content-type': OCI_MANIFEST }) });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
    const plain = await start();
    const reg = await start({ tls: certs, challenge: 'Basic realm="evil"' });
    serveImage(reg, BASIC);
    const port = cdn.host.split(':')[1];
    // The manifest goes to the same host on another port, the config to another host name: both
    // are other origins.
    reg.route('GET', '/v2/app/manifests/moved', (req, res) => {
      req.resume();
      res.writeHead(307, { location: `https://127.0.0.1:${port}/cdn/manifest/x`, 'content-length': '0' }).end();
    });
    reg.route('GET', `/v2/app/blobs/${image.config.digest}`, (req, res) => {
      req.resume();
      res.writeHead(302, { location: `https://localhost:${port}/cdn/blob/${image.config.digest}?X-Amz-Signature=abc`, 'content-length': '0' }).end();
    });
    reg.route('GET', '/v2/app/manifests/down', (req, res) => {
      req.resume();
      res.writeHead(302, { location: `${plain.url}/v2/app/manifests/v1`, 'content-length': '0' }).end();
    });

    // A copy into a real registry reads the manifest and every blob, the config through the CDN.
    const dst = await startRegistry({ mode: 'anonymous' });
    let r;
    try {
      r = await cli(reg.host, '--verbose', 'copy', `${reg.host}/app:moved`, `${dst.host}/copied:v1`);
      expect(r.code, r.stderr).toBe(0);
      expect((await storedManifests(dst, 'copied')).tags).toEqual(['v1']);
    } finally {
      await dst.stop();
    }
    expect(new Set(cdn.requests.map((q) => q.path.replace(/\?.*/, '')))).toEqual(new Set(['/cdn/manifest/x', `/cdn/blob/${image.config.digest}`]));
    for (const q of cdn.requests) expect(q.headers.authorization).toBeUndefined();
    expect(r.stderr).toMatch(/credentials dropped/);
    // The presigned query is not shown either: it is a credential of its own.
    expect(r.stderr).not.toContain('X-Amz-Signature');

    const down = await cli(reg.host, 'inspect', `${reg.host}/app:down`);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/redirect to plain http .* refused/);
    expect(plain.requests).toEqual([]);
  });
});
