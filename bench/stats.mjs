// Small summaries of repeated measurements.

/** The median of numbers (mean of the middle two for an even count); NaN when empty. */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** "n", or "min-max" when repeated runs disagree; "" when there is nothing. */
export function range(xs) {
  if (xs.length === 0) return '';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/**
 * Counts requests by side and endpoint: "src GET blob x12, dst PUT upload x12, ...", in a
 * stable order, plus the connections that were not HTTP (https probes of a plain-http port).
 */
export function breakdown(sides) {
  const counts = new Map();
  let probes = 0;
  for (const [side, taken] of sides) {
    probes += taken.nonHttp;
    for (const r of taken.requests) {
      const key = `${side} ${r.method} ${r.kind}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const parts = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} x${n}`);
  if (probes) parts.push(`non-HTTP (https probe) x${probes}`);
  return parts.join(', ');
}
