import { describe, expect, it } from 'vitest';
import { limiter } from '../../src/copy/limit.js';

/** A promise with its resolve/reject exposed, so a test decides when each task ends. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('limiter', () => {
  it.each([1, 2, 3, 6])('never runs more than %i tasks at once, and runs them all', async (n) => {
    const run = limiter(n);
    let active = 0;
    let peak = 0;
    const tasks = Array.from({ length: 20 }, (_, i) =>
      run(async () => {
        active++;
        peak = Math.max(peak, active);
        // uneven durations shuffle completion order
        await new Promise((r) => setTimeout(r, (i * 7) % 5));
        active--;
        return i * 2;
      }),
    );
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(peak).toBe(n);
    expect(active).toBe(0);
  });

  it('starts queued tasks in the order they were submitted', async () => {
    const run = limiter(2);
    const started: number[] = [];
    const gates = Array.from({ length: 6 }, () => deferred());
    const all = gates.map((g, i) => run(async () => {
      started.push(i);
      await g.promise;
    }));
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates.forEach((g) => g.resolve());
    await Promise.all(all);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('releases the slot of a task that fails, and passes its error on', async () => {
    const run = limiter(1);
    const failing = run(async () => {
      throw new Error('boom');
    });
    const thrown = run(() => {
      throw new Error('sync boom');
    });
    const after = run(async () => 'still runs');
    await expect(failing).rejects.toThrow('boom');
    await expect(thrown).rejects.toThrow('sync boom');
    await expect(after).resolves.toBe('still runs');
  });

  it('keeps working after many failures (no leaked slots)', async () => {
    const run = limiter(2);
    await Promise.allSettled(Array.from({ length: 10 }, () => run(async () => { throw new Error('x'); })));
    let active = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 6 }, () => run(async () => {
      peak = Math.max(peak, ++active);
      await tick();
      active--;
    })));
    expect(peak).toBe(2);
  });

  it.each([0, -3, 0.5])('treats %s slots as one', async (n) => {
    const run = limiter(n);
    let active = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 4 }, () => run(async () => {
      peak = Math.max(peak, ++active);
      await tick();
      active--;
    })));
    expect(peak).toBe(1);
  });
});
