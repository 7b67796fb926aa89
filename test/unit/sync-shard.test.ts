import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inShard, parseShard, shardFromJobIndex, shardOf } from '../../src/sync/shard.js';

describe('sharding', () => {
  it('n shards together take every name exactly once, for any names and n', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 200 }), fc.integer({ min: 1, max: 17 }), (names, n) => {
      const taken = Array.from({ length: n }, (_, index) => names.filter((x) => inShard(x, { index, count: n })));
      expect(taken.flat().sort()).toEqual([...names].sort());
    }));
  });

  it('is the documented formula: first 4 bytes of SHA-256, big-endian, modulo the count', () => {
    for (const name of ['docker.io/library/alpine', 'ghcr.io/org/app', '127.0.0.1:5000/x']) {
      const word = createHash('sha256').update(name).digest().readUInt32BE(0);
      for (const n of [1, 2, 3, 7, 64]) expect(shardOf(name, n)).toBe(word % n);
    }
  });

  it('spreads names roughly evenly', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`docker.io/library/image-${i}`, 4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });

  it('parses --shard i/n, 0-based', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 });
    expect(parseShard(' 3 / 4 ')).toEqual({ index: 3, count: 4 });
    expect(() => parseShard('4/4')).toThrow('from 0 to 3');
    expect(() => parseShard('1/0')).toThrow('shard count');
    expect(() => parseShard('1')).toThrow('expected INDEX/COUNT');
    expect(() => parseShard('-1/4')).toThrow('expected INDEX/COUNT');
  });

  it('reads the index from JOB_COMPLETION_INDEX with --shard-count', () => {
    expect(shardFromJobIndex({ JOB_COMPLETION_INDEX: '2' }, '3')).toEqual({ index: 2, count: 3 });
    expect(() => shardFromJobIndex({}, '3')).toThrow('needs JOB_COMPLETION_INDEX');
    expect(() => shardFromJobIndex({ JOB_COMPLETION_INDEX: '3' }, '3')).toThrow('from 0 to 2');
    expect(() => shardFromJobIndex({ JOB_COMPLETION_INDEX: 'x' }, '3')).toThrow('shard index');
    expect(() => shardFromJobIndex({ JOB_COMPLETION_INDEX: '0' }, 'three')).toThrow('shard count');
  });
});
