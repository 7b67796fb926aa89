import { Readable } from 'node:stream';
import { repositoryScope } from '../auth/scope.js';
import { RegctlError, isRegctlError } from '../errors.js';
import type { UploadRules } from '../providers/types.js';
import { abortableSleep } from '../transport/http.js';
import { DEFAULT_RETRY_POLICY, backoffDelay } from '../transport/retry.js';
import { header } from '../transport/types.js';
import { ByteCursor } from './byte-cursor.js';
import type { RegistryConnection } from './connection.js';
import { responseError } from './response-error.js';
import { cancelUpload, finish, startUpload } from './upload.js';

/** The bytes of one blob for an upload that may have to continue after a break. */
export interface BlobSource {
  /** The whole blob; consumed at most once. */
  stream: Readable;
  /** The blob again from `offset` to the end (verified bytes), after `stream` broke off. */
  reopen(offset: number): Readable | Promise<Readable>;
}

/** Options of {@link uploadResumable}. */
export interface ResumableUploadOptions {
  /** The registry's upload constraints (from its provider); absent: the generic strategy. */
  rules?: UploadRules;
  /** Blobs larger than this go up as PATCH + PUT rather than one PUT; default 16 MiB. */
  chunkedMin?: number;
  /** Tries in all, the first included; default 5. */
  maxAttempts?: number;
  /** The upload continues at `offset` (0: it starts over in a new session). */
  onResume?(offset: number): void;
}

/** The least pause after a 429 before the upload continues. */
const RATE_LIMIT_PAUSE_MS = 1_000;
/** Above this size, the PATCH + PUT path is used: one round trip more, but resumable. */
export const DEFAULT_CHUNKED_MIN = 16 << 20;
/** What the closing PUT carries when a registry refuses an empty one (`lastChunkInPut`). */
const PUT_TAIL_BYTES = 1 << 20;

/** Where an upload session stands. */
interface Session {
  location: string;
  /** Bytes the registry holds. */
  offset: number;
}

/**
 * Uploads a streamed blob and survives broken connections. Small blobs go as one `PUT`, larger
 * ones as a streamed `PATCH` and a closing `PUT`. When a request breaks, the registry is asked
 * how much it holds (`GET` on the upload location, `Range: 0-<end>`) and the upload continues
 * from there with bytes from `source.reopen`. A registry that cannot say, or that dropped the
 * session, gets a new session from byte 0. CNCF distribution 2.8 invalidates a session when a
 * request broke after part of its body was written ("upload resumed at wrong offset" in its
 * log), so there it continues only from request boundaries and otherwise starts over.
 */
export async function uploadResumable(
  conn: RegistryConnection, repo: string, desc: { digest: string; size: number }, source: BlobSource, opts: ResumableUploadOptions = {},
): Promise<void> {
  const rules: UploadRules = opts.rules ?? { mode: 'chunked' };
  // Without provider rules, only large blobs pay the extra round trip of PATCH + PUT; a
  // configured chunk size (config `chunkSize`) also caps a single PUT.
  const chunked = rules.mode === 'chunked' && (opts.rules !== undefined || desc.size > (opts.chunkedMin ?? conn.chunkSize ?? DEFAULT_CHUNKED_MIN));
  // ECR's Range replies stop tracking the offset (REGISTRIES.md, ECR): never trust them there.
  const askOffset = rules.mode === 'chunked' && !rules.untrustedRange;
  const maxAttempts = opts.maxAttempts ?? 5;
  const session: Session = { location: await startUpload(conn, repo), offset: 0 };
  let body = source.stream;
  for (let attempt = 1; ; attempt++) {
    try {
      if (chunked || session.offset > 0) await sendRest(conn, repo, desc, session, new ByteCursor(body), rules);
      else await finish(conn, repo, session.location, desc.digest, () => body, desc.size, false);
      return;
    } catch (e) {
      body.destroy();
      if (!isBreak(e) || attempt >= maxAttempts) {
        await cancelUpload(conn, repo, session.location);
        throw e;
      }
      // A rate-limited upload is worth another try, after a pause (the transport waits out
      // Retry-After for requests it can re-send; a streamed PUT it cannot). Found by the fault
      // suite (docs/reliability.md); ggcr retries 429 with backoff the same way.
      if (isRegctlError(e) && e.status === 429) await abortableSleep(RATE_LIMIT_PAUSE_MS + backoffDelay(attempt, DEFAULT_RETRY_POLICY));
      const held = askOffset ? await heldBytes(conn, repo, session.location) : undefined;
      if (held === undefined || held > desc.size) {
        await cancelUpload(conn, repo, session.location);
        session.location = await startUpload(conn, repo);
        session.offset = 0;
      } else {
        session.offset = held;
      }
      conn.logger?.debug(`upload of ${desc.digest} to ${conn.host}/${repo} broke (${(e as Error).message}); continuing at byte ${session.offset}`);
      opts.onResume?.(session.offset);
      // Everything sent already passed the source's digest check: nothing is left to read.
      body = session.offset < desc.size ? await source.reopen(session.offset) : Readable.from([]);
    }
  }
}

