#!/usr/bin/env node
// `npm run bench`: regctl copy against skopeo copy --all on local distribution registries,
// directly and through a 25 ms delay proxy, plus fan-out and the repeated copy; and regctl sync
// against skopeo sync over a set of 50 repositories. Prints the tables and writes them into
// docs/benchmarks.md (copy and sync each in their own part). See docs/benchmarks.md for the method.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CASES, isSyncCase, runCase, targetText } from './cases.mjs';
import { cleanupAll } from './cleanup.mjs';
import { startCountProxy } from './count-proxy.mjs';
import { startDelayProxy } from './delay-proxy.mjs';
import { pushImage } from './images.mjs';
import { checkTime } from './measure.mjs';
import { closePusher } from './push.mjs';
import { startRegistry } from './registry.mjs';
import { SYNC_BEGIN, SYNC_END, machineInfo, markdownSection, textTable, writeDocs } from './report.mjs';
import { pushSyncSet } from './sync-set.mjs';
import { SKOPEO_BIN } from './tools.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const USAGE = `usage: node bench/run.mjs [--quick] [--cases ${Object.keys(CASES).join(',')}]
                         [--runs n] [--delay ms] [--regctl-args="..."] [--regctl-sync-args="..."] [--no-write]
  --quick        small images and one timed run per tool: a smoke test, not a result
  --cases        run only these cases (comma-separated; default all)
  --runs         timed runs per tool for every case (default 3 for large cases, 5 for small)
  --delay        one-way delay of the far proxy in ms (default 25)
  --regctl-args  extra flags for regctl copy, e.g. --regctl-args="--concurrency 8"
  --regctl-sync-args  extra flags for regctl sync, e.g. --regctl-sync-args="--image-concurrency 16"
  --no-write     print only; leave docs/benchmarks.md alone`;

const fail = (msg) => {
  console.error(`bench: ${msg}\n${USAGE}`);
  process.exit(2);
};
let opt;
try {
  ({ values: opt } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      cases: { type: 'string' },
      runs: { type: 'string' },
      delay: { type: 'string', default: '25' },
      'regctl-args': { type: 'string', default: '' },
      'regctl-sync-args': { type: 'string', default: '' },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (e) {
  fail(e.message);
}
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
const ids = opt.cases ? opt.cases.split(',').map((s) => s.trim()).filter(Boolean) : Object.keys(CASES);
for (const id of ids) if (!CASES[id]) fail(`unknown case ${JSON.stringify(id)}`);
const positive = (s, what) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < (what === 'delay' ? 0 : 1)) fail(`--${what} must be a whole number, not ${JSON.stringify(s)}`);
  return n;
};
const runs = opt.runs ? { big: positive(opt.runs, 'runs'), small: positive(opt.runs, 'runs') } : opt.quick ? { big: 1, small: 1 } : { big: 3, small: 5 };
const delay = positive(opt.delay, 'delay');
checkTime();
if (!existsSync(SKOPEO_BIN)) fail(`${SKOPEO_BIN} is missing: run \`npm run bench\`, which installs it`);
if (!existsSync(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)))) fail('dist/ is missing: run `npm run build` first (`npm run bench` does)');

const log = (s) => console.error(s);
const started = new Date();
const info = machineInfo(ROOT);
const ordered = Object.keys(CASES).filter((id) => ids.includes(id));
const rows = [];
const failures = [];
let images = [];
try {
  const registryCount = Math.max(...ordered.map((id) => CASES[id].registries ?? 2));
  log(`starting ${registryCount} registries`);
  const regs = await Promise.all(['src', 'dst1', 'dst2', 'dst3'].slice(0, registryCount).map(async (name) => {
    const reg = await startRegistry(name);
    // tool -> delay proxy -> counting proxy -> registry: far runs are counted as well.
    const count = await startCountProxy(reg.port);
    const far = await startDelayProxy(count.port, delay);
    return { ...reg, count, far };
  }));
  const wanted = [...new Set(ordered.map((id) => CASES[id].image))];
  for (const name of wanted) {
    const t = performance.now();
    images.push(name === 'syncset' ? await pushSyncSet(regs[0].url, opt.quick) : await pushImage(regs[0].url, name, opt.quick));
    const img = images.at(-1);
    const what = img.repos ? `${img.repos.length} repositories x ${img.tags.length} tags` : `${img.repo}:${img.tag}`;
    log(`pushed ${what} (${img.title}, ${(img.bytes / 1e6).toFixed(1)} MB, ${img.blobs} blobs) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const words = (s) => s.split(/\s+/).filter(Boolean);
  const ctx = { regs, images: new Map(images.map((i) => [i.name, i])), runs, regctlArgs: words(opt['regctl-args']), regctlSyncArgs: words(opt['regctl-sync-args']), log };
  for (const id of ordered) {
    log(`case ${id}: ${CASES[id].title}`);
    try {
      rows.push(await runCase(ctx, id));
    } catch (e) {
      log(`  ${id} FAILED: ${e.message}`);
      failures.push(`${id}: ${e.message}`);
      rows.push({ id, error: e, target: targetText(CASES[id].target) });
    }
  }
  for (const r of regs) {
    r.far.close();
    r.count.close();
  }
} finally {
  await closePusher();
  cleanupAll();
}

console.log(textTable(rows));
console.log('\nbaseline is skopeo copy --all, except in fanout, where it is regctl copying to one registry, and in the sync cases, skopeo sync.');
if (failures.length) console.log(`\nfailures:\n${failures.join('\n')}`);
const shellArg = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).map(shellArg).join(' ')}` : ''}`;
// Copy and sync cases each have their own part of the docs: a run of one kind leaves the other's figures.
for (const sync of [false, true]) {
  const part = rows.filter((r) => isSyncCase(r.id) === sync);
  if (opt['no-write'] || part.length === 0) continue;
  const byRuns = new Map();
  for (const r of part) byRuns.set(runs[CASES[r.id].runs], [...(byRuns.get(runs[CASES[r.id].runs]) ?? []), r.id]);
  const runsText = [...byRuns].map(([n, ids]) => `${n} for ${ids.join(', ')}`).join('; ');
  const used = images.filter((i) => part.some((r) => CASES[r.id].image === i.name));
  const section = markdownSection({
    rows: part, quick: opt.quick, command, info, images: used, runsText, started,
    failures: failures.filter((f) => part.some((r) => f.startsWith(`${r.id}:`))),
    ...(sync && { begin: SYNC_BEGIN, end: SYNC_END }),
  });
  writeDocs(DOCS, section, ...(sync ? [SYNC_BEGIN, SYNC_END] : []));
  console.log(`\nwritten to ${DOCS}${sync ? ' (sync part)' : ''}`);
}
process.exitCode = failures.length ? 1 : 0;
