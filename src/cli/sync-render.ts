import { describeRateLimit } from '../registry/rate-limit.js';
import { countImages, type ImageResult, type SyncReport } from '../sync/report.js';
import { formatBytes } from './format.js';
import { errorJson, errorText } from './render-error.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** The `--json` form of a sync report: every image with its destinations, errors with codes. */
export function syncJson(report: SyncReport): Record<string, unknown> {
  return {
    dryRun: report.dryRun,
    ...(report.shard && { shard: report.shard }),
    otherShards: report.otherShards,
    summary: { ...countImages(report), sourceFailures: report.sourceFailures.length, ms: Math.round(report.ms) },
    images: report.images.map((i) => ({
      ...i, ms: Math.round(i.ms),
      ...(i.error !== undefined && { error: errorJson(i.error) }),
      destinations: i.destinations.map((d) => ({ ...d, ...(d.error !== undefined && { error: errorJson(d.error) }) })),
    })),
    sourceFailures: report.sourceFailures.map((f) => ({ source: f.source, error: errorJson(f.error) })),
    ...(report.budget && { budget: report.budget }),
    rateLimits: report.rateLimits,
  };
}

const STATUS_TEXT: Record<ImageResult['status'], string> = {
  copied: 'copied', skipped: 'up to date', planned: 'to copy', failed: 'FAILED', deferred: 'deferred', 'not-run': 'not run',
};

/**
 * The terminal table: one row per image (source, status, bytes, time, and the destinations, or
 * why it failed or waits), then the listing failures and one summary line.
 */
export function syncTable(report: SyncReport): string[] {
  const rows = report.images.map((i) => [
    i.source, STATUS_TEXT[i.status], i.bytes > 0 ? formatBytes(i.bytes) : '-', i.ms > 0 ? secs(i.ms) : '-',
    i.reason ?? i.destinations.map((d) => `-> ${d.reference}`).join(', '),
  ]);
  const all = [['SOURCE', report.dryRun ? 'PLAN' : 'STATUS', 'BYTES', 'TIME', 'DETAIL'], ...rows];
  const width = [0, 1, 2, 3].map((c) => Math.max(...all.map((r) => r[c]!.length)));
  const lines = all.map((r) => r.map((v, c) => (c < 4 ? v.padEnd(width[c]!) : v)).join('  ').trimEnd());
  for (const f of report.sourceFailures) lines.push(`${f.source}: listing failed: ${errorText(f.error).replace(/^error: /, '')}`);
  lines.push(summaryLine(report));
  return lines;
}

/** `200 images: 12 copied (31.0 MiB), 187 up to date, 1 failed; 4.20 s` and what is left. */
export function summaryLine(report: SyncReport): string {
  const c = countImages(report);
  const parts = report.dryRun
    ? [`${c.planned} to copy (${formatBytes(c.bytes)})`, `${c.skipped} up to date`]
    : [`${c.copied} copied (${formatBytes(c.bytes)})`, `${c.skipped} up to date`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (report.sourceFailures.length) parts.push(`${report.sourceFailures.length} source listing${report.sourceFailures.length > 1 ? 's' : ''} failed`);
  if (c['not-run']) parts.push(`${c['not-run']} not run`);
  if (c.deferred) parts.push(`${c.deferred} left for the next run`);
  const shard = report.shard ? ` (shard ${report.shard.index}/${report.shard.count}; ${report.otherShards} repositories in other shards)` : '';
  return `${report.images.length} images${shard}: ${parts.join(', ')}; ${secs(report.ms)}`;
}

/** Lines about pull quotas: where the budget stopped pulls, and what each registry reported. */
export function quotaLines(report: SyncReport): string[] {
  const lines = (report.budget?.stopped ?? []).map((s) => `${s.registry}: pulls stopped with ${s.remaining} left${report.budget?.min !== undefined ? ` (--ratelimit-min ${report.budget.min})` : ''}`);
  for (const [host, r] of Object.entries(report.rateLimits)) lines.push(`${host}: ${describeRateLimit(r)}`);
  return lines;
}

/** Progress while syncing: a status line redrawn on a terminal, else one line per image. */
export function syncProgress(write: (text: string) => void, tty: boolean, total: number): { onImage(r: ImageResult): void; done(): void } {
  let finished = 0;
  const tally = new Map<string, number>();
  return {
    onImage(r) {
      finished++;
      tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
      if (!tty) return write(`${r.source}: ${STATUS_TEXT[r.status]}${r.reason ? ` (${r.reason})` : ''}\n`);
      const parts = [...tally].map(([s, n]) => `${n} ${STATUS_TEXT[s as ImageResult['status']]}`).join(', ');
      write(`\r\x1b[2Ksync: ${finished}/${total} images (${parts})`);
    },
    done() {
      if (tty && finished > 0) write('\r\x1b[2K');
    },
  };
}
