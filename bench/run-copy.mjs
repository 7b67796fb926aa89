// One measured copy: builds the command for a tool and route, runs it, collects the requests
// the counting proxies saw, and checks that every destination now holds the source digest.
import { ACCEPT } from './images.mjs';
import { measure } from './measure.mjs';
import { headDigest } from './push.mjs';
import { breakdown } from './stats.mjs';
import { TOOL_ENV, clearSkopeoCache, regctlCopy, skopeoCopy } from './tools.mjs';

/**
 * The address a tool is given for a registry: `direct` is the registry itself, `count` its
 * counting proxy, `far` the 25 ms delay proxy in front of the counting proxy.
 */
export function hostOf(reg, route) {
  return { direct: reg.host, count: reg.count.host, far: reg.far.host }[route];
}

/**
 * Copies `image` from the source registry (ctx.regs[0]) to `repo` on each of `dsts`.
 * @returns {Promise<{ms: number, rssMB: number, requests?: {total: number, detail: string, log: string[]}}>}
 */
export async function runCopy(ctx, { tool, image, dsts, repo, route }) {
  const [source] = ctx.regs;
  const src = `${hostOf(source, route)}/${image.repo}:${image.tag}`;
  const targets = dsts.map((r) => `${hostOf(r, route)}/${repo}:${image.tag}`);
  if (tool === 'skopeo' && targets.length !== 1) throw new Error('skopeo copies to one destination');
  const argv = tool === 'regctl' ? regctlCopy(src, targets, ctx.regctlArgs) : skopeoCopy(src, targets[0]);
  if (tool === 'skopeo') clearSkopeoCache();
  const counted = route !== 'direct';
  if (counted) for (const r of ctx.regs) r.count.reset();
  const m = await measure(argv, TOOL_ENV);
  if (m.code !== 0) throw new Error(`${tool} failed (exit ${m.code}): ${argv.join(' ')}\n${m.stderr.trim()}`);
  let requests;
  if (counted) {
    const sides = [['src', source.count.take()], ...dsts.map((r, i) => [dsts.length > 1 ? `dst${i + 1}` : 'dst', r.count.take()])];
    requests = {
      total: sides.reduce((a, [, t]) => a + t.requests.length, 0),
      detail: breakdown(sides),
      log: sides.flatMap(([side, t]) => t.requests.map((q) => `${side} ${q.method} ${q.path} -> ${q.status}`)),
    };
  }
  for (const r of dsts) {
    const got = await headDigest(r.url, repo, image.tag, ACCEPT);
    if (got !== image.digest) throw new Error(`${tool} left ${got ?? 'nothing'} at ${r.host}/${repo}:${image.tag}; the source is ${image.digest}`);
  }
  return { ms: m.ms, rssMB: (m.rssMiB * 1048576) / 1e6, requests };
}
