// The benchmark cases: what is copied, how, against what baseline, and the target its issue
// sets (issue 3 for copy, issue 9 for sync).
import { runCopy } from './run-copy.mjs';
import { runSync } from './run-sync.mjs';
import { median, range } from './stats.mjs';

const regctl = (dsts = 1) => ({ tool: 'regctl', dsts, label: dsts > 1 ? `regctl x${dsts} dst` : 'regctl' });
const skopeo = { tool: 'skopeo', dsts: 1, label: 'skopeo' };
const regctlSync = { tool: 'regctl', dsts: 1, label: 'regctl sync' };
// skopeo sync two ways: `--src docker` (one process per repository, as the issue names it) and
// `--src yaml` (one process for the whole set).
const skopeoSync = { tool: 'skopeo', mode: 'docker', dsts: 1, label: 'skopeo sync' };
const skopeoSyncYaml = { tool: 'skopeo', mode: 'yaml', dsts: 1, label: 'skopeo sync yaml' };

/**
 * Case id -> definition. `runs` picks the default run count (`big` 3, `small` 5); `route`
 * `direct` times straight connections, `far` goes through the 25 ms proxy. Targets are the
 * ones issue 3 sets.
 */
export const CASES = {
  index: { title: 'two-platform index, 400 MiB', image: 'index', route: 'direct', runs: 'big', subject: regctl(), baseline: skopeo, target: { ratio: 0.85 } },
  small: { title: '40 layers of 200 KiB', image: 'small', route: 'direct', runs: 'small', subject: regctl(), baseline: skopeo, target: { ratio: 0.6 } },
  big: { title: '1 GiB single layer', image: 'big', route: 'direct', runs: 'big', subject: regctl(), baseline: skopeo, target: { rssMB: 120 } },
  'index-far': { title: 'index through 25 ms proxy', image: 'index', route: 'far', runs: 'big', subject: regctl(), baseline: skopeo, target: { ratio: 0.5 } },
  'small-far': { title: '40 layers through 25 ms proxy', image: 'small', route: 'far', runs: 'small', subject: regctl(), baseline: skopeo, target: { ratio: 0.5 } },
  fanout: { title: 'index to 3 registries vs regctl to 1', image: 'index', route: 'direct', runs: 'big', subject: regctl(3), baseline: regctl(1), target: { ratio: 1.4 }, registries: 4 },
  repeat: { title: 'index again, all present', image: 'index', route: 'direct', runs: 'small', subject: regctl(), baseline: skopeo, target: { repeat: 0.3 }, sameRepo: true },
  // `kind: 'sync'`: the repository set (bench/sync-set.mjs) by `regctl sync` and `skopeo sync`.
  sync: { kind: 'sync', title: '50 repositories x 4 tags, shared layers', image: 'syncset', route: 'direct', runs: 'big', subject: regctlSync, baseline: skopeoSync, target: { ratio: 0.3 } },
  'sync-yaml': { kind: 'sync', title: 'the same, skopeo in one process (--src yaml)', image: 'syncset', route: 'direct', runs: 'big', subject: regctlSync, baseline: skopeoSyncYaml, target: { ratio: 0.3 } },
  'sync-repeat': { kind: 'sync', title: 'the same sync again, all present', image: 'syncset', route: 'direct', runs: 'big', subject: regctlSync, baseline: skopeoSync, target: { seconds: 2, headsOnly: true }, sameRepo: true },
};

/** True for the cases of `regctl sync` (their results go to their own part of the docs). */
export const isSyncCase = (id) => CASES[id]?.kind === 'sync';

/** The target as the table shows it. */
export function targetText(t) {
  if (t.ratio !== undefined) return `ratio <= ${t.ratio}`;
  if (t.rssMB !== undefined) return `regctl RSS < ${t.rssMB} MB`;
  if (t.seconds !== undefined) return `${t.headsOnly ? 'only manifest HEADs at dst, ' : ''}regctl < ${t.seconds} s`;
  return `1 HEAD per dst, < ${t.repeat} s`;
}

