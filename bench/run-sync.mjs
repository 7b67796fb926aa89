// One measured sync of the repository set: writes each tool's sync file, runs it, collects the
// requests the counting proxies saw, and checks that every tag arrived with the source digest.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.mjs';
import { ACCEPT, pool } from './images.mjs';
import { measure } from './measure.mjs';
import { headDigest } from './push.mjs';
import { hostOf } from './run-copy.mjs';
import { breakdown } from './stats.mjs';
import { SYNC_NAMESPACE } from './sync-set.mjs';
import { REGCTL_BIN, SKOPEO_BIN, TOOL_ENV, clearSkopeoCache } from './tools.mjs';

const files = mkdtempSync(join(tmpdir(), 'regctl-bench-sync-'));
onCleanup(() => rmSync(files, { recursive: true, force: true }));
let seq = 0;

/**
 * The command line of a sync from `src` (host) into `dst/<prefix>/<name>`. regctl: a namespace
 * source and a `{name}` template. skopeo names each destination by the last component of the
 * source path, as that template does; `--src docker` takes one repository per process, so
 * `mode: 'docker'` runs one `skopeo sync --src docker --dest docker` per repository, in a row, in
 * one shell (GNU time's peak RSS is then the largest of them), and `mode: 'yaml'` one process
 * for the whole set through its YAML source (every repository, all tags).
 */
function argv(side, set, src, dst, prefix, extra) {
  const file = join(files, `${side.tool}-${++seq}.yaml`);
  if (side.tool === 'regctl') {
    writeFileSync(file, JSON.stringify({ sources: [{ namespace: `${src}/${SYNC_NAMESPACE}` }], destinations: [`${dst}/${prefix}/{name}`] }));
    return [process.execPath, REGCTL_BIN, 'sync', ...extra, file];
  }
  if (side.mode === 'docker') {
    const one = (repo) => `${SKOPEO_BIN} sync --src docker --dest docker --src-tls-verify=false --dest-tls-verify=false ${src}/${repo} ${dst}/${prefix} || exit $?`;
    return ['/bin/sh', '-c', set.repos.map(one).join('\n')];
  }
  writeFileSync(file, JSON.stringify({ [src]: { 'tls-verify': false, images: Object.fromEntries(set.repos.map((r) => [r, []])) } }));
  return [SKOPEO_BIN, 'sync', '--src', 'yaml', '--dest', 'docker', '--dest-tls-verify=false', file, `${dst}/${prefix}`];
}

/**
 * Syncs the set from the source registry (ctx.regs[0]) to `prefix` on ctx.regs[1].
 * @returns {Promise<{ms: number, rssMB: number, requests?: {total: number, detail: string, log: string[]}}>}
 */
export async function runSync(ctx, { side, set, prefix, route }) {
  const { tool } = side;
  const [source, dest] = ctx.regs;
  const args = argv(side, set, hostOf(source, route), hostOf(dest, route), prefix, ctx.regctlSyncArgs ?? []);
  if (tool === 'skopeo') clearSkopeoCache();
  const counted = route !== 'direct';
  if (counted) for (const r of ctx.regs) r.count.reset();
  const m = await measure(args, TOOL_ENV);
  if (m.code !== 0) throw new Error(`${tool} failed (exit ${m.code}): ${args.join(' ')}\n${m.stderr.trim()}`);
  let requests;
  if (counted) {
    const sides = [['src', source.count.take()], ['dst', dest.count.take()]];
    requests = {
      total: sides.reduce((a, [, t]) => a + t.requests.length, 0),
      detail: breakdown(sides),
      log: sides.flatMap(([side, t]) => t.requests.map((q) => `${side} ${q.method} ${q.path} -> ${q.status}`)),
    };
  }
  const wrong = (await pool([...set.digests], 16, async ([ref, digest]) => {
    const [repo, tag] = ref.split(':');
    const got = await headDigest(dest.url, `${prefix}/${repo.split('/').pop()}`, tag, ACCEPT);
    return got === digest ? undefined : `${prefix}/${repo.split('/').pop()}:${tag} holds ${got ?? 'nothing'}, the source ${digest}`;
  })).filter(Boolean);
  if (wrong.length) throw new Error(`${tool} left ${wrong.length} of ${set.digests.size} tags wrong, e.g. ${wrong[0]}`);
  return { ms: m.ms, rssMB: (m.rssMiB * 1048576) / 1e6, requests };
}
