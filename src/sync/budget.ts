import { RegctlError } from '../errors.js';
import type { RateLimit } from '../providers/types.js';
import type { Registry } from '../registry/registry.js';

/** A pull refused because it would take the registry's quota below the budget: the image waits for the next run. */
export class BudgetExhausted extends RegctlError {
  constructor(readonly registry: string, readonly remaining: number, message: string) {
    super('RATE_LIMITED', message, { hint: 'the rest is left for the next run' });
    this.name = 'BudgetExhausted';
  }
}

interface State {
  /** Our estimate of the pulls left; undefined until the registry has reported its quota. */
  left?: number;
  /** Pulls sent and not yet answered. */
  inflight: number;
  /** Set once the registry showed it reports no quota: nothing to budget. */
  unmetered?: boolean;
  /** The first reading, shared by concurrent first pulls. */
  reading?: Promise<void>;
  /** Why pulls from this registry stopped, once they did. */
  stopped?: BudgetExhausted;
}

/**
 * Keeps the pulls of a sync above `min` on registries that report a quota (Docker Hub's
 * `ratelimit-remaining`, REGISTRIES.md "Docker Hub"; read by its provider's observeResponse, kept
 * on the connection). Only a manifest GET counts as a pull there; HEADs and blob reads do not,
 * so only manifest GETs ask for a pull here.
 *
 * The estimate starts from the quota the registry reported before our first pull (a HEAD reports
 * it for free), goes down by one for every pull we start, and drops further to any lower figure
 * the registry reports later, less our pulls still in flight: that catches other clients on the
 * same address (say, the other shards of a Kubernetes Job on one node). A pull is refused when
 * it would leave fewer than `min`; from then on no pull from that registry starts. The estimate
 * never rises during a run, so a window that resets mid-run is used only by the next run.
 */
export class PullBudget {
  private readonly states = new Map<Registry, State>();

  /** Without `min`, nothing is budgeted, but a registry that answered 429 is still left alone. */
  constructor(readonly min?: number) {}

  /**
   * Asks for one pull from `registry`; `probe` (a HEAD of the same manifest) is sent once when
   * the quota is not known yet. Returns the function to call when the pull has been answered.
   * Throws {@link BudgetExhausted} when the pull would take the quota below the budget.
   */
  async take(registry: Registry, probe: () => Promise<unknown>): Promise<() => void> {
    const s = this.state(registry);
    if (s.stopped) throw s.stopped;
    const min = this.min;
    if (min === undefined) return () => undefined;
    if (s.left === undefined && !s.unmetered) {
      s.reading ??= (async () => {
        if (!registry.connection.rateLimit) await probe();
        const r = registry.connection.rateLimit;
        if (r) s.left ??= r.remaining;
        else s.unmetered = true;
      })().catch((e: unknown) => {
        s.reading = undefined;
        throw e;
      });
      await s.reading;
    }
    if (s.unmetered) return () => undefined;
    const reported = registry.connection.rateLimit?.remaining;
    if (reported !== undefined) s.left = Math.min(s.left!, reported - s.inflight);
    if (s.stopped) throw s.stopped;
    if (s.left! - 1 < min) {
      s.stopped = new BudgetExhausted(registry.host, s.left!, `${registry.host}: ${s.left} pulls left; stopping before the quota falls below --ratelimit-min ${min}`);
      throw s.stopped;
    }
    s.left!--;
    s.inflight++;
    let done = false;
    return () => {
      if (!done) s.inflight--;
      done = true;
    };
  }

  /** Stops pulls from `registry` for the rest of the run (it answered 429: the quota is gone). */
  stop(registry: Registry, why: string): void {
    const s = this.state(registry);
    s.stopped ??= new BudgetExhausted(registry.host, registry.connection.rateLimit?.remaining ?? 0, why);
  }

  /** Why pulls from `registry` stopped, or undefined while they go on. */
  stopped(registry: Registry): BudgetExhausted | undefined {
    return this.states.get(registry)?.stopped;
  }

  /** The registries where pulls stopped, with the pulls left by our estimate. */
  stops(): Array<{ registry: string; remaining: number }> {
    return [...this.states].filter(([, s]) => s.stopped).map(([r, s]) => ({ registry: r.host, remaining: s.stopped!.remaining }));
  }

  /** The last quota each registry reported. */
  static lastReported(registries: Iterable<Registry>): Record<string, RateLimit> {
    const out: Record<string, RateLimit> = {};
    for (const r of registries) if (r.connection.rateLimit) out[r.host] = r.connection.rateLimit;
    return out;
  }

  private state(registry: Registry): State {
    let s = this.states.get(registry);
    if (!s) this.states.set(registry, (s = { inflight: 0 }));
    return s;
  }
}
