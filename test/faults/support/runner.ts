/**
 * One fault run from start to verdict: arm the proxies, copy under a hard deadline, disarm,
 * check every destination directly, scan everything the run printed or sent to the redirect
 * origin for the test credentials, and release the client.
 */
import { errorText, findLeaks } from '../../harness/faults/secrets.js';
import { PASSWORD, USER, type FaultEnv, type RunTarget } from './env.js';
import { classify, settle, type RunRecord } from './outcome.js';

/** What to run. */
export interface RunSpec {
  /** The row of the figures table. */
  group: string;
  name: string;
  targets: RunTarget[];
  /** Installs this run's faults (rules or choosers) on the proxies. */
  arm(env: FaultEnv): void;
  /** Hard deadline; default 60 s, far above what the client's own timeouts allow. */
  deadlineMs?: number;
}

/** A finished run: its record, and the raw material for assertions. */
export interface FinishedRun extends RunRecord {
  logs: string[];
  errors: unknown[];
}

function disarm(env: FaultEnv): void {
  for (const p of [env.srcProxy, env.dstProxy]) {
    p.clearRules();
    p.setChooser(undefined);
  }
}

/** Runs `spec` once; see the file comment. */
export async function runOnce(env: FaultEnv, spec: RunSpec): Promise<FinishedRun> {
  disarm(env);
  const mirrored = [env.srcProxy.mirror.requests.length, env.dstProxy.mirror.requests.length] as const;
  spec.arm(env);
  const started = Date.now();
  const copy = env.copy(spec.targets);
  const settled = await settle(() => copy.run, spec.deadlineMs ?? 60_000);
  const ms = Date.now() - started;
  // Faults stop here: the checks below read the registries directly anyway, but a copy that hung
  // must not keep meeting faults while it is being torn down.
  disarm(env);
  const checks = await copy.check();
  const verdict = classify(settled, env.index.digest, checks);
  const errors = 'thrown' in settled ? [settled.thrown] : 'outcomes' in settled ? settled.outcomes.flatMap((o) => (o.ok ? [] : [o.error])) : [];
  const text = [...copy.logs, ...errors.map(errorText)].join('\n');
  const leaks = findLeaks(text, [PASSWORD], [[USER, PASSWORD]]);
  const sentToMirror = [...env.srcProxy.mirror.requests.slice(mirrored[0]), ...env.dstProxy.mirror.requests.slice(mirrored[1])];
  if (sentToMirror.some((r) => r.headers.authorization !== undefined || r.headers.cookie !== undefined)) leaks.push('credentials sent to the redirect origin');
  // A hung copy may still hold connections; closing must not hang the suite in its turn.
  await Promise.race([copy.close(), new Promise((r) => setTimeout(r, 2_000))]);
  return { group: spec.group, name: spec.name, ...verdict, leaks, ms, logs: copy.logs, errors };
}

/** The record without the raw material, for reports. */
export function recordOf(run: FinishedRun): RunRecord {
  const { logs: _logs, errors: _errors, ...record } = run;
  return record;
}
