/**
 * The copy of a two-platform index through each fault, one kind at a time, between two
 * token-auth registries, fanned out to a registry repository and an OCI layout at once. Each
 * case states the end it must reach: a complete copy (the fault is retried, resumed or
 * followed) or a clean failure with a given error code, with nothing incomplete behind a tag
 * and no corrupt or stray file in the layout. Figures: docs/reliability.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault, RequestInfo } from '../harness/fault-proxy.js';
import { saveReport } from '../harness/faults/report.js';
import { SRC_TAG, startFaultEnv, type FaultEnv } from './support/env.js';
import type { RunRecord } from './support/outcome.js';
import { recordOf, runOnce, type FinishedRun } from './support/runner.js';

/** One case of the table. */
interface Case {
  group: string;
  /** Which proxy gets the fault. */
  side: 'source' | 'destination';
  /** The request it hits. */
  target: (env: FaultEnv) => (req: RequestInfo) => boolean;
  fault: Fault;
  times?: number;
  /** A second fault for the same request, once the first is used up. */
  then?: Fault;
  /** The end it must reach: `complete`, or the code of a clean failure. */
  expect: 'complete' | string;
  /** Extra checks on the finished run. */
  also?: (run: FinishedRun, env: FaultEnv) => void;
}

const layer = (env: FaultEnv) => env.index.children[0]!.layers[1]!;
const child = (env: FaultEnv) => env.index.children[1]!;
const blobGet = (env: FaultEnv) => (r: RequestInfo) => r.method === 'GET' && r.path.endsWith(`/blobs/${layer(env).digest}`);
const manifestGet = (env: FaultEnv) => (r: RequestInfo) => r.method === 'GET' && r.path.endsWith(`/manifests/${child(env).digest}`);
const ping = () => (r: RequestInfo) => r.method === 'GET' && r.path === '/v2/';
const blobPut = (env: FaultEnv) => (r: RequestInfo) => r.method === 'PUT' && r.path.includes(`digest=${encodeURIComponent(layer(env).digest)}`);
const childPut = (env: FaultEnv) => (r: RequestInfo) => r.method === 'PUT' && r.path.endsWith(`/manifests/${child(env).digest}`);
const tagPut = () => (r: RequestInfo) => r.method === 'PUT' && r.path.endsWith(`/manifests/${SRC_TAG}`);
const status = (code: number, headers?: Record<string, string>): Fault => ({ type: 'status', status: code, ...(headers && { headers }), body: '{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}' });
const half = 90_000; // inside the layer (about 192 KiB)

/** Requests to the mirror origin carried no credentials and fetched the redirected content. */
const mirroredWithoutCredentials = (side: 'srcProxy' | 'dstProxy') => (_run: FinishedRun, env: FaultEnv) => {
  const seen = env[side].mirror.requests.filter((r) => r.path.endsWith(`/blobs/${layer(env).digest}`));
  expect(seen.length).toBeGreaterThan(0);
  for (const r of seen) expect(r.headers.authorization).toBeUndefined();
};

