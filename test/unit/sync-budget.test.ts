import { describe, expect, it } from 'vitest';
import type { RateLimit } from '../../src/providers/types.js';
import type { Registry } from '../../src/registry/registry.js';
import { BudgetExhausted, PullBudget } from '../../src/sync/budget.js';

/** A registry as the budget sees it: a host and the last quota its connection recorded. */
function hub(remaining?: number): Registry & { connection: { rateLimit?: RateLimit } } {
  const connection: { rateLimit?: RateLimit } = remaining === undefined ? {} : { rateLimit: { remaining, limit: 100 } };
  return { host: 'docker.io', connection } as unknown as Registry & { connection: { rateLimit?: RateLimit } };
}

/** Takes pulls one after the other; each answered pull lowers the reported quota as Hub does. */
async function pullUntilRefused(budget: PullBudget, reg: ReturnType<typeof hub>): Promise<number> {
  let pulls = 0;
  for (;;) {
    try {
      const answered = await budget.take(reg, async () => undefined);
      reg.connection.rateLimit = { remaining: reg.connection.rateLimit!.remaining - 1 };
      answered();
      pulls++;
    } catch (e) {
      expect(e).toBeInstanceOf(BudgetExhausted);
      return pulls;
    }
  }
}

describe('pull budget', () => {
  it('pulls down to the minimum and no further, then refuses every later pull', async () => {
    const reg = hub(12);
    const budget = new PullBudget(5);
    expect(await pullUntilRefused(budget, reg)).toBe(7);
    expect(reg.connection.rateLimit!.remaining).toBe(5);
    await expect(budget.take(reg, async () => undefined)).rejects.toThrow('docker.io: 5 pulls left; stopping before the quota falls below --ratelimit-min 5');
    expect(budget.stops()).toEqual([{ registry: 'docker.io', remaining: 5 }]);
  });

  it('counts pulls still in flight: concurrent pulls never overshoot', async () => {
    const reg = hub(8);
    const budget = new PullBudget(5);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => budget.take(reg, async () => undefined)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof BudgetExhausted)).toBe(true);
  });

  it('probes once for an unknown quota, shared by concurrent first pulls', async () => {
    const reg = hub();
    const budget = new PullBudget(0);
    let probes = 0;
    const probe = async () => {
      probes++;
      await new Promise((r) => setTimeout(r, 5));
      reg.connection.rateLimit = { remaining: 2 };
    };
    const results = await Promise.allSettled([1, 2, 3].map(() => budget.take(reg, probe)));
    expect(probes).toBe(1);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  });

  it('follows a lower quota reported later (another client on the same address pulled too)', async () => {
    const reg = hub(50);
    const budget = new PullBudget(10);
    (await budget.take(reg, async () => undefined))();
    reg.connection.rateLimit = { remaining: 11 };
    (await budget.take(reg, async () => undefined))();
    await expect(budget.take(reg, async () => undefined)).rejects.toBeInstanceOf(BudgetExhausted);
  });

  it('never raises its estimate when a later reply reports more (an old reply, or a new window)', async () => {
    const reg = hub(7);
    const budget = new PullBudget(5);
    (await budget.take(reg, async () => undefined))();
    reg.connection.rateLimit = { remaining: 90 };
    (await budget.take(reg, async () => undefined))();
    await expect(budget.take(reg, async () => undefined)).rejects.toBeInstanceOf(BudgetExhausted);
  });

  it('lets everything through where the registry reports no quota, or without a minimum', async () => {
    const budget = new PullBudget(1000);
    const plain = hub();
    for (let i = 0; i < 5; i++) (await budget.take(plain, async () => undefined))();
    const open = new PullBudget();
    const reg = hub(0);
    (await open.take(reg, async () => { throw new Error('no probe without a minimum'); }))();
    open.stop(reg, 'docker.io answered 429');
    await expect(open.take(reg, async () => undefined)).rejects.toThrow('docker.io answered 429');
    expect(open.stopped(reg)?.code).toBe('RATE_LIMITED');
  });
});
