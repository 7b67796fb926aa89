import { describe, expect, it } from 'vitest';
import { quotaLines, summaryLine, syncJson, syncTable } from '../../src/cli/sync-render.js';
import { RegctlError } from '../../src/errors.js';
import { countImages, syncOutcome, type ImageResult, type SyncReport } from '../../src/sync/report.js';

const image = (source: string, status: ImageResult['status'], extra: Partial<ImageResult> = {}): ImageResult => ({
  source, status, bytes: 0, ms: 0, destinations: [], ...extra,
});

function report(images: ImageResult[], extra: Partial<SyncReport> = {}): SyncReport {
  return { dryRun: false, otherShards: 0, images, sourceFailures: [], rateLimits: {}, ms: 4200, ...extra };
}

describe('sync report', () => {
  it('is ok only when everything is copied or up to date', () => {
    expect(syncOutcome(report([image('a:1', 'copied'), image('b:1', 'skipped')]))).toBe('ok');
    expect(syncOutcome(report([]))).toBe('ok');
  });

  it('is failed for a failed image, an image that never ran, or a source that could not be listed', () => {
    expect(syncOutcome(report([image('a:1', 'copied'), image('b:1', 'failed')]))).toBe('failed');
    expect(syncOutcome(report([image('a:1', 'not-run')]))).toBe('failed');
    expect(syncOutcome(report([image('a:1', 'copied')], { sourceFailures: [{ source: 'x.io/ns/', error: new Error('no') }] }))).toBe('failed');
    // A failure outweighs what the budget left.
    expect(syncOutcome(report([image('a:1', 'deferred'), image('b:1', 'failed')]))).toBe('failed');
  });

  it('is incomplete when the budget left images and nothing failed', () => {
    expect(syncOutcome(report([image('a:1', 'copied'), image('b:1', 'deferred')]))).toBe('incomplete');
  });

  it('counts statuses and bytes, and sums them up in one line', () => {
    const r = report([
      image('a:1', 'copied', { bytes: 3 * 1024 * 1024 }), image('a:2', 'skipped'), image('b:1', 'failed', { reason: 'x.io/b:1: denied' }),
      image('c:1', 'deferred', { reason: 'docker.io: 2 pulls left' }), image('d:1', 'not-run', { reason: 'stopped' }),
    ], { sourceFailures: [{ source: 'x.io/ns/', error: new RegctlError('NAME_UNKNOWN', 'x.io/ns: no such namespace') }], shard: { index: 1, count: 4 }, otherShards: 9 });
    expect(countImages(r)).toEqual({ copied: 1, skipped: 1, planned: 0, failed: 1, deferred: 1, 'not-run': 1, bytes: 3 * 1024 * 1024 });
    expect(summaryLine(r)).toBe('5 images (shard 1/4; 9 repositories in other shards): 1 copied (3.0 MiB), 1 up to date, 1 failed, 1 source listing failed, 1 not run, 1 left for the next run; 4.20 s');
    const table = syncTable(r);
    expect(table[0]).toMatch(/^SOURCE\s+STATUS\s+BYTES\s+TIME\s+DETAIL$/);
    expect(table).toContain('x.io/ns/: listing failed: x.io/ns: no such namespace');
    expect(table.find((l) => l.startsWith('b:1'))).toMatch(/^b:1\s+FAILED\s+-\s+-\s+x\.io\/b:1: denied$/);
  });

  it('gives errors their codes in JSON, and names where pulls stopped', () => {
    const err = new RegctlError('DENIED', 'push refused');
    const r = report([image('b:1', 'failed', { error: err, reason: 'push refused', destinations: [{ reference: 'x.io/b:1', status: 'failed', bytes: 0, error: err }] })], {
      budget: { min: 20, stopped: [{ registry: 'docker.io', remaining: 20 }] },
      rateLimits: { 'docker.io': { remaining: 20, limit: 100, windowSeconds: 21600 } },
    });
    const json = syncJson(r) as { images: Array<Record<string, unknown>>; summary: Record<string, number> };
    expect(json.images[0]).toMatchObject({ error: { code: 'DENIED', message: 'push refused' }, destinations: [{ error: { code: 'DENIED' } }] });
    expect(json.summary).toMatchObject({ failed: 1, sourceFailures: 0, ms: 4200 });
    expect(quotaLines(r)).toEqual(['docker.io: pulls stopped with 20 left (--ratelimit-min 20)', 'docker.io: 20 of 100 pulls left per 6 h']);
  });
});
