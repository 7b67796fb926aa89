/**
 * How one fault run ended, decided by evidence rather than by what the code under test says:
 * the copy's promise (with a hard deadline), the destination checks of verify.ts, and a scan of
 * everything the run printed or logged for secrets.
 */
import { RegctlError } from '../../../src/errors.js';
import type { DestinationCheck } from '../../harness/faults/verify.js';

/** The end states. Only `complete` and `clean` are acceptable; the rest fail the suite. */
export type EndState =
  /** The copy succeeded and every destination holds the source digest with its whole graph. */
  | 'complete'
  /** The copy failed with a RegctlError, and nothing incomplete is behind a tag or on disk. */
  | 'clean'
  /** Failed with something other than a RegctlError (an untyped crash). */
  | 'unclean'
  /** Incomplete or wrong content behind a tag, a stored manifest or a file, or a success that is not one. */
  | 'lost'
  /** The hard deadline passed before the copy settled. */
  | 'hang';

/** One run's record, as the figures count it. */
export interface RunRecord {
  /** The row of docs/reliability.md it counts towards. */
  group: string;
  name: string;
  state: EndState;
  /** The error code of a failure. */
  code?: string;
  message?: string;
  /** What the destination checks found; non-empty means `lost`. */
  problems: string[];
  /** Secrets found in output or at the redirect origin. */
  leaks: string[];
  ms: number;
  /** Faults handed out (random runs). */
  faults?: string[];
}

/** Thrown by {@link withDeadline} when time runs out. */
export class Hang extends Error {
  constructor(ms: number) {
    super(`no result after ${ms} ms`);
  }
}

/** Races `p` against a timer; rejects with {@link Hang} when the timer wins. */
export async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Hang(ms)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** How a copy settled: per-destination outcomes, an error thrown for all of them, or nothing in time. */
export type Settled =
  | { outcomes: Array<{ ok: true; digest: string } | { ok: false; error: unknown }> }
  | { thrown: unknown }
  | { hang: true };

/** Runs `copy` under the deadline and reports how it settled. */
export async function settle(copy: () => Promise<Array<{ ok: true; digest: string } | { ok: false; error: unknown }>>, deadlineMs: number): Promise<Settled> {
  try {
    return { outcomes: await withDeadline(copy(), deadlineMs) };
  } catch (e) {
    return e instanceof Hang ? { hang: true } : { thrown: e };
  }
}

/** A failure is clean when it is a RegctlError with a real code and a message. */
export function isCleanError(e: unknown): e is RegctlError {
  return e instanceof RegctlError && e.code !== 'INTERNAL' && e.message.length > 0;
}

/**
 * The end state from how the copy settled and what each destination holds (`checks`, in
 * target order). A destination that succeeded must hold `expected` behind its tag with nothing
 * wrong; one that failed must have failed with a clean error and hold nothing incomplete.
 */
export function classify(settled: Settled, expected: string, checks: DestinationCheck[]): Pick<RunRecord, 'state' | 'code' | 'message' | 'problems'> {
  const problems = checks.flatMap((c) => c.problems);
  if ('hang' in settled) return { state: 'hang', problems };
  const errors = 'thrown' in settled ? [settled.thrown] : settled.outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  if ('outcomes' in settled) {
    settled.outcomes.forEach((o, i) => {
      if (!o.ok) return;
      if (o.digest !== expected) problems.push(`destination ${i}: copy reported ${o.digest}, not ${expected}`);
      if (checks[i]?.tagged !== expected) problems.push(`destination ${i}: copy succeeded but the tag holds ${checks[i]?.tagged ?? 'nothing'}`);
    });
  }
  const first = errors[0];
  const failure = first === undefined ? {} : {
    code: first instanceof RegctlError ? first.code : String((first as { code?: unknown })?.code ?? typeof first),
    message: first instanceof Error ? first.message : String(first),
  };
  if (problems.length) return { state: 'lost', problems, ...failure };
  if (errors.length === 0) return { state: 'complete', problems };
  return { state: errors.every(isCleanError) ? 'clean' : 'unclean', problems, ...failure };
}

/** Counts per row of the figures table. */
export interface Tally {
  tried: number;
  complete: number;
  clean: number;
  unclean: number;
  lost: number;
  hangs: number;
  leaked: number;
}

/** Sums records by group. */
export function tally(records: RunRecord[]): Map<string, Tally> {
  const out = new Map<string, Tally>();
  for (const r of records) {
    let t = out.get(r.group);
    if (!t) out.set(r.group, (t = { tried: 0, complete: 0, clean: 0, unclean: 0, lost: 0, hangs: 0, leaked: 0 }));
    t.tried++;
    if (r.state === 'complete') t.complete++;
    else if (r.state === 'clean') t.clean++;
    else if (r.state === 'unclean') t.unclean++;
    else if (r.state === 'lost') t.lost++;
    else t.hangs++;
    if (r.leaks.length) t.leaked++;
  }
  return out;
}
