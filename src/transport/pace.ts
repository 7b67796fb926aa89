/**
 * Spaces out request starts to at most `perSecond` a second (config `requestsPerSecond`), for
 * registries that throttle or ban clients that send faster. Each call reserves the next free
 * slot, so concurrent callers queue in call order; there is no burst allowance.
 */
export type Pacer = () => Promise<void>;

/** Makes a {@link Pacer}; `now` and `sleep` are replaceable for tests. */
export function pacer(
  perSecond: number,
  now: () => number = () => performance.now(),
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Pacer {
  const gap = 1000 / perSecond;
  let next = -Infinity;
  return async () => {
    const t = now();
    const at = Math.max(t, next);
    next = at + gap;
    if (at > t) await sleep(at - t);
  };
}
