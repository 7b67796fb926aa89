import type { CopyOutcome } from '../copy/copy.js';
import type { CopyPlan } from '../copy/plan.js';
import { formatBytes } from './format.js';
import { errorJson, exitCodeFor } from './render-error.js';

/** The `--json` object of one destination: its result or error, and its own exit status. */
export function outcomeJson(o: CopyOutcome): Record<string, unknown> {
  if (!o.ok) return { destination: o.destination, ok: false, exitCode: exitCodeFor(o.error), error: errorJson(o.error) };
  const { ok, destination, ...result } = o;
  return { destination, ok, exitCode: 0, ...result };
}

/** A dry-run plan for people: one line per blob, then what would be pushed and the totals. */
export function planLines(destination: string, digest: string, plan: CopyPlan): string[] {
  const lines = [`${destination} (${digest})`];
  const width = Math.max(0, ...plan.blobs.map((b) => formatBytes(b.size).length));
  for (const b of plan.blobs) lines.push(`  ${b.action.padEnd(5)}  ${b.digest}  ${formatBytes(b.size).padStart(width)}  ${b.mediaType}`);
  const count = (a: string) => plan.blobs.filter((b) => b.action === a).length;
  lines.push(`  manifests to push: ${plan.manifests.length}`);
  lines.push(`  total: ${count('copy')} to copy (${formatBytes(plan.bytesToCopy)}), ${count('mount')} to mount, ${count('skip')} present`);
  return lines;
}
