import { describe, expect, it } from 'vitest';
import type { SyncImage } from '../../src/sync/plan.js';
import { interleaved } from '../../src/sync/run.js';

const img = (repository: string, tag: string): SyncImage => ({ source: { registry: 'r.io', repository, tag }, targets: [], referrers: false });

describe('image order', () => {
  it('starts the first tag of every repository, then the second of each, and so on', () => {
    const images = [img('a', '1'), img('a', '2'), img('a', '3'), img('b', '1'), img('c', '1'), img('c', '2')];
    expect(interleaved(images).map((i) => `${images[i]!.source.repository}:${images[i]!.source.tag}`)).toEqual(['a:1', 'b:1', 'c:1', 'a:2', 'c:2', 'a:3']);
  });

  it('is a permutation', () => {
    const images = Array.from({ length: 37 }, (_, i) => img(`r${i % 5}`, String(i)));
    expect(interleaved(images).sort((x, y) => x - y)).toEqual(images.map((_, i) => i));
    expect(interleaved([])).toEqual([]);
  });
});
