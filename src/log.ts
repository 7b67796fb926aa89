import { redact } from './errors.js';

/** Where the library sends diagnostics. The CLI writes them to stderr; a library user may not. */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}

/** A logger that drops everything, the library default. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {} };

/** Wraps a logger so nothing it prints can carry a secret. */
export function redactingLogger(inner: Logger): Logger {
  return {
    debug: (m) => inner.debug(redact(m)),
    info: (m) => inner.info(redact(m)),
    warn: (m) => inner.warn(redact(m)),
  };
}
