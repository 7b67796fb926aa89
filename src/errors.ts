/**
 * One error hierarchy for the whole library. Every error regctl raises is a {@link RegctlError}
 * with a stable `code`; the CLI maps codes to exit codes and hints in one place
 * (src/cli/render-error.ts), and library users switch on `code`, never on message text.
 */

/** Stable error codes. Never rename one: scripts and docs key on them. */
export type ErrorCode =
  | 'USAGE' // bad command-line usage
  | 'INVALID_REFERENCE' // an image reference that does not parse
  | 'INVALID_INPUT' // bad input other than a reference: manifest, config file, server reply
  | 'DIGEST_MISMATCH' // content does not hash to the digest it claims
  | 'TOO_LARGE' // content over a safety cap
  | 'UNAUTHORIZED' // credentials missing or rejected
  | 'DENIED' // authenticated but not allowed
  | 'NOT_FOUND' // generic 404
  | 'MANIFEST_UNKNOWN'
  | 'BLOB_UNKNOWN'
  | 'NAME_UNKNOWN'
  | 'UNSUPPORTED' // the registry does not offer the operation
  | 'RATE_LIMITED' // 429 after retries
  | 'REGISTRY_ERROR' // any other error status from a registry
  | 'NETWORK' // connection refused, reset, DNS
  | 'TIMEOUT'
  | 'CREDENTIALS' // a credential store or helper failed
  | 'CONFIG' // a config file is invalid
  | 'INSECURE' // a request refused for security reasons (http realm, cross-host redirect)
  | 'INTERNAL';

/** One entry of the `errors` array a registry returns (distribution spec). */
export interface RegistryErrorDetail {
  code: string;
  message?: string;
  detail?: unknown;
}

/** Options shared by every {@link RegctlError}. */
export interface RegctlErrorOptions {
  /** HTTP status of the reply that caused it, if any. */
  status?: number;
  /** The registry's own error body, parsed. */
  registryErrors?: RegistryErrorDetail[];
  /** A short suggestion for the user, shown after the message. */
  hint?: string;
  cause?: unknown;
}

/** The base of every error regctl raises. Its message never contains a secret. */
export class RegctlError extends Error {
  readonly code: ErrorCode;
  readonly status?: number;
  readonly registryErrors?: RegistryErrorDetail[];
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, opts: RegctlErrorOptions = {}) {
    super(redact(message), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RegctlError';
    this.code = code;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.registryErrors) {
      this.registryErrors = opts.registryErrors.map((e) => ({ ...e, message: e.message && redact(e.message) }));
    }
    if (opts.hint !== undefined) this.hint = redact(opts.hint);
  }

  /** A plain object for `--json` output and logs. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.status !== undefined && { status: this.status }),
      ...(this.registryErrors && { registryErrors: this.registryErrors }),
      ...(this.hint && { hint: this.hint }),
    };
  }
}

/** The error code for an HTTP failure status when the reply says nothing more specific. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 405) return 'UNSUPPORTED';
  if (status === 429) return 'RATE_LIMITED';
  return 'REGISTRY_ERROR';
}

/** True when `e` is a {@link RegctlError}, optionally with one of the given codes. */
export function isRegctlError(e: unknown, ...codes: ErrorCode[]): e is RegctlError {
  return e instanceof RegctlError && (codes.length === 0 || codes.includes(e.code));
}

const registeredSecrets = new Set<string>();

/**
 * Registers a secret so that {@link redact} removes it from every later message. Credential
 * loaders call this for each password and token they hand out, which makes redaction hold even
 * where a server echoes a secret back in its error body.
 */
export function registerSecret(secret: string | undefined): void {
  // Very short values would blank out ordinary words; they are not plausible secrets anyway.
  if (secret && secret.length >= 6) registeredSecrets.add(secret);
}

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/\b((?:proxy-)?authorization\s*[:=]\s*)[^\r\n,;"']+/gi, '$1***'],
  [/\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***'],
  // Quoted JSON fields, `key=value` (queries, forms) and `password: value` prose; a bare
  // `auth:` or `token:` in prose is an ordinary word (verbose logs say "auth: ..."), not a secret.
  [/("(?:password|passwd|secret|token|access_token|refresh_token|identitytoken|registrytoken|auth)"\s*:\s*")[^"]*/gi, '$1***'],
  [/\b((?:password|passwd|secret|token|access_token|refresh_token|identitytoken|registrytoken|auth)=)[^\s&;,"']+/gi, '$1***'],
  [/\b((?:password|passwd|secret)\s*:\s*)[^\s,;"']+/gi, '$1***'],
  [/(\bhttps?:\/\/[^/\s:@]+:)[^/\s@]+@/gi, '$1***@'], // user:pass@host in URLs
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '***'], // JWTs
];

/** Removes credentials from text: registered secrets, auth headers, tokens, JWTs, URL userinfo. */
export function redact(text: string): string {
  let out = text;
  for (const s of registeredSecrets) out = out.split(s).join('***');
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}
