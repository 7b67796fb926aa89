/**
 * Reading a token service's JSON reply (distribution token spec, OAuth2 form). Pure, so the
 * lifetime rules can be tested without a server.
 */
import { RegctlError, registerSecret } from '../errors.js';

/** A bearer token and the moment (epoch ms) it stops being valid. */
export interface Token {
  token: string;
  expiresAt: number;
  /** An OAuth2 refresh token, when the service returned one. */
  refreshToken?: string;
}

/** The spec's default lifetime, and the floor for shorter ones (REGISTRIES.md, generic protocol). */
export const MIN_TOKEN_LIFETIME_S = 60;

/**
 * Turns a reply body into a {@link Token}. `token` and `access_token` are both accepted (clients
 * disagree on precedence; `token` is tried first, as distribution documents it). Lifetime:
 * `expires_in` seconds from `issued_at` (never later than `now`, so a server clock running ahead
 * cannot stretch it) or from `now`, at least 60 s; without `expires_in`, a JWT's `exp` (ACR sends
 * no `expires_in`, REGISTRIES.md); otherwise 60 s. Throws `INVALID_INPUT` on a malformed reply.
 * Every token is registered as a secret before it is returned.
 */
export function parseTokenReply(body: unknown, now: number = Date.now()): Token {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new RegctlError('INVALID_INPUT', 'the token service replied with something other than a JSON object');
  }
  const b = body as Record<string, unknown>;
  const token = nonEmptyString(b.token) ?? nonEmptyString(b.access_token);
  if (!token) throw new RegctlError('INVALID_INPUT', 'the token service reply has no "token" or "access_token"');
  registerSecret(token);
  const refreshToken = nonEmptyString(b.refresh_token);
  if (refreshToken) registerSecret(refreshToken);

  const expiresIn = typeof b.expires_in === 'number' && Number.isFinite(b.expires_in) ? b.expires_in : undefined;
  let expiresAt: number;
  if (expiresIn !== undefined) {
    const issued = typeof b.issued_at === 'string' ? Date.parse(b.issued_at) : NaN;
    const from = Number.isNaN(issued) ? now : Math.min(issued, now);
    expiresAt = from + Math.max(expiresIn, MIN_TOKEN_LIFETIME_S) * 1000;
  } else {
    const exp = jwtExpiry(token);
    expiresAt = exp !== undefined ? exp : now + MIN_TOKEN_LIFETIME_S * 1000;
  }
  return { token, expiresAt, ...(refreshToken && { refreshToken }) };
}

/** The `exp` claim (as epoch ms) of a JWT, or undefined when `token` is not a JWT with one. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    const exp = claims && typeof claims === 'object' ? (claims as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
