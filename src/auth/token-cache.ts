/**
 * A cache of bearer tokens keyed by realm, service and scope set (and the account asking), in
 * which concurrent requests for one key share a single fetch (DESIGN principle 3; the idea
 * follows oras-go registry/remote/auth/cache.go).
 */
import { scopeKey } from './scope.js';
import type { Token } from './token-reply.js';

/** What identifies a token. */
export interface TokenKeyParts {
  realm: string;
  service?: string;
  scopes: string[];
  /**
   * Who asked: tokens of different credentials must not be shared when one cache serves several
   * registries. Use a non-secret identity (the user name), never the password.
   */
  account?: string;
}

/** A stable cache key: independent of scope order and duplicates. */
export function tokenCacheKey(parts: TokenKeyParts): string {
  return JSON.stringify([parts.realm, parts.service ?? '', parts.account ?? '', scopeKey(parts.scopes)]);
}

/** Options of {@link TokenCache}. */
export interface TokenCacheOptions {
  now?: () => number;
  /** Longest safety margin before expiry; default 30 s. The margin is also at most 10 % of the lifetime. */
  maxMarginMs?: number;
}

interface Entry {
  token: Token;
  /** When to stop handing it out: `expiresAt` minus the safety margin. */
  staleAt: number;
}

/** Token cache with single-flight fetches. */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Token>>();
  private readonly now: () => number;
  private readonly maxMarginMs: number;

  constructor(opts: TokenCacheOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.maxMarginMs = opts.maxMarginMs ?? 30_000;
  }

  /** A fresh cached token, if there is one. */
  peek(key: string): Token | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.now() >= e.staleAt) {
      this.entries.delete(key);
      return undefined;
    }
    return e.token;
  }

  /**
   * Returns the cached token or fetches one. While a fetch for `key` runs, every caller gets its
   * promise; a failed fetch is not cached, so the next caller tries again.
   */
  get(key: string, fetch: () => Promise<Token>): Promise<Token> {
    const cached = this.peek(key);
    if (cached) return Promise.resolve(cached);
    const running = this.inflight.get(key);
    if (running) return running;
    const started = this.now();
    const p = fetch()
      .then((token) => {
        this.set(key, token, started);
        return token;
      })
      .finally(() => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
      });
    this.inflight.set(key, p);
    return p;
  }

  /** Stores a token fetched at `fetchedAt` (default now). */
  set(key: string, token: Token, fetchedAt: number = this.now()): void {
    // The margin covers clock skew and the time a request spends in flight: a token that is
    // valid when attached should still be valid when the registry checks it.
    const lifetime = Math.max(0, token.expiresAt - fetchedAt);
    const margin = Math.min(this.maxMarginMs, lifetime * 0.1);
    this.entries.set(key, { token, staleAt: token.expiresAt - margin });
  }

  /** Forgets the token of `key` (after a registry rejected it). A fetch already running is kept. */
  invalidate(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }
}
