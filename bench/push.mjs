// A minimal pusher for the synthetic images: monolithic blob uploads (POST, then one PUT with
// the whole body) and manifest PUTs, straight to the source registry over plain http. It is
// independent of regctl on purpose: the thing measured must not prepare its own input.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';

const agent = new Agent({ connections: 16 });

/** `sha256:<hex>` of bytes. */
export const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function expectStatus(res, want, what) {
  if (res.statusCode === want) return res.body.dump();
  const text = await res.body.text();
  throw new Error(`${what}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
}

/**
 * Uploads one blob. `chunks` is an iterable of Buffers whose total is `desc.size` bytes.
 * @param {string} base `http://host:port` @param {string} repo
 * @param {{digest: string, size: number}} desc @param {Iterable<Buffer>} chunks
 */
export async function pushBlob(base, repo, desc, chunks) {
  const start = await request(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST', dispatcher: agent });
  const location = start.headers.location;
  await expectStatus(start, 202, `start upload to ${repo}`);
  const url = new URL(location, base);
  url.searchParams.set('digest', desc.digest);
  const put = await request(url, {
    method: 'PUT',
    dispatcher: agent,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
    body: Readable.from(chunks, { objectMode: false }),
  });
  await expectStatus(put, 201, `upload ${desc.digest} to ${repo}`);
}

/** PUTs a manifest under `reference` (tag or digest). */
export async function pushManifest(base, repo, reference, bytes, mediaType) {
  const res = await request(`${base}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT', dispatcher: agent, headers: { 'content-type': mediaType }, body: bytes,
  });
  await expectStatus(res, 201, `put manifest ${repo}:${reference}`);
}

/** The digest a registry reports for `repo:reference` (HEAD), or undefined when absent. */
export async function headDigest(base, repo, reference, accept) {
  const res = await request(`${base}/v2/${repo}/manifests/${reference}`, {
    method: 'HEAD', dispatcher: agent, headers: { accept },
  });
  await res.body.dump();
  return res.statusCode === 200 ? res.headers['docker-content-digest'] : undefined;
}

/** Closes pooled connections so the process can exit. */
export const closePusher = () => agent.close();
