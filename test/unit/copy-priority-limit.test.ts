import { describe, expect, it } from 'vitest';
import { priorityLimiter } from '../../src/copy/limit.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('priorityLimiter', () => {
  it('starts waiting tasks highest priority first, submission order among equals', async () => {
    const run = priorityLimiter(1);
    const started: string[] = [];
    const gate = deferred();
    const first = run(async () => {
      started.push('first');
      await gate.promise;
    }, 0);
    const tasks = ([['small', 10], ['huge', 1000], ['mid-a', 100], ['mid-b', 100], ['tiny', 1]] as const).map(([name, p]) => run(async () => {
      started.push(name);
    }, p));
    await tick();
    expect(started).toEqual(['first']);
    gate.resolve();
    await Promise.all([first, ...tasks]);
    expect(started).toEqual(['first', 'huge', 'mid-a', 'mid-b', 'small', 'tiny']);
  });

  it('never runs more than n at once and frees a slot when a task fails', async () => {
    const run = priorityLimiter(2);
    let active = 0;
    let peak = 0;
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => run(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 2));
      active--;
      if (i % 3 === 0) throw new Error(`task ${i}`);
      return i;
    }, i % 4)));
    expect(peak).toBe(2);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(4);
    expect(active).toBe(0);
  });
});