/**
 * A repeated sync: the destination saw its ping and one manifest HEAD per tag, nothing else
 * (the source also sees its listings and one HEAD per tag; see docs/sync.md).
 */
function headsOnly(log = [], tags) {
  const dst = log.filter((l) => l.startsWith('dst '));
  const heads = dst.filter((l) => /^dst HEAD \/v2\/.*\/manifests\/[^/]+ -> 200$/.test(l));
  return heads.length === tags && dst.every((l) => heads.includes(l) || /^dst GET \/v2\/ -> 200$/.test(l));
}

/** A row of the result table. */
function row(id, def, acc, tags) {
  const stat = (s, a) => ({ label: s.label, median: median(a.ms), rssMB: Math.max(...a.rss), requests: range(a.reqs), detail: a.detail, log: a.log });
  const subject = stat(def.subject, acc.subject);
  const baseline = stat(def.baseline, acc.baseline);
  const ratio = subject.median / baseline.median;
  const t = def.target;
  let met;
  if (t.ratio !== undefined) met = ratio <= t.ratio;
  else if (t.rssMB !== undefined) met = subject.rssMB < t.rssMB;
  else if (t.seconds !== undefined) met = subject.median < t.seconds * 1000 && (!t.headsOnly || headsOnly(subject.log, tags));
  else {
    // "One HEAD per destination": the destination saw exactly one request, a manifest HEAD.
    const dst = (subject.log ?? []).filter((l) => l.startsWith('dst'));
    met = dst.length === 1 && /^dst HEAD \/v2\/.*\/manifests\//.test(dst[0]) && subject.median < t.repeat * 1000;
  }
  return { id, title: def.title, subject, baseline, ratio, target: targetText(t), met };
}

/**
 * Runs one case: for direct routes first one untimed run per side through the counting
 * proxies (request counts, warm-up), then `runs` timed rounds alternating subject and baseline,
 * each into a fresh repository (or, for `repeat`, again into the one already filled).
 */
export async function runCase(ctx, id) {
  const def = CASES[id];
  const image = ctx.images.get(def.image);
  const runs = ctx.runs[def.runs];
  const acc = { subject: { ms: [], rss: [], reqs: [] }, baseline: { ms: [], rss: [], reqs: [] } };
  let n = 0;
  const one = async (key, route, timed) => {
    const side = def[key];
    const repo = def.sameRepo ? `bench/${id}-${side.tool}` : `bench/${id}-${side.tool}${side.dsts > 1 ? `x${side.dsts}` : ''}-${++n}`;
    const r = def.kind === 'sync'
      ? await runSync(ctx, { side, set: image, prefix: repo, route })
      : await runCopy(ctx, { tool: side.tool, image, dsts: ctx.regs.slice(1, 1 + side.dsts), repo, route });
    const a = acc[key];
    if (r.requests) {
      a.reqs.push(r.requests.total);
      a.detail ??= r.requests.detail;
      a.log ??= r.requests.log;
    }
    if (timed) {
      a.ms.push(r.ms);
      a.rss.push(r.rssMB);
    }
    const what = timed ? `${(r.ms / 1000).toFixed(3)} s, ${r.rssMB.toFixed(0)} MB` : 'untimed';
    ctx.log(`  ${id}: ${side.label.padEnd(14)} ${what}${r.requests ? `, ${r.requests.total} requests` : ''}`);
  };
  if (def.sameRepo) {
    ctx.log(`  ${id}: first copies (not measured)`);
    await one('subject', 'direct', false);
    await one('baseline', 'direct', false);
  }
  if (def.route === 'direct') {
    await one('subject', 'count', false);
    await one('baseline', 'count', false);
  }
  for (let i = 0; i < runs; i++) {
    await one('subject', def.route, true);
    await one('baseline', def.route, true);
  }
  return row(id, def, acc, image.digests?.size);
}
