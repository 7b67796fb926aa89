/**
 * Content digests: `algorithm:encoded`, as OCI image-spec descriptor.md defines them.
 *
 *     digest                ::= algorithm ":" encoded
 *     algorithm             ::= algorithm-component (algorithm-separator algorithm-component)*
 *     algorithm-component   ::= [a-z0-9]+
 *     algorithm-separator   ::= [+._-]
 *     encoded               ::= [a-zA-Z0-9=_-]+
 *
 * Of the algorithms image-spec registers, regctl supports sha256 and sha512, whose encoded
 * part image-spec narrows to lowercase hex of 64 and 128 characters. Anything else is rejected rather than passed through, because a digest
 * regctl cannot compute is a digest it cannot verify.
 */
import { createHash, type Hash } from 'node:crypto';
import { quote } from './quote.js';
import { RegctlError, type ErrorCode } from '../errors.js';

/** A digest algorithm regctl can compute and verify. */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** A digest split into its parts. */
export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** Length of the hex encoding per supported algorithm (image-spec "Registered algorithms"). */
export const DIGEST_HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

const ALGORITHM_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;

function isSupportedAlgorithm(a: string): a is DigestAlgorithm {
  return Object.prototype.hasOwnProperty.call(DIGEST_HEX_LENGTH, a);
}

/**
 * Says what is wrong with a digest string, or returns undefined when it is a valid, supported
 * digest. The text is a clause meant to follow `digest "<s>" ...`-style context, e.g.
 * `sha256 digest must be 64 hex characters, got 63`. Exported so that reference parsing can
 * embed the reason in its own message.
 */
export function digestProblem(s: string): string | undefined {
  if (s === '') return 'digest is empty';
  const colon = s.indexOf(':');
  if (colon < 0) return `digest ${quote(s)} must have the form <algorithm>:<hex>`;
  const algorithm = s.slice(0, colon);
  const encoded = s.slice(colon + 1);
  if (!ALGORITHM_GRAMMAR.test(algorithm)) {
    return `digest algorithm ${quote(algorithm)} is malformed (lowercase letters and digits, separated by + . _ -)`;
  }
  if (!isSupportedAlgorithm(algorithm)) {
    return `unsupported digest algorithm ${quote(algorithm)} (supported: sha256, sha512)`;
  }
  const want = `${algorithm} digest must be ${DIGEST_HEX_LENGTH[algorithm]} hex characters`;
  if (encoded === '') return `${want}, got none`;
  if (!/^[0-9a-fA-F]+$/.test(encoded)) return `${want}, got non-hex characters`;
  // image-spec requires lowercase hex for sha256/sha512; an uppercase copy would name the same
  // bytes but compare unequal to what registries return in Docker-Content-Digest.
  if (/[A-F]/.test(encoded)) return `${algorithm} digest must use lowercase hex`;
  if (encoded.length !== DIGEST_HEX_LENGTH[algorithm]) return `${want}, got ${encoded.length}`;
  return undefined;
}

/** True when `s` is a well-formed digest with a supported algorithm. */
export function isDigest(s: string): boolean {
  return digestProblem(s) === undefined;
}

/**
 * Parses a digest. Throws a {@link RegctlError} (default code `INVALID_REFERENCE`; pass
 * `INVALID_INPUT` for digests read from manifests or server replies) naming what is wrong.
 */
export function parseDigest(s: string, code: ErrorCode = 'INVALID_REFERENCE'): ParsedDigest {
  const problem = digestProblem(s);
  if (problem !== undefined) throw new RegctlError(code, `invalid digest ${quote(s)}: ${problem}`);
  const colon = s.indexOf(':');
  return { algorithm: s.slice(0, colon) as DigestAlgorithm, hex: s.slice(colon + 1) };
}

/** Throws unless `s` is a valid, supported digest; see {@link parseDigest}. */
export function assertDigest(s: string, code: ErrorCode = 'INVALID_REFERENCE'): void {
  parseDigest(s, code);
}

/** The digest (`algorithm:hex`) of some bytes. */
export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(checkedAlgorithm(algorithm)).update(bytes).digest('hex')}`;
}

/** Computes a digest incrementally, for content that arrives as a stream. */
export interface Digester {
  readonly algorithm: DigestAlgorithm;
  update(chunk: Uint8Array): void;
  /** The digest of everything passed to update so far. Call once. */
  digest(): string;
}

/** Starts an incremental digest computation. */
export function createDigester(algorithm: DigestAlgorithm = 'sha256'): Digester {
  const hash: Hash = createHash(checkedAlgorithm(algorithm));
  return {
    algorithm,
    update(chunk) {
      hash.update(chunk);
    },
    digest() {
      return `${algorithm}:${hash.digest('hex')}`;
    },
  };
}

/**
 * Throws `DIGEST_MISMATCH` unless `bytes` hash to `expected`. The algorithm comes from
 * `expected`, so a sha512-addressed blob is checked with sha512. `what` names the content in
 * the message (e.g. "manifest docker.io/library/alpine:latest").
 */
export function verifyContent(bytes: Uint8Array, expected: string, what = 'content'): void {
  const { algorithm } = parseDigest(expected, 'INVALID_INPUT');
  const actual = digestOf(bytes, algorithm);
  if (actual !== expected) {
    throw new RegctlError('DIGEST_MISMATCH', `${what} has digest ${actual}, expected ${expected}`);
  }
}

// The algorithm name reaches node:crypto, so a value smuggled past the type system (from JSON,
// say) must not select some other hash that happens to exist in OpenSSL.
function checkedAlgorithm(algorithm: string): DigestAlgorithm {
  if (!isSupportedAlgorithm(algorithm)) {
    throw new RegctlError('INVALID_INPUT', `unsupported digest algorithm ${quote(algorithm)} (supported: sha256, sha512)`);
  }
  return algorithm;
}
