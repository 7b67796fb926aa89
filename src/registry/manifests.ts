import { repositoryScope } from '../auth/scope.js';
import { RegctlError, isRegctlError } from '../errors.js';
import { digestOf, isDigest, parseDigest } from '../ref/digest.js';
import { header } from '../transport/types.js';
import type { RegistryConnection } from './connection.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { MAX_MANIFEST_BYTES, parseManifest, type Descriptor, type Manifest } from './manifest.js';
import { readBytes } from '../transport/read-body.js';
import { responseError } from './response-error.js';

const manifestPath = (repo: string, reference: string) => `/v2/${repo}/manifests/${reference}`;
/** Tries of a manifest GET whose body breaks after the headers. */
const BODY_ATTEMPTS = 3;
const pull = (repo: string) => [repositoryScope(repo, ['pull'])];
const push = (repo: string) => [repositoryScope(repo, ['pull', 'push'])];

function checkDigest(bytes: Buffer, expected: string, what: string): string {
  const { algorithm } = parseDigest(expected);
  const actual = digestOf(bytes, algorithm);
  if (actual !== expected) {
    throw new RegctlError('DIGEST_MISMATCH', `${what}: content digest ${actual} does not match ${expected}`);
  }
  return actual;
}

/**
 * Fetches a manifest by tag or digest, keeping its exact bytes. The digest is verified against
 * the reference when it is one, and against `Docker-Content-Digest` when the registry sends it
 * (older registries omit it: REGISTRIES.md, generic protocol).
 */
export async function getManifest(conn: RegistryConnection, repo: string, reference: string): Promise<Manifest> {
  const what = `manifest ${conn.host}/${repo}${isDigest(reference) ? '@' : ':'}${reference}`;
  let res;
  let bytes: Buffer;
  for (let attempt = 1; ; attempt++) {
    res = await conn.send({ method: 'GET', path: manifestPath(repo, reference), headers: { accept: MANIFEST_ACCEPT } }, pull(repo));
    if (res.status !== 200) throw await responseError(res, `GET ${what}`);
    try {
      bytes = await readBytes(res.body, MAX_MANIFEST_BYTES, what);
      break;
    } catch (e) {
      // The transport retries until the headers arrive; a body cut or stalled after them is
      // retried here, since a manifest is small and the GET can simply be sent again (found by
      // the fault suite, docs/reliability.md).
      if (attempt >= BODY_ATTEMPTS || !isRegctlError(e, 'NETWORK', 'TIMEOUT')) throw e;
      conn.logger?.debug(`${what}: ${(e as Error).message}; fetching it again`);
    }
  }
  const headerDigest = header(res, 'docker-content-digest');
  let digest: string;
  if (isDigest(reference)) digest = checkDigest(bytes, reference, what);
  else if (headerDigest && isDigest(headerDigest)) digest = checkDigest(bytes, headerDigest, what);
  else digest = digestOf(bytes);
  const { mediaType, parsed } = parseManifest(bytes, header(res, 'content-type'));
  return { mediaType, digest, bytes, parsed };
}

/**
 * HEADs a manifest: its descriptor, or undefined when it does not exist. A HEAD does not count
 * as a pull on Docker Hub (REGISTRIES.md, "Docker Hub" rate limits), so prefer it for checks.
 * A registry that omits `Docker-Content-Digest` costs one GET instead.
 */
export async function headManifest(conn: RegistryConnection, repo: string, reference: string): Promise<Descriptor | undefined> {
  const res = await conn.send({ method: 'HEAD', path: manifestPath(repo, reference), headers: { accept: MANIFEST_ACCEPT } }, pull(repo));
  await res.body.dump().catch(() => undefined);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw await responseError(res, `HEAD manifest ${conn.host}/${repo}:${reference}`);
  const digest = header(res, 'docker-content-digest');
  const mediaType = header(res, 'content-type')?.split(';')[0]?.trim();
  const size = Number(header(res, 'content-length'));
  // Asked by digest, a header naming another digest is not trusted: the GET below checks the
  // bytes against the digest asked for. Taking the header would let a registry substitute
  // another image for a pinned one (found by the abuse suite, docs/reliability.md).
  const trusted = digest !== undefined && isDigest(digest) && (!isDigest(reference) || digest === reference);
  if (trusted && mediaType && Number.isSafeInteger(size)) return { mediaType, digest, size };
  const m = await getManifest(conn, repo, reference);
  return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
}

/**
 * Pushes manifest bytes as they are, under a tag or their digest. `Content-Type` is the
 * manifest's media type, as registries require. Returns the digest of the bytes.
 */
export async function putManifest(conn: RegistryConnection, repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
  const digest = digestOf(bytes);
  if (isDigest(reference) && reference !== digest) {
    throw new RegctlError('DIGEST_MISMATCH', `manifest bytes hash to ${digest}, not ${reference}`);
  }
  const res = await conn.send(
    { method: 'PUT', path: manifestPath(repo, reference), headers: { 'content-type': mediaType }, body: () => bytes },
    push(repo),
  );
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await responseError(res, `PUT manifest ${conn.host}/${repo}:${reference}`);
  await res.body.dump().catch(() => undefined);
  const returned = header(res, 'docker-content-digest');
  if (returned && isDigest(returned) && parseDigest(returned).algorithm === 'sha256' && returned !== digest) {
    throw new RegctlError('DIGEST_MISMATCH', `registry stored manifest ${returned}, expected ${digest}`);
  }
  return digest;
}

/** Deletes a manifest by digest, or a tag where the registry allows DELETE by tag. */
export async function deleteManifest(conn: RegistryConnection, repo: string, reference: string): Promise<void> {
  const res = await conn.send({ method: 'DELETE', path: manifestPath(repo, reference) }, [repositoryScope(repo, ['pull', 'delete'])]);
  if (res.status !== 202 && res.status !== 200 && res.status !== 204) {
    throw await responseError(res, `DELETE manifest ${conn.host}/${repo}${isDigest(reference) ? '@' : ':'}${reference}`);
  }
  await res.body.dump().catch(() => undefined);
}
