#!/usr/bin/env node
/**
 * Start-up time of the CLI: `regctl --help` and `regctl --version`, run one after the other
 * (after two warm-up runs each), wall time per process and peak RSS from GNU time, median and
 * 90th percentile. A bare `node -e 0` is measured the same way, as the floor. Prints a Markdown
 * table for docs/benchmarks.md ("Start-up"). Needs a build.
 *
 *   node bench/startup.mjs [--runs 30]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/regctl.js', import.meta.url));
const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 30;
const TIME = '/usr/bin/time';

/** One run: wall ms (measured here) and peak RSS in MB (from GNU time when present). */
function once(args) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };
  const cmd = existsSync(TIME) ? [TIME, '-f', '%M', process.execPath, ...args] : [process.execPath, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const kb = Number(r.stderr.trim().split('\n').at(-1));
  return { ms, rssMb: Number.isFinite(kb) ? kb / 1024 : undefined };
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];

const cases = [['node -e 0', ['-e', '0']], ['regctl --version', [bin, '--version']], ['regctl --help', [bin, '--help']]];
console.log(`| command | median | p90 | peak RSS (median) |\n| --- | --- | --- | --- |`);
for (const [name, args] of cases) {
  for (let i = 0; i < 2; i++) once(args);
  const results = Array.from({ length: runs }, () => once(args));
  const ms = results.map((r) => r.ms);
  const rss = results.map((r) => r.rssMb).filter((x) => x !== undefined);
  console.log(`| \`${name}\` | ${pct(ms, 0.5).toFixed(0)} ms | ${pct(ms, 0.9).toFixed(0)} ms | ${rss.length ? `${pct(rss, 0.5).toFixed(0)} MB` : 'n/a'} |`);
}
