/**
 * `regctl copy` as users run it, through the fault proxies, with credentials only in a
 * temporary DOCKER_CONFIG: exit codes and messages under faults, skopeo reading back what a
 * successful copy wrote, nothing behind the tag after a failure, and no credential anywhere in
 * stdout or stderr, `--verbose` included, even when a registry echoes them back. (The CLI has no
 * timeout flags; stalls are covered through the library in each-fault.test.ts.)
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type CliResult, type TempDockerConfig } from '../harness/cli.js';
import type { FaultRule, RequestInfo } from '../harness/fault-proxy.js';
import { saveReport } from '../harness/faults/report.js';
import { findLeaks } from '../harness/faults/secrets.js';
import { checkRegistryDestination } from '../harness/faults/verify.js';
import { skopeo, skopeoAccessFor, skopeoFlags, skopeoInspectRaw } from '../harness/skopeo.js';
import { PASSWORD, SRC_REPO, SRC_TAG, USER, startFaultEnv, type FaultEnv } from './support/env.js';
import type { RunRecord } from './support/outcome.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

describe('regctl copy under faults', () => {
  let env: FaultEnv;
  let cfg: TempDockerConfig;
  let scratch: string;
  const records: RunRecord[] = [];
  let n = 0;

  beforeAll(async () => {
    env = await startFaultEnv();
    cfg = await tempDockerConfig({ auths: { [env.srcProxy.host]: { auth: basic }, [env.dstProxy.host]: { auth: basic } } });
    scratch = await mkdtemp(join(tmpdir(), 'regctl-faults-cli-'));
  });
  afterAll(async () => {
    await saveReport('cli', records);
    await cfg?.cleanup();
    await env?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const layer = () => env.index.children[0]!.layers[0]!;
  const blobGet = (r: RequestInfo) => r.method === 'GET' && r.path.endsWith(`/blobs/${layer().digest}`);
  const tagPut = (r: RequestInfo) => r.method === 'PUT' && r.path.endsWith(`/manifests/${SRC_TAG}`);

  /** Runs one copy with `rules` armed and returns the result, the destination repo and the check. */
  async function copy(group: string, rules: Array<{ side: 'src' | 'dst' } & FaultRule>, flags: string[] = []) {
    const repo = `cli/${n++}`;
    for (const p of [env.srcProxy, env.dstProxy]) p.clearRules();
    for (const { side, ...rule } of rules) (side === 'src' ? env.srcProxy : env.dstProxy).addRule(rule);
    const started = Date.now();
    const r = await runCli(['--plain-http', ...flags, 'copy', `${env.srcProxy.host}/${SRC_REPO}:${SRC_TAG}`, `${env.dstProxy.host}/${repo}:${SRC_TAG}`], { env: cfg.env, timeoutMs: 60_000 });
    for (const p of [env.srcProxy, env.dstProxy]) p.clearRules();
    const check = await checkRegistryDestination(env.dst, repo, SRC_TAG);
    const leaks = findLeaks(`${r.stdout}\n${r.stderr}`, [PASSWORD], [[USER, PASSWORD]]);
    const ok = r.code === 0 && check.tagged === env.index.digest;
    const clean = r.code !== 0 && /^error: /m.test(r.stderr) && check.tagged === undefined;
    records.push({
      group: `CLI: ${group}`, name: group, problems: check.problems, leaks, ms: Date.now() - started,
      state: check.problems.length ? 'lost' : ok ? 'complete' : clean ? 'clean' : 'unclean',
      ...(r.code !== 0 && { code: `exit ${r.code}`, message: r.stderr.split('\n')[0] }),
    });
    expect(leaks, r.stderr).toEqual([]);
    expect(check.problems).toEqual([]);
    return { r, repo, check };
  }

  const expectCopied = async ({ r, repo }: { r: CliResult; repo: string }) => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`${env.dstProxy.host}/${repo}@${env.index.digest}`);
    // skopeo, straight from the registry, reads the same index and pulls every blob, checking digests.
    const access = skopeoAccessFor(env.dst);
    expect(sha256(await skopeoInspectRaw(`${env.dst.host}/${repo}:${SRC_TAG}`, access))).toBe(env.index.digest);
    await skopeo(['copy', '--all', ...skopeoFlags(access, 'src-'), `docker://${env.dst.host}/${repo}:${SRC_TAG}`, `oci:${join(scratch, repo.replace('/', '-'))}:x`]);
  };

  it('copies through a reset mid-blob, resuming the download (--verbose)', async () => {
    const before = env.srcProxy.requests.length;
    const run = await copy('reset mid-body (blob download), once', [{ side: 'src', match: blobGet, fault: { type: 'cut-response', afterBytes: 50_000 } }], ['--verbose']);
    await expectCopied(run);
    // The verbose log shows the token flow, and no secret (checked in copy()).
    expect(run.r.stderr).toMatch(/a token from http:\/\/127\.0\.0\.1:\d+\/token/);
    // A second read followed the cut one (with a Range header when bytes had arrived before the cut).
    const reads = env.srcProxy.requests.slice(before).filter(blobGet);
    expect(reads.map((q) => q.fault)).toEqual(['cut-response', undefined]);
  });

  it('copies through a 429 with Retry-After and 503s', async () => {
    await expectCopied(await copy('429 then 503s (manifest and blob download)', [
      { side: 'src', match: (r) => r.method === 'GET' && r.path.includes('/manifests/sha256:'), fault: { type: 'status', status: 429, headers: { 'retry-after': '1' } } },
      { side: 'src', match: blobGet, fault: { type: 'status', status: 503 }, times: 2 },
    ]));
  });

  it('follows a redirect to another origin without the credentials (--verbose)', async () => {
    const before = env.srcProxy.mirror.requests.length;
    const run = await copy('redirect to another origin (blob download)', [{ side: 'src', match: blobGet, fault: { type: 'redirect' } }], ['--verbose']);
    await expectCopied(run);
    const mirrored = env.srcProxy.mirror.requests.slice(before);
    expect(mirrored.map((q) => q.path)).toEqual([expect.stringContaining(layer().digest)]);
    expect(mirrored[0]!.headers.authorization).toBeUndefined();
    expect(run.r.stderr).toMatch(/credentials dropped/);
  });

  it('fails with exit 1 and leaves no tag when the tag push keeps failing', async () => {
    const { r, check } = await copy('503 (tag push), every time', [{ side: 'dst', match: tagPut, fault: { type: 'status', status: 503 }, times: Infinity }]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: PUT manifest .*HTTP 503|^error: PUT manifest .*UNAVAILABLE/m);
    expect(check.tagged).toBeUndefined();
  });

  it('fails with DIGEST_MISMATCH in --json when a blob keeps arriving corrupt, and writes no tag', async () => {
    const { r, check } = await copy('corrupt byte (blob download), every time', [{ side: 'src', match: blobGet, fault: { type: 'corrupt', at: 5_000 }, times: Infinity }], ['--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Array<{ ok: boolean; error?: { code: string } }>;
    expect(out).toEqual([expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'DIGEST_MISMATCH' }) })]);
    expect(check.tagged).toBeUndefined();
  });

  it('never prints credentials a registry echoes back in its errors (--verbose)', async () => {
    // A hostile or buggy registry quoting the caller's Authorization header and password.
    const echo = `{"errors":[{"code":"UNKNOWN","message":"refused Authorization: Basic ${basic} for ${USER}:${PASSWORD}","detail":"${PASSWORD}"}]}`;
    const { r } = await copy('registry echoes the credentials in its errors', [{ side: 'dst', match: tagPut, fault: { type: 'status', status: 400, body: echo }, times: Infinity }], ['--verbose']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused/);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(r.stderr).not.toContain(basic);
  });
});
