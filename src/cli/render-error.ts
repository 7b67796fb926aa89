import { RegctlError, redact, type ErrorCode } from '../errors.js';

/** Exit codes of the command-line contract (DESIGN.md). */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2, Auth: 3, NotFound: 4 } as const;

const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  USAGE: ExitCode.Usage,
  INVALID_REFERENCE: ExitCode.Usage,
  INVALID_INPUT: ExitCode.Usage,
  CONFIG: ExitCode.Usage,
  UNAUTHORIZED: ExitCode.Auth,
  DENIED: ExitCode.Auth,
  NOT_FOUND: ExitCode.NotFound,
  MANIFEST_UNKNOWN: ExitCode.NotFound,
  BLOB_UNKNOWN: ExitCode.NotFound,
  NAME_UNKNOWN: ExitCode.NotFound,
};

const HINT_BY_CODE: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: 'check the credentials with `regctl login <registry>`',
  DENIED: 'the account lacks permission for this repository or operation',
  RATE_LIMITED: 'the registry is rate limiting; wait, or log in to raise the limit',
  TIMEOUT: 'the registry did not answer in time; check the network or raise the timeouts',
};

/** The one place that turns an error into an exit code. */
export function exitCodeFor(err: unknown): number {
  return err instanceof RegctlError ? (EXIT_BY_CODE[err.code] ?? ExitCode.Failure) : ExitCode.Failure;
}

/** The text shown for an error: message, then a hint on its own line. Never contains a secret. */
export function errorText(err: unknown): string {
  if (!(err instanceof RegctlError)) {
    // An unexpected failure: still redacted, since it may quote a header or URL.
    return `error: ${redact(err instanceof Error ? err.message : String(err))}`;
  }
  const hint = err.hint ?? HINT_BY_CODE[err.code];
  return `error: ${err.message}${hint ? `\nhint: ${hint}` : ''}`;
}

/** The `--json` form of an error. */
export function errorJson(err: unknown): Record<string, unknown> {
  return err instanceof RegctlError ? err.toJSON() : { code: 'INTERNAL', message: redact(err instanceof Error ? err.message : String(err)) };
}

/**
 * Raised by a command that has already printed its own `--json` result (with the failures in
 * it): the error still sets the exit code and goes to stderr, but nothing more goes to stdout.
 */
export class ReportedError extends Error {
  constructor(readonly reason: unknown) {
    super('already reported');
  }
}
