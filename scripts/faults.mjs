#!/usr/bin/env node
// The long run of the fault and abuse suite (issue 8, docs/reliability.md): runs test/faults,
// test/abuse and test/property with REGCTL_FAULT_RUNS seeded random runs (default 200), collects
// every run's record, and prints the figures table. With --update-docs it writes that table into
// docs/reliability.md between the `figures` markers.
//
//   node scripts/faults.mjs [--runs 200] [--seed regctl-faults-1] [--update-docs]
//
// Exits non-zero when a test failed or any run was lost, hung, crashed untyped or leaked a secret.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = opt('runs', '200');
const seed = opt('seed', 'regctl-faults-1');
const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'regctl-fault-report-'));
const started = Date.now();

const vitest = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/faults', 'test/abuse', 'test/property',
  '--reporter=default', '--reporter=json', `--outputFile.json=${join(dir, 'vitest.json')}`], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, REGCTL_FAULT_RUNS: runs, REGCTL_FAULT_SEED: seed, REGCTL_FAULT_REPORT_DIR: dir },
});
const minutes = ((Date.now() - started) / 60_000).toFixed(1);

const records = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'vitest.json')
  .flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).records);
const tests = JSON.parse(readFileSync(join(dir, 'vitest.json'), 'utf8'));
rmSync(dir, { recursive: true, force: true });

const zero = () => ({ tried: 0, complete: 0, clean: 0, unclean: 0, lost: 0, hangs: 0, leaked: 0, codes: new Map() });
const add = (t, r) => {
  t.tried++;
  if (r.state === 'hang') t.hangs++;
  else t[r.state]++;
  if (r.leaks.length) t.leaked++;
  if (r.state === 'clean') t.codes.set(r.code, (t.codes.get(r.code) ?? 0) + 1);
};
const rows = new Map();
const total = zero();
for (const r of records) {
  if (!rows.has(r.group)) rows.set(r.group, zero());
  add(rows.get(r.group), r);
  add(total, r);
}
const codes = (t) => [...t.codes].map(([c, n]) => `${c}${n > 1 ? ` ×${n}` : ''}`).join(', ');
const line = (name, t) => `| ${name} | ${t.tried} | ${t.complete} | ${t.clean}${t.clean ? ` (${codes(t)})` : ''} | ${t.lost + t.unclean} | ${t.hangs} | ${t.leaked} |`;

const kinds = new Map();
for (const r of records) for (const f of r.faults ?? []) {
  const kind = f.split(' ').slice(3).join(' ');
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
}
const byFile = (part) => tests.testResults.filter((f) => f.name.includes(part)).flatMap((f) => f.assertionResults);
const passed = (part) => {
  const all = byFile(part);
  return `${all.filter((a) => a.status === 'passed').length} of ${all.length}`;
};

const table = [
  `Run on ${new Date().toISOString().slice(0, 10)} with \`npm run test:faults\` (${runs} random runs, seed \`${seed}\`, Node ${process.version}), ${minutes} min.`,
  '',
  '| fault | runs | complete | clean failure (code) | lost or untyped | hangs | leaked secrets |',
  '| --- | ---: | ---: | --- | ---: | ---: | ---: |',
  ...[...rows].map(([name, t]) => line(name, t)),
  line('**all runs**', total),
  '',
  `Faults injected by the random mix: ${[...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}.`,
  '',
  `Tests passed: faults ${passed('test/faults/')}, abuse ${passed('test/abuse/')}, property ${passed('test/property/')} (10,000 cases each).`,
].join('\n');
console.log(`\n${table}\n`);

if (args.includes('--update-docs')) {
  const doc = join(root, 'docs/reliability.md');
  const text = readFileSync(doc, 'utf8');
  const re = /(<!-- figures:begin -->\n)[\s\S]*?(\n<!-- figures:end -->)/;
  if (!re.test(text)) throw new Error('docs/reliability.md has no figures markers');
  writeFileSync(doc, text.replace(re, `$1${table}$2`));
  console.log('docs/reliability.md updated');
}

const bad = total.lost + total.unclean + total.hangs + total.leaked;
process.exit(vitest.status !== 0 || bad > 0 ? 1 : 0);
