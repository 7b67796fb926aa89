import type { Readable } from 'node:stream';
import { repositoryScope } from '../auth/scope.js';
import { header } from '../transport/types.js';
import type { RegistryConnection } from './connection.js';
import { responseError } from './response-error.js';

const blobPath = (repo: string, digest: string) => `/v2/${repo}/blobs/${digest}`;

/** Returns the blob's size when the repository has it, undefined when it does not. */
export async function headBlob(conn: RegistryConnection, repo: string, digest: string): Promise<number | undefined> {
  const res = await conn.send({ method: 'HEAD', path: blobPath(repo, digest) }, [repositoryScope(repo, ['pull'])]);
  await res.body.dump().catch(() => undefined);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw await responseError(res, `HEAD blob ${conn.host}/${repo}@${digest}`);
  const size = Number(header(res, 'content-length'));
  // Harbor's HEAD and GET may disagree on Content-Length (REGISTRIES.md, "Harbor"): sizes from
  // HEAD are only hints, content is verified by digest when it is read.
  return Number.isSafeInteger(size) ? size : -1;
}

/** A blob body being read. The caller must consume or destroy `stream`. */
export interface BlobReader {
  stream: Readable;
  /** Bytes this response will deliver (from `offset`), when the registry says. */
  length?: number;
  /** Where this response starts: `offset` when the registry honoured the range, else 0. */
  start: number;
}

/**
 * Streams a blob, from `offset` when given (HTTP Range, for resuming a broken download).
 * Redirects to object storage are followed by the transport without our Authorization.
 */
export async function getBlob(conn: RegistryConnection, repo: string, digest: string, offset = 0): Promise<BlobReader> {
  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  const res = await conn.send({ method: 'GET', path: blobPath(repo, digest), headers }, [repositoryScope(repo, ['pull'])]);
  if (res.status !== 200 && res.status !== 206) throw await responseError(res, `GET blob ${conn.host}/${repo}@${digest}`);
  const length = Number(header(res, 'content-length'));
  return { stream: res.body, start: res.status === 206 ? offset : 0, ...(Number.isSafeInteger(length) && { length }) };
}

/** Deletes a blob (registries may refuse; used to clean up test data and by `delete --blob`). */
export async function deleteBlob(conn: RegistryConnection, repo: string, digest: string): Promise<void> {
  const res = await conn.send({ method: 'DELETE', path: blobPath(repo, digest) }, [repositoryScope(repo, ['pull', 'delete'])]);
  if (res.status !== 202 && res.status !== 200 && res.status !== 204) throw await responseError(res, `DELETE blob ${conn.host}/${repo}@${digest}`);
  await res.body.dump().catch(() => undefined);
}
