/** A concurrency limiter: at most `n` of the functions given to it run at once. */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/** Makes a {@link Limiter} with `n` slots (at least 1). */
export function limiter(n: number): Limiter {
  const slots = Math.max(1, Math.floor(n));
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    active--;
    queue.shift()?.();
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= slots) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/** A limiter whose waiting tasks start highest `priority` first (in submission order among equals). */
export type PriorityLimiter = <T>(fn: () => Promise<T>, priority: number) => Promise<T>;

/**
 * Makes a {@link PriorityLimiter} with `n` slots. Blob transfers use the size as the priority:
 * starting the largest first shortens the whole copy, since the longest transfer is what the
 * others wait for (longest-processing-time-first scheduling).
 */
export function priorityLimiter(n: number): PriorityLimiter {
  const slots = Math.max(1, Math.floor(n));
  let active = 0;
  let seq = 0;
  const queue: Array<{ priority: number; seq: number; start: () => void }> = [];
  const release = () => {
    active--;
    let best = 0;
    for (let i = 1; i < queue.length; i++) {
      const q = queue[i]!;
      const b = queue[best]!;
      if (q.priority > b.priority || (q.priority === b.priority && q.seq < b.seq)) best = i;
    }
    queue.splice(best, 1)[0]?.start();
  };
  return async <T>(fn: () => Promise<T>, priority: number): Promise<T> => {
    if (active >= slots) await new Promise<void>((start) => queue.push({ priority, seq: seq++, start }));
    active++;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}
