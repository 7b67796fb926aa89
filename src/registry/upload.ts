import type { Readable } from 'node:stream';
import { repositoryScope } from '../auth/scope.js';
import { RegctlError, isRegctlError } from '../errors.js';
import { createDigester } from '../ref/digest.js';
import type { UploadRules } from '../providers/types.js';
import type { HttpBody } from '../transport/types.js';
import { header } from '../transport/types.js';
import type { RegistryConnection } from './connection.js';
import { responseError } from './response-error.js';

const pushScope = (repo: string) => [repositoryScope(repo, ['pull', 'push'])];

/** Appends `digest=` to an upload URL without re-encoding the registry's own query (its state token). */
function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

function locationOf(res: { headers: Record<string, unknown> }, what: string): string {
  const loc = header(res as never, 'location');
  if (!loc) throw new RegctlError('INVALID_INPUT', `${what}: the registry sent no Location for the upload`);
  return loc;
}

/** Opens an upload session and returns its (possibly relative) location. */
export async function startUpload(conn: RegistryConnection, repo: string): Promise<string> {
  const res = await conn.send({ method: 'POST', path: `/v2/${repo}/blobs/uploads/` }, pushScope(repo));
  if (res.status !== 202) throw await responseError(res, `POST upload ${conn.host}/${repo}`);
  await res.body.dump().catch(() => undefined);
  return locationOf(res, `POST upload ${conn.host}/${repo}`);
}

/** Cancels an upload session; failures are ignored since the registry expires sessions anyway. */
export async function cancelUpload(conn: RegistryConnection, repo: string, location: string): Promise<void> {
  try {
    const res = await conn.send({ method: 'DELETE', path: location, retries: 0 }, pushScope(repo));
    await res.body.dump().catch(() => undefined);
  } catch {
    // best effort
  }
}

/** Closes an upload session with `PUT <location>?digest=`, optionally carrying the last bytes. */
export async function finish(conn: RegistryConnection, repo: string, location: string, digest: string, body?: () => HttpBody, length?: number, replayable = true): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (length !== undefined) headers['content-length'] = String(length);
  const res = await conn.send({ method: 'PUT', path: withDigest(location, digest), headers, ...(body && { body }), replayable }, pushScope(repo));
  if (res.status !== 201 && res.status !== 204 && res.status !== 200) throw await responseError(res, `PUT blob ${conn.host}/${repo}@${digest}`);
  await res.body.dump().catch(() => undefined);
  const stored = header(res, 'docker-content-digest');
  if (stored && stored !== digest) throw new RegctlError('DIGEST_MISMATCH', `registry stored blob ${stored}, expected ${digest}`);
}

/**
 * Monolithic upload of a blob whose digest and size are known: POST, then one streamed PUT.
 * `body` is called once per attempt; pass `replayable: false` for a live stream.
 */
export async function uploadBlob(
  conn: RegistryConnection, repo: string, desc: { digest: string; size: number },
  body: () => HttpBody, opts: { replayable?: boolean } = {},
): Promise<void> {
  // Provider upload rules (ECR: chunks of at least 5 MiB, the last one in the PUT; REGISTRIES.md).
  const rules = (await conn.provider()).uploadRules;
  if (rules?.mode === 'chunked') {
    return uploadChunked(conn, repo, desc, asChunks(body()), rules.minChunkSize ?? DEFAULT_CHUNK_SIZE, rules);
  }
  const location = await startUpload(conn, repo);
  try {
    await finish(conn, repo, location, desc.digest, body, desc.size, opts.replayable ?? true);
  } catch (e) {
    await cancelUpload(conn, repo, location);
    throw e;
  }
}

/**
 * Uploads a stream whose digest is not known in advance: one streamed PATCH while hashing, then
 * a PUT with the computed digest. Returns the blob's descriptor fields.
 */
export async function uploadStream(conn: RegistryConnection, repo: string, source: Readable): Promise<{ digest: string; size: number }> {
  const digester = createDigester('sha256');
  let size = 0;
  async function* hashing(): AsyncIterable<Uint8Array> {
    for await (const chunk of source) {
      const buf = chunk as Buffer;
      digester.update(buf);
      size += buf.length;
      yield buf;
    }
  }
  let location = await startUpload(conn, repo);
  try {
    const res = await conn.send(
      { method: 'PATCH', path: location, headers: { 'content-type': 'application/octet-stream' }, body: () => hashing(), replayable: false },
      pushScope(repo),
    );
    if (res.status !== 202 && res.status !== 201 && res.status !== 204) throw await responseError(res, `PATCH blob ${conn.host}/${repo}`);
    await res.body.dump().catch(() => undefined);
    location = header(res, 'location') ?? location;
    const digest = digester.digest();
    await finish(conn, repo, location, digest, undefined, 0);
    return { digest, size };
  } catch (e) {
    await cancelUpload(conn, repo, location);
    throw e;
  }
}

