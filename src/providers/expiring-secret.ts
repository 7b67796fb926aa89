/**
 * A process-wide cache for the short-lived secrets cloud SDKs mint (ECR's 12-hour password, a
 * Google access token, an ACR refresh token): one fetch shared by concurrent callers, and a new
 * one once the old secret nears its expiry, so a copy that outlives a secret keeps working
 * (REGISTRIES.md, ECR "Long copies can outlive a token: refresh"; RC#110).
 */
import { TokenCache } from '../auth/token-cache.js';
import { registerSecret } from '../errors.js';

/** A secret and the moment (epoch ms) it stops working. */
export interface ExpiringSecret {
  secret: string;
  expiresAt: number;
}

/**
 * Refresh up to 5 minutes early, and at most 10 % of the lifetime early (the TokenCache rule),
 * so a 12-hour ECR password is renewed 5 minutes ahead and a short-lived test token just before.
 */
const cache = new TokenCache({ maxMarginMs: 5 * 60_000 });

/** Thrown through the cache when a fetch found nothing, so that nothing is cached. */
class NothingFound extends Error {}

/**
 * Returns the cached secret for `key`, or fetches one; a fetch that finds nothing (undefined) is
 * not cached. Every secret is registered for redaction before anyone sees it.
 */
export function cachedSecret(key: string, fetch: () => Promise<ExpiringSecret>): Promise<ExpiringSecret>;
export function cachedSecret(key: string, fetch: () => Promise<ExpiringSecret | undefined>): Promise<ExpiringSecret | undefined>;
export async function cachedSecret(key: string, fetch: () => Promise<ExpiringSecret | undefined>): Promise<ExpiringSecret | undefined> {
  try {
    const token = await cache.get(key, async () => {
      const s = await fetch();
      if (!s) throw new NothingFound();
      registerSecret(s.secret);
      return { token: s.secret, expiresAt: s.expiresAt };
    });
    return { secret: token.token, expiresAt: token.expiresAt };
  } catch (e) {
    if (e instanceof NothingFound) return undefined;
    throw e;
  }
}

/** Forgets the secret of `key` (the service refused it before its announced expiry). */
export function forgetSecret(key: string): void {
  cache.invalidate(key);
}
