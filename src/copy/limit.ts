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
