/**
 * Seeded random mixes: the copy of a two-platform index while both proxies fail 10 % of the
 * requests with a fault drawn for each (resets, stalls, 5xx, 429, truncation, corruption,
 * swapped content, redirects). Each run ends complete or clean, never with incomplete content
 * behind a tag, a corrupt layout file, a hang or a leaked secret. `npm test` makes a few runs
 * with a fixed seed; `npm run test:faults` makes 200 (REGCTL_FAULT_RUNS) for docs/reliability.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestInfo } from '../harness/fault-proxy.js';
import { randomFaults } from '../harness/faults/random.js';
import { faultRuns, faultSeed, saveReport } from '../harness/faults/report.js';
import { SRC_TAG, startFaultEnv, type FaultEnv, type RunTarget } from './support/env.js';
import type { RunRecord } from './support/outcome.js';
import { recordOf, runOnce } from './support/runner.js';

const RATE = 0.1;
const RUNS = faultRuns(8);

describe(`random fault mix at ${RATE * 100} %`, () => {
  let env: FaultEnv;
  const records: RunRecord[] = [];

  beforeAll(async () => {
    env = await startFaultEnv();
  });
  afterAll(async () => {
    await saveReport('random-mix', records);
    await env?.stop();
  });

  /** Body sizes the proxy will see, so cuts and stalls land inside bodies. */
  const sizeOf = (req: RequestInfo) => {
    const digest = /(sha256:[a-f0-9]{64})/.exec(decodeURIComponent(req.path))?.[1];
    return digest ? env.paths.get(digest)?.size : env.index.size;
  };

  it.each(Array.from({ length: RUNS }, (_, i) => i))('run %i ends complete or clean', async (i) => {
    const seed = `${faultSeed()}/${i}`;
    const faults: string[] = [];
    const swapPaths = [...env.paths.values()].map((p) => p.path);
    const chooser = (side: string) => randomFaults({
      seed: `${seed}/${side}`, rate: RATE, sizeOf, swapPaths,
      onFault: (req, f) => faults.push(`${side} ${req.method} ${req.path.replace(/\?.*/, '')} ${f.type}${f.type === 'status' ? ` ${f.status}` : ''}`),
    });
    const targets: RunTarget[] = [{ kind: 'registry', where: `mix/${i}`, tag: SRC_TAG }];
    // Every other run also writes an OCI layout in the same fan-out: a failure there must leave
    // no partial blob file, no temporary file and no tag in index.json.
    if (i % 2 === 1) targets.push({ kind: 'layout', where: env.layoutDir(`mix-${i}`), tag: SRC_TAG });
    const run = await runOnce(env, {
      group: 'random mix, 10 % of requests', name: `seed ${seed}`, targets,
      arm: (e) => {
        e.srcProxy.setChooser(chooser('src'));
        e.dstProxy.setChooser(chooser('dst'));
      },
    });
    records.push({ ...recordOf(run), faults });
    const why = `${seed}: ${run.state} ${run.code ?? ''} ${run.message ?? ''}\nfaults: ${faults.join('\n')}\nproblems: ${run.problems.join('\n')}`;
    expect(run.leaks, why).toEqual([]);
    expect(run.problems, why).toEqual([]);
    expect(['complete', 'clean'], why).toContain(run.state);
  }, 120_000);

  it('the mix did inject faults, and copies still completed', () => {
    expect(records).toHaveLength(RUNS);
    expect(records.reduce((n, r) => n + (r.faults?.length ?? 0), 0)).toBeGreaterThan(0);
    expect(records.some((r) => r.state === 'complete')).toBe(true);
  });
});

describe('seeded choices', () => {
  it('do not depend on the order requests arrive in', () => {
    const reqs: RequestInfo[] = Array.from({ length: 400 }, (_, i) => ({ method: i % 3 ? 'GET' : 'PUT', path: `/v2/r/blobs/sha256:${String(i % 50).padStart(64, '0')}`, headers: {} }));
    const draw = (order: RequestInfo[]) => {
      const choose = randomFaults({ seed: 'order', rate: 0.3 });
      const got = new Map<RequestInfo, string>();
      for (const r of order) got.set(r, JSON.stringify(choose(r) ?? null));
      return reqs.map((r) => got.get(r));
    };
    // Repeats of one request keep their order (the n-th GET of a path is the n-th in both).
    const shuffled = [...reqs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const first = draw(reqs);
    expect(draw(shuffled)).toEqual(first);
    const fired = first.filter((f) => f !== 'null').length;
    expect(fired).toBeGreaterThan(60);
    expect(fired).toBeLessThan(180);
  });
});