async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of source) {
    let buf = Buffer.from(chunk);
    while (pendingBytes + buf.length >= size) {
      const take = size - pendingBytes;
      pending.push(buf.subarray(0, take));
      yield Buffer.concat(pending, size);
      buf = buf.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (buf.length > 0) {
      pending.push(buf);
      pendingBytes += buf.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** Asks the registry how many bytes of an upload session it holds (`Range: 0-<end>`). */
export async function uploadOffset(conn: RegistryConnection, repo: string, location: string): Promise<number> {
  const res = await conn.send({ method: 'GET', path: location }, pushScope(repo));
  await res.body.dump().catch(() => undefined);
  if (res.status !== 204 && res.status !== 200) throw await responseError(res, `GET upload status ${conn.host}/${repo}`);
  const m = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '');
  return m ? Number(m[1]) + 1 : 0;
}

/** Chunk size when a provider asks for chunked uploads without a minimum. */
const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

/** A request body as a sequence of byte chunks. */
function asChunks(body: HttpBody): AsyncIterable<Uint8Array> {
  if (typeof body === 'string') return (async function* () { yield Buffer.from(body); })();
  if (body instanceof Uint8Array) return (async function* () { yield body; })();
  return body as AsyncIterable<Uint8Array>;
}

/** Yields each item with a flag telling whether it is the last one (one item of look-ahead). */
async function* withLast<T>(items: AsyncIterable<T>): AsyncIterable<[T, boolean]> {
  let prev: { value: T } | undefined;
  for await (const item of items) {
    if (prev) yield [prev.value, false];
    prev = { value: item };
  }
  if (prev) yield [prev.value, true];
}

/**
 * Chunked upload: PATCH chunks of `chunkSize` bytes with `Content-Range`, then the closing PUT.
 * Each chunk is held in memory so a failed PATCH is retried by the transport; a 416 reports the
 * offset the registry holds. Every chunk but the last is exactly `chunkSize`, which is how a
 * provider's minimum chunk size is met. `rules.lastChunkInPut` sends the final chunk in the PUT
 * (ECR answered 500 to an empty closing PUT); `rules.untrustedRange` never asks the registry for
 * its offset (ECR's `Range` stops updating after the second PATCH): the offset is counted here.
 * A PATCH answering 201 instead of 202 (ECR) is accepted.
 */
export async function uploadChunked(
  conn: RegistryConnection, repo: string, desc: { digest: string; size: number },
  source: AsyncIterable<Uint8Array>, chunkSize: number, rules: Omit<UploadRules, 'mode'> = {},
): Promise<void> {
  let location = await startUpload(conn, repo);
  let offset = 0;
  try {
    for await (const [chunk, last] of withLast(rechunk(source, chunkSize))) {
      if (last && rules.lastChunkInPut) {
        if (offset + chunk.length !== desc.size) throw new RegctlError('DIGEST_MISMATCH', `blob ${desc.digest}: read ${offset + chunk.length} bytes, expected ${desc.size}`);
        await finish(conn, repo, location, desc.digest, () => chunk, chunk.length);
        return;
      }
      const res = await conn.send({
        method: 'PATCH', path: location, body: () => chunk,
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}`, 'content-length': String(chunk.length) },
      }, pushScope(repo));
      if (res.status === 416) {
        await res.body.dump().catch(() => undefined);
        const acknowledged = rules.untrustedRange ? 'an unknown number of' : await uploadOffset(conn, repo, location);
        throw new RegctlError('REGISTRY_ERROR', `chunk at ${offset} refused; registry holds ${acknowledged} bytes`, { status: 416 });
      }
      if (res.status !== 202 && res.status !== 201 && res.status !== 204) throw await responseError(res, `PATCH blob ${conn.host}/${repo}@${desc.digest}`);
      await res.body.dump().catch(() => undefined);
      location = header(res, 'location') ?? location;
      offset += chunk.length;
    }
    if (offset !== desc.size) throw new RegctlError('DIGEST_MISMATCH', `blob ${desc.digest}: read ${offset} bytes, expected ${desc.size}`);
    await finish(conn, repo, location, desc.digest, undefined, 0);
  } catch (e) {
    await cancelUpload(conn, repo, location);
    throw e;
  }
}

/**
 * Cross-repository mount within one registry: 201 means the blob is now in `repo`. A 202 opens an
 * ordinary upload session instead, which is cancelled here, and the caller uploads. The push
 * scope comes first in the token request because a few registries read only the first scope
 * (REGISTRIES.md, generic protocol "Mount", ggcr write.go).
 */
export async function mountBlob(conn: RegistryConnection, repo: string, digest: string, fromRepo: string): Promise<boolean> {
  const path = `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepo)}`;
  let res;
  try {
    res = await conn.send({ method: 'POST', path }, [repositoryScope(repo, ['push', 'pull']), repositoryScope(fromRepo, ['pull'])]);
  } catch (e) {
    // No pull right on the source repository: not an error, the caller uploads instead.
    if (isRegctlError(e, 'UNAUTHORIZED', 'DENIED')) return false;
    throw e;
  }
  await res.body.dump().catch(() => undefined);
  if (res.status === 201) return true;
  if (res.status === 202) {
    const loc = header(res, 'location');
    if (loc) await cancelUpload(conn, repo, loc);
    return false;
  }
  // 401/403/404: no mount rights or no source blob; the caller falls back to an upload.
  if (res.status === 401 || res.status === 403 || res.status === 404) return false;
  throw await responseError(res, `mount ${digest} from ${fromRepo} into ${conn.host}/${repo}`);
}
