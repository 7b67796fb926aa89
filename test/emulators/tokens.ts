/**
 * Opaque bearer tokens for the provider emulators, on a clock the test controls. A provider's
 * token expiry is minutes (Docker Hub ~5 min, Harbor 30 min, ECR 12 h: REGISTRIES.md); tests
 * cannot wait that long, so the emulator's clock can jump ahead (`advance`) or move on by itself
 * with each completed upload, and tokens issued before the jump are then expired.
 */
import { randomBytes } from 'node:crypto';

/** What a token lets its bearer do on one repository. */
export interface Access {
  repo: string;
  actions: string[];
}

/** A token as issued. */
export interface Grant {
  subject: string;
  access: Access[];
  issuedAt: number;
  expiresAt: number;
}

/** A clock that only moves when told to, starting at the real time. */
export class VirtualClock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  /** Moves the clock `ms` ahead. */
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** Issues and checks opaque tokens. */
export class TokenIssuer {
  readonly clock = new VirtualClock();
  private readonly grants = new Map<string, Grant>();
  /** Tokens refused because they had expired: lets a test prove expiry really happened. */
  expiredSeen = 0;

  constructor(private readonly prefix = 'emu') {}

  /** Issues a token valid for `ttlSeconds` on the emulator's clock. */
  issue(subject: string, access: Access[], ttlSeconds: number): { token: string; grant: Grant } {
    const token = `${this.prefix}_${randomBytes(18).toString('base64url')}`;
    const issuedAt = this.clock.now();
    const grant = { subject, access, issuedAt, expiresAt: issuedAt + ttlSeconds * 1000 };
    this.grants.set(token, grant);
    return { token, grant };
  }

  /** The grant of a live token, or undefined (unknown or expired). */
  check(token: string): Grant | undefined {
    const g = this.grants.get(token);
    if (!g) return undefined;
    if (this.clock.now() >= g.expiresAt) {
      this.expiredSeen++;
      return undefined;
    }
    return g;
  }
}

/** True when `grant` allows `action` on `repo`. */
export function allows(grant: Grant, repo: string, action: string): boolean {
  return grant.access.some((a) => a.repo === repo && (a.actions.includes(action) || a.actions.includes('*')));
}

/**
 * Parses token-request scopes (`repository:a/b:pull,push`, possibly several space-joined in one
 * parameter). The name may hold `host:port`, so split at the first and last ':' only.
 */
export function parseScopes(values: string[]): Access[] {
  const out: Access[] = [];
  for (const s of values.flatMap((v) => v.split(' ')).filter(Boolean)) {
    const first = s.indexOf(':');
    const last = s.lastIndexOf(':');
    if (first <= 0 || last === first || s.slice(0, first) !== 'repository') continue;
    out.push({ repo: s.slice(first + 1, last), actions: s.slice(last + 1).split(',').filter(Boolean) });
  }
  return out;
}