const CASES: Case[] = [
  { group: 'reset before the answer (blob download), once', side: 'source', target: blobGet, fault: { type: 'reset' }, expect: 'complete' },
  { group: 'reset mid-body (blob download), once', side: 'source', target: blobGet, fault: { type: 'cut-response', afterBytes: half }, expect: 'complete' },
  { group: 'reset mid-body (blob download), every time with progress', side: 'source', target: blobGet, fault: { type: 'cut-response', afterBytes: half / 3 }, times: Infinity, expect: 'complete' },
  { group: 'reset after the headers (blob download), every time', side: 'source', target: blobGet, fault: { type: 'cut-response', afterBytes: 0 }, times: Infinity, expect: 'NETWORK' },
  { group: 'no answer (blob download), once', side: 'source', target: blobGet, fault: { type: 'hang' }, expect: 'complete' },
  { group: 'no answer (blob download), every time', side: 'source', target: blobGet, fault: { type: 'hang' }, times: Infinity, expect: 'TIMEOUT' },
  { group: 'stall mid-body (blob download), once', side: 'source', target: blobGet, fault: { type: 'stall-response', afterBytes: half }, expect: 'complete' },
  { group: 'stall before the first byte (blob download), every time', side: 'source', target: blobGet, fault: { type: 'stall-response', afterBytes: 0 }, times: Infinity, expect: 'NETWORK' },
  { group: '500 (blob download), once', side: 'source', target: blobGet, fault: status(500), expect: 'complete' },
  { group: '502 (blob download), once', side: 'source', target: blobGet, fault: status(502), expect: 'complete' },
  { group: '503 (blob download), once', side: 'source', target: blobGet, fault: status(503), expect: 'complete' },
  { group: '503 (blob download), every time', side: 'source', target: blobGet, fault: status(503), times: Infinity, expect: 'REGISTRY_ERROR' },
  {
    group: '429 + Retry-After: 1 (blob download), once', side: 'source', target: blobGet, fault: status(429, { 'retry-after': '1' }), expect: 'complete',
    also: (_run, env) => {
      // The retry waited for what the registry asked (a lower bound: sleeps never end early).
      const gets = env.srcProxy.requests.filter((r) => blobGet(env)(r));
      const i = gets.findIndex((r) => r.status === 429);
      expect(gets[i + 1]!.at - gets[i]!.at).toBeGreaterThanOrEqual(950);
    },
  },
  { group: '429 + Retry-After: 1 (blob download), every time', side: 'source', target: blobGet, fault: status(429, { 'retry-after': '1' }), times: Infinity, expect: 'RATE_LIMITED' },
  { group: 'truncated body (blob download), once', side: 'source', target: blobGet, fault: { type: 'truncate', afterBytes: half }, expect: 'complete' },
  { group: 'corrupt byte (blob download), once', side: 'source', target: blobGet, fault: { type: 'corrupt', at: half }, expect: 'DIGEST_MISMATCH' },
  {
    group: 'different blob than asked (blob download), once', side: 'source', target: blobGet, expect: 'DIGEST_MISMATCH',
    fault: { type: 'swap', path: '' }, // filled in below: another blob of the source
  },
  {
    // The source fails while the layout's branch of the fan-out may not be read yet: that once
    // crashed the process with an uncaught stream error and left a temporary file behind.
    group: 'reset mid-body, then 404 on the resumed read (blob download)', side: 'source', target: blobGet,
    fault: { type: 'cut-response', afterBytes: 1000 }, then: { type: 'status', status: 404, body: '{"errors":[{"code":"BLOB_UNKNOWN","message":"gone"}]}' }, expect: 'BLOB_UNKNOWN',
  },
  { group: 'corrupt byte (blob download), every time', side: 'source', target: blobGet, fault: { type: 'corrupt', at: half }, times: Infinity, expect: 'DIGEST_MISMATCH' },
  { group: 'redirect to another origin (blob download), every time', side: 'source', target: blobGet, fault: { type: 'redirect' }, times: Infinity, expect: 'complete', also: mirroredWithoutCredentials('srcProxy') },
  { group: 'reset mid-body (manifest download), once', side: 'source', target: manifestGet, fault: { type: 'cut-response', afterBytes: 100 }, expect: 'complete' },
  { group: 'stall mid-body (manifest download), once', side: 'source', target: manifestGet, fault: { type: 'stall-response', afterBytes: 100 }, expect: 'complete' },
  { group: 'truncated body (manifest download), once', side: 'source', target: manifestGet, fault: { type: 'truncate', afterBytes: 100 }, expect: 'DIGEST_MISMATCH' },
  { group: 'corrupt byte (manifest download), once', side: 'source', target: manifestGet, fault: { type: 'corrupt', at: 100 }, expect: 'DIGEST_MISMATCH' },
  { group: '503 (registry ping), once', side: 'source', target: ping, fault: status(503), expect: 'complete' },
  { group: 'reset (registry ping), once', side: 'destination', target: ping, fault: { type: 'reset' }, expect: 'complete' },
  { group: 'reset mid-body (blob upload), once', side: 'destination', target: blobPut, fault: { type: 'cut-request', afterBytes: half }, expect: 'complete' },
  { group: 'reset mid-body (blob upload), every time', side: 'destination', target: blobPut, fault: { type: 'cut-request', afterBytes: half }, times: Infinity, expect: 'NETWORK' },
  { group: '500 (blob upload), once', side: 'destination', target: blobPut, fault: status(500), expect: 'complete' },
  { group: 'no answer (blob upload), once', side: 'destination', target: blobPut, fault: { type: 'hang' }, expect: 'complete' },
  { group: '429 + Retry-After: 1 (blob upload), once', side: 'destination', target: blobPut, fault: status(429, { 'retry-after': '1' }), expect: 'complete' },
  { group: '429 + Retry-After: 1 (blob upload), every time', side: 'destination', target: blobPut, fault: status(429, { 'retry-after': '1' }), times: Infinity, expect: 'RATE_LIMITED' },
  { group: '503 (manifest push by digest), every time', side: 'destination', target: childPut, fault: status(503), times: Infinity, expect: 'REGISTRY_ERROR' },
  { group: '503 (tag push), every time', side: 'destination', target: tagPut, fault: status(503), times: Infinity, expect: 'REGISTRY_ERROR' },
  { group: 'reset after the registry acted (tag push), once', side: 'destination', target: tagPut, fault: { type: 'cut-response', afterBytes: 0 }, expect: 'complete' },
  { group: 'no answer (tag push), once', side: 'destination', target: tagPut, fault: { type: 'hang' }, expect: 'complete' },
];

describe('each fault on its own', () => {
  let env: FaultEnv;
  const records: RunRecord[] = [];

  beforeAll(async () => {
    env = await startFaultEnv();
  });
  afterAll(async () => {
    await saveReport('each-fault', records);
    await env?.stop();
  });

  CASES.forEach((c, n) => {
    it(`${c.group}: ${c.expect === 'complete' ? 'completes' : `fails cleanly with ${c.expect}`}`, async () => {
      const layoutDir = env.layoutDir(`each-${n}`);
      const run = await runOnce(env, {
        group: c.group,
        name: c.group,
        targets: [{ kind: 'registry', where: `each/${n}`, tag: SRC_TAG }, { kind: 'layout', where: layoutDir, tag: SRC_TAG }],
        arm: (e) => {
          let fault = c.fault;
          if (fault.type === 'swap') fault = { type: 'swap', path: `/v2/src/app/blobs/${e.index.children[1]!.layers[0]!.digest}` };
          const proxy = c.side === 'source' ? e.srcProxy : e.dstProxy;
          proxy.addRule({ match: c.target(e), fault, times: c.times ?? 1 });
          if (c.then) proxy.addRule({ match: c.target(e), fault: c.then });
        },
      });
      records.push(recordOf(run));
      const proxy = c.side === 'source' ? env.srcProxy : env.dstProxy;
      // The fault did happen: a case whose request never came would prove nothing.
      expect(proxy.requests.some((r) => r.fault !== undefined && c.target(env)(r))).toBe(true);
      expect(run.problems).toEqual([]);
      expect(run.leaks).toEqual([]);
      if (c.expect === 'complete') {
        expect(run.state, `${run.code}: ${run.message}`).toBe('complete');
      } else {
        expect(run.state).toBe('clean');
        expect(run.code, run.message).toBe(c.expect);
      }
      c.also?.(run, env);
    });
  });
});