/** PATCHes the bytes from `session.offset`, then closes with a PUT (carrying the tail where the registry needs it). */
async function sendRest(conn: RegistryConnection, repo: string, desc: { digest: string; size: number }, session: Session, cursor: ByteCursor, rules: UploadRules): Promise<void> {
  const left = desc.size - session.offset;
  // ECR answered 500 to an empty closing PUT and wants PATCHes of at least 5 MB (REGISTRIES.md, ECR).
  let tail = rules.lastChunkInPut ? Math.min(PUT_TAIL_BYTES, left) : 0;
  if (left - tail < (rules.minChunkSize ?? 1)) tail = left;
  const patchEnd = desc.size - tail;
  // One PATCH for the rest, unless a chunk size is configured (proxies and registries that cap
  // request bodies); never below the registry's minimum chunk (ECR, 5 MiB).
  const min = rules.minChunkSize ?? 1;
  const step = conn.chunkSize ? Math.max(conn.chunkSize, min) : Infinity;
  while (patchEnd > session.offset) {
    let end = Math.min(patchEnd, session.offset + step);
    if (patchEnd - end < min) end = patchEnd;
    const start = session.offset;
    const res = await conn.send({
      method: 'PATCH', path: session.location, replayable: false,
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `${start}-${end - 1}`,
        'content-length': String(end - start),
      },
      body: () => cursor.take(end - start),
    }, [repositoryScope(repo, ['pull', 'push'])]);
    if (res.status !== 202 && res.status !== 201 && res.status !== 204) throw await responseError(res, `PATCH blob ${conn.host}/${repo}@${desc.digest}`);
    await res.body.dump().catch(() => undefined);
    session.location = header(res, 'location') ?? session.location;
    session.offset = end;
  }
  await finish(conn, repo, session.location, desc.digest, tail > 0 ? () => cursor.take(tail) : undefined, tail, false);
}

/**
 * How many bytes the registry holds for an upload session (`GET <location>` -> 204 with
 * `Range: 0-<last byte>`), or undefined when it cannot say: the session is gone (distribution
 * 2.8 answers 404 BLOB_UPLOAD_INVALID after a partial write), or the answer is `0-0`, which
 * distribution sends both for an empty session and for one holding a single byte.
 */
async function heldBytes(conn: RegistryConnection, repo: string, location: string): Promise<number | undefined> {
  try {
    const res = await conn.send({ method: 'GET', path: location }, [repositoryScope(repo, ['pull', 'push'])]);
    await res.body.dump().catch(() => undefined);
    if (res.status !== 204 && res.status !== 200) return undefined;
    const m = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '');
    const last = m ? Number(m[1]) : 0;
    return last > 0 ? last + 1 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True for failures worth another try: the connection broke, the registry answered 5xx, 408 or
 * 429, or a 416 said our offset was wrong. A RegctlError anywhere down the cause chain came from the
 * source stream (a digest mismatch, a download that could not be resumed): retrying the upload
 * cannot help. Other 4xx answers are final too.
 */
function isBreak(e: unknown): boolean {
  if (!(e instanceof RegctlError)) return false;
  for (let c: unknown = e.cause; c; c = (c as { cause?: unknown }).cause) if (c instanceof RegctlError) return false;
  if (e.code === 'NETWORK' || e.code === 'TIMEOUT') return true;
  return e.status !== undefined && (e.status >= 500 || e.status === 416 || e.status === 429 || e.status === 408);
}
