/**
 * Looking for credentials where they must never be: CLI output, library logs (debug level
 * included), error messages and hints, and requests that reached the redirect origin.
 */

/** The shape of regctl's Logger (the harness imports nothing from src/). */
export interface LineLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}

/** A logger that keeps every line, debug included. */
export function captureLogger(): LineLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
  };
}

// A signed JWT (header.payload.signature): the harness token server's tokens, and most others.
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

/**
 * Secrets found in `text`: any of `secrets` verbatim, the Basic form `base64(user:password)` of
 * each `[user, password]` pair, and any bearer token in JWT form. Names what was found, never
 * the value, so a failure report does not leak it either.
 */
export function findLeaks(text: string, secrets: string[], pairs: Array<[string, string]> = []): string[] {
  const found: string[] = [];
  secrets.forEach((s, i) => {
    if (s && text.includes(s)) found.push(`secret #${i + 1}`);
  });
  for (const [user, pass] of pairs) {
    if (text.includes(Buffer.from(`${user}:${pass}`).toString('base64'))) found.push(`Basic credentials of ${user}`);
  }
  if (JWT.test(text)) found.push('a JWT');
  return found;
}

/** Everything an error shows: message, hint, JSON form and the messages of its causes. */
export function errorText(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e, depth = 0; c && depth < 6; c = (c as { cause?: unknown }).cause, depth++) {
    if (c instanceof Error) parts.push(c.message);
    const json = (c as { toJSON?: () => unknown }).toJSON?.();
    if (json) parts.push(JSON.stringify(json));
    const hint = (c as { hint?: string }).hint;
    if (hint) parts.push(hint);
  }
  return parts.join('\n');
}
