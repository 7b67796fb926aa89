// Turns case rows into the console table and the generated part of docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';
/** The sync cases have their own generated part, so a run of either kind leaves the other's figures. */
export const SYNC_BEGIN = '<!-- bench:sync:begin -->';
export const SYNC_END = '<!-- bench:sync:end -->';

const secs = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 2)} s` : '-');
const mb = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} MB` : '-');

const HEADER = ['case', 'regctl median', 'baseline median', 'ratio', 'regctl peak RSS', 'baseline peak RSS', 'regctl requests', 'baseline requests', 'target', 'met?'];

/** Table cells of one row; a failed case keeps its name and says so. */
function cells(r) {
  if (r.error) return [r.id, 'FAILED', '', '', '', '', '', '', r.target, 'NO'];
  return [
    r.id, secs(r.subject.median), `${r.baseline.label}: ${secs(r.baseline.median)}`, r.ratio.toFixed(2),
    mb(r.subject.rssMB), mb(r.baseline.rssMB), r.subject.requests, r.baseline.requests, r.target, r.met ? 'yes' : 'NO',
  ];
}

/** The table as aligned plain text for the terminal. */
export function textTable(rows) {
  const all = [HEADER, ...rows.map(cells)];
  const w = HEADER.map((_, i) => Math.max(...all.map((c) => String(c[i]).length)));
  return all.map((c) => c.map((v, i) => String(v).padEnd(w[i])).join('  ').trimEnd()).join('\n');
}

/** The table as Markdown. */
export function markdownTable(rows) {
  const line = (c) => `| ${c.join(' | ')} |`;
  return [line(HEADER), line(HEADER.map(() => '---')), ...rows.map((r) => line(cells(r)))].join('\n');
}

const quiet = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};

/** The 1, 5 and 15 minute load averages. */
const loadText = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** What the numbers were measured on, for the docs. */
export function machineInfo(root) {
  const distro = existsSync('/etc/os-release') ? /PRETTY_NAME="?([^"\n]*)/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] : undefined;
  const commit = quiet('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = quiet('git', ['-C', root, 'status', '--porcelain']) !== '';
  return [
    `CPU: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores; RAM ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `OS: ${distro ?? os.type()}, kernel ${os.release()}; load average at start ${loadText()}`,
    `Node ${process.version}; ${quiet('/usr/bin/skopeo', ['--version'])}; docker-registry ${quiet('/usr/bin/docker-registry', ['--version']).split(/\s+/).slice(-2).join(' ')}`,
    `regctl at commit ${commit}${dirty ? ' with uncommitted changes' : ''}`,
  ];
}

/** The generated Markdown section, between `begin` and `end` (default: the copy cases' markers). */
export function markdownSection({ rows, quick, command, info, images, runsText, started, failures, begin = BEGIN, end = END }) {
  const out = [begin, '', `Run on ${started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${command}\`.`, ''];
  if (quick) out.push('**This is a `--quick` run: small images and one run per tool. It shows the benchmark works; its timings are not a result.**', '');
  // Other work on the machine shows in the load; a busy machine makes every figure noisy.
  out.push(...info.map((l) => `- ${l}`), `- load average at end ${loadText()}`, '');
  out.push(`Images: ${images.map((i) => `${i.name} (${i.title}${quick ? ', quick size' : ''}): ${(i.bytes / 1e6).toFixed(1)} MB in ${i.blobs} blobs`).join('; ')}.`);
  out.push(`Timed runs per tool: ${runsText}.`, '');
  out.push(markdownTable(rows), '');
  const missed = rows.filter((r) => !r.met);
  out.push(missed.length ? `Targets missed: ${missed.map((r) => `${r.id} (${r.error ? 'failed' : r.target})`).join(', ')}.` : 'Every target was met.', '');
  out.push(`Requests per ${begin === SYNC_BEGIN ? 'sync' : 'copy'} (counting proxy; \`x3 dst\` rows list each destination):`, '');
  for (const r of rows.filter((x) => !x.error)) {
    for (const s of [r.subject, r.baseline]) if (s.detail) out.push(`- ${r.id}, ${s.label}: ${s.detail}`);
  }
  const repeat = rows.find((r) => r.id === 'repeat' && !r.error);
  if (repeat?.subject.log) out.push('', 'The repeated regctl copy sent exactly:', '', '```', ...repeat.subject.log, '```');
  if (failures.length) out.push('', 'Failures:', '', '```', ...failures, '```');
  out.push('', end);
  return out.join('\n');
}

/** Replaces the generated section of `file` between `begin` and `end` (appends one when the markers are missing). */
export function writeDocs(file, section, begin = BEGIN, end = END) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  const next = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(`${file}.tmp`, next);
  renameSync(`${file}.tmp`, file);
}
