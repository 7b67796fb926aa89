import { createHash } from 'node:crypto';
import { RegctlError } from '../errors.js';

/** One share of the work: shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The shard an image belongs to: the first four bytes of SHA-256 of its name
 * (`docker.io/library/alpine`), big-endian, modulo `count`. It depends on nothing but the name
 * and the count, so every runner of a matrix or an Indexed Job computes the same split without
 * talking to the others, and n shards together take every image exactly once.
 */
export function shardOf(name: string, count: number): number {
  return createHash('sha256').update(name, 'utf8').digest().readUInt32BE(0) % count;
}

/** True when `name` is in `shard` (always, without sharding). */
export function inShard(name: string, shard: Shard | undefined): boolean {
  return shard === undefined || shardOf(name, shard.count) === shard.index;
}

const MAX_SHARDS = 10_000;

function check(index: number, count: number, what: string): Shard {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) throw new RegctlError('USAGE', `${what}: the shard count must be a whole number from 1 to ${MAX_SHARDS}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RegctlError('USAGE', `${what}: the shard index must be from 0 to ${count - 1} (shards are numbered from 0, as JOB_COMPLETION_INDEX is)`);
  return { index, count };
}

const wholeNumber = (s: string) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : NaN);

/** Parses `--shard i/n` (0-based: `0/4` ... `3/4`). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new RegctlError('USAGE', `--shard ${JSON.stringify(text)}: expected INDEX/COUNT, e.g. 0/4`);
  return check(Number(m[1]), Number(m[2]), `--shard ${text}`);
}

/**
 * The shard of a Kubernetes Indexed Job pod: the index from `JOB_COMPLETION_INDEX` (which the
 * Job controller sets), the count from `--shard-count` (the Job's `completions`).
 */
export function shardFromJobIndex(env: NodeJS.ProcessEnv, countText: string): Shard {
  const raw = env.JOB_COMPLETION_INDEX;
  if (raw === undefined || raw.trim() === '') {
    throw new RegctlError('USAGE', '--shard-count needs JOB_COMPLETION_INDEX, which Kubernetes sets in the pods of an Indexed Job', { hint: 'elsewhere, use --shard INDEX/COUNT' });
  }
  return check(wholeNumber(raw), wholeNumber(countText), `JOB_COMPLETION_INDEX=${JSON.stringify(raw)} with --shard-count ${countText}`);
}
