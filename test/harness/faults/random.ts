/**
 * Seeded random faults for the fault proxy: a {@link FaultChooser} that fails a share of the
 * requests (10 % in the suite) with a fault suited to each request, and draws every decision
 * from a hash of the seed and the request itself (method, path, how many times that request was
 * seen), not from a shared sequence. Requests sent concurrently in a different order therefore
 * still meet the same faults, so a seed names a run that can be replayed (up to the random
 * upload session ids a registry hands out, which are left out of the key).
 */
import { createHash } from 'node:crypto';
import type { Fault, FaultChooser, RequestInfo } from '../fault-proxy.js';

/** Every fault kind the random mix draws from; statuses count as kinds of their own. */
export const FAULT_KINDS = [
  'reset', 'cut-response', 'cut-request', 'hang', 'stall-response',
  '500', '502', '503', '429', 'truncate', 'corrupt', 'swap', 'redirect',
] as const;

/** One fault kind of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Options of {@link randomFaults}. */
export interface RandomFaultOptions {
  seed: string;
  /** Share of requests that get a fault, 0..1. */
  rate: number;
  /** Kinds to draw from; default all that suit the request. */
  kinds?: readonly FaultKind[];
  /** Body size of a response (or request) when the test knows it; bounds cut and stall offsets. */
  sizeOf?: (req: RequestInfo) => number | undefined;
  /** Other paths to serve instead of the one asked for (`swap`); one that differs is picked. */
  swapPaths?: readonly string[];
  /** `Retry-After` seconds on 429 answers; default 1. */
  retryAfterSeconds?: number;
  /** Called with each fault handed out, for the run's log. */
  onFault?: (req: RequestInfo, fault: Fault) => void;
}

/** Kinds that make sense for a request: body faults only where a body comes back, and so on. */
export function kindsFor(req: RequestInfo): FaultKind[] {
  const statuses: FaultKind[] = ['500', '502', '503', '429'];
  const always: FaultKind[] = ['reset', 'hang', ...statuses];
  if (req.method === 'GET') {
    const swap: FaultKind[] = /\/(blobs|manifests)\/sha256:/.test(req.path) ? ['swap'] : [];
    return [...always, 'cut-response', 'stall-response', 'truncate', 'corrupt', 'redirect', ...swap];
  }
  if (req.method === 'HEAD') return [...always, 'redirect'];
  if (req.method === 'PUT' || req.method === 'PATCH') return [...always, 'cut-request'];
  return always;
}

/** The request as a stable key: upload session ids and their state tokens removed, the digest kept. */
export function requestKey(req: RequestInfo): string {
  const [path = '', query = ''] = req.path.split('?');
  const digest = new URLSearchParams(query).get('digest');
  return `${req.method} ${path.replace(/\/blobs\/uploads\/[^/]+$/, '/blobs/uploads/*')}${digest ? ` digest=${digest}` : ''}`;
}

/** Uniform numbers in [0, 1) derived from `parts`; deterministic. */
export function uniforms(...parts: string[]): number[] {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  return Array.from({ length: 8 }, (_, i) => h.readUInt32BE(i * 4) / 2 ** 32);
}

/** A chooser failing `rate` of the requests with a seeded fault; see the file comment. */
export function randomFaults(opts: RandomFaultOptions): FaultChooser {
  const seen = new Map<string, number>();
  return (req) => {
    const key = requestKey(req);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const [fire = 1, pick = 0, where = 0, which = 0] = uniforms(opts.seed, key, String(n));
    if (fire >= opts.rate) return undefined;
    const allowed = kindsFor(req).filter((k) => !opts.kinds || opts.kinds.includes(k));
    const swapTo = opts.swapPaths?.filter((p) => !req.path.startsWith(p)) ?? [];
    const kinds = swapTo.length > 0 ? allowed : allowed.filter((k) => k !== 'swap');
    if (kinds.length === 0) return undefined;
    const kind = kinds[Math.floor(pick * kinds.length)]!;
    const size = opts.sizeOf?.(req) ?? 1024;
    const fault = makeFault(kind, Math.floor(where * Math.max(1, size)), swapTo[Math.floor(which * swapTo.length)], opts.retryAfterSeconds ?? 1);
    opts.onFault?.(req, fault);
    return fault;
  };
}

/** The fault for one kind; `offset` places cuts, stalls and the corrupted byte inside the body. */
export function makeFault(kind: FaultKind, offset: number, swapPath: string | undefined, retryAfterSeconds = 1): Fault {
  switch (kind) {
    case 'reset': return { type: 'reset' };
    case 'cut-response': return { type: 'cut-response', afterBytes: offset };
    case 'cut-request': return { type: 'cut-request', afterBytes: offset };
    case 'hang': return { type: 'hang' };
    case 'stall-response': return { type: 'stall-response', afterBytes: offset };
    case 'truncate': return { type: 'truncate', afterBytes: offset };
    case 'corrupt': return { type: 'corrupt', at: offset };
    case 'swap': return { type: 'swap', path: swapPath ?? '/' };
    case 'redirect': return { type: 'redirect' };
    case '429': return { type: 'status', status: 429, headers: { 'retry-after': String(retryAfterSeconds) }, body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}' };
    default: return { type: 'status', status: Number(kind), body: '{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}' };
  }
}
