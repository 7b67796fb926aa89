/**
 * `regctl copy` as users run it: fan-out with one result per destination in `--json` (and its
 * own exit status), `--dry-run` output, what goes to stderr off a terminal (one line per blob
 * event; nothing with `--quiet`; the request log too with `--verbose`), and a copy killed
 * halfway that, run again, transfers only what is missing.
 */

/** True once `host` has the blob in `repo` (plain http HEAD). */
async function hasBlob(host: string, repo: string, digest: string): Promise<boolean> {
  const res = await request(`http://${host}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
  await res.body.dump();
  return res.statusCode === 200;
}
import { spawn } from 'node:child_process';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cliEnv, runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

describe('regctl copy (CLI)', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let c: RunningRegistry;
  let denying: FaultProxy;
  let cfg: TempDockerConfig;
  let image: BuiltImage;
  const cli = (...args: string[]) => runCli(args, { env: cfg.env });

  beforeAll(async () => {
    [a, b, c] = await Promise.all([0, 1, 2].map(() => startRegistry({ mode: 'anonymous' })));
    denying = await startFaultProxy(c.url);
    denying.addRule({ match: { method: 'POST', path: /\/blobs\/uploads\// }, fault: { type: 'status', status: 403, body: '{"errors":[{"code":"DENIED","message":"read-only mirror"}]}' }, times: Infinity });
    cfg = await tempDockerConfig();
    image = await pushImage(targetFor(a, 'src/app'), 'src/app', 'v1', { layers: 2, layerSize: 100_000 });
  });
  afterAll(async () => {
    await denying?.close();
    await Promise.all([a, b, c].map((r) => r?.stop()));
    await cfg?.cleanup();
  });

  it('fans out: one JSON result per destination with its own exit status; the process exits 1', async () => {
    const r = await cli('--json', 'copy', `${a.host}/src/app:v1`, `${b.host}/one/app:v1`, `${denying.host}/two/app:v1`, `${b.host}/three/app:v1`);
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ destination: `${b.host}/one/app:v1`, ok: true, exitCode: 0, digest: image.digest, skipped: false, stats: { blobsCopied: 3 } });
    expect(results[1]).toMatchObject({ destination: `${denying.host}/two/app:v1`, ok: false, exitCode: 3, error: { code: 'DENIED' } });
    // The third shares the one read of each blob with the first.
    expect(results[2]).toMatchObject({ ok: true, exitCode: 0, digest: image.digest });
    expect(r.stderr).toContain(`${denying.host}/two/app:v1: error:`);
    expect(r.stderr).toContain('read-only mirror');
  });

  it('prints <dst>@<digest> per destination, and one stderr line per blob event off a terminal', async () => {
    const r = await cli('copy', `${a.host}/src/app:v1`, `${b.host}/quiet/app:v1`, `${c.host}/quiet/app:v1`);
    expect(r.code).toBe(0);
    for (const dst of [`${b.host}/quiet/app:v1`, `${c.host}/quiet/app:v1`]) {
      const lines = r.stderr.split('\n');
      for (const d of [image.config, ...image.layers]) {
        expect(lines.filter((l) => l.startsWith(`copied ${d.digest} (`) && l.endsWith(` to ${dst}`))).toHaveLength(1);
      }
      expect(r.stderr).toContain(`pushed manifest ${image.digest} to ${dst} as v1`);
    }
    expect(r.stderr).not.toContain('\x1b');
    expect(r.stdout.trim().split('\n')).toEqual([`${b.host}/quiet/app@${image.digest}`, `${c.host}/quiet/app@${image.digest}`]);
    // Again, up to date, with --quiet: nothing on stderr, same output.
    const again = await cli('--quiet', 'copy', `${a.host}/src/app:v1`, `${b.host}/quiet/app:v1`);
    expect(again).toMatchObject({ code: 0, stderr: '', stdout: `${b.host}/quiet/app@${image.digest}\n` });
  });

  it('--verbose logs one line per blob event on stderr', async () => {
    const r = await cli('--verbose', 'copy', `${a.host}/src/app:v1`, `${c.host}/verbose/app:v1`);
    expect(r.code).toBe(0);
    for (const d of [image.config, ...image.layers]) {
      expect(r.stderr).toContain(`copying ${d.digest}`);
      expect(r.stderr).toContain(`copied ${d.digest}`);
    }
    expect(r.stderr).toContain(`pushed manifest ${image.digest} to ${c.host}/verbose/app:v1 as v1`);
  });

  it('--dry-run prints the plan and the bytes to transfer, and transfers nothing', async () => {
    const r = await cli('copy', '--dry-run', `${a.host}/src/app:v1`, `${c.host}/dry/app:v1`, `${a.host}/dry/app:v1`);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${c.host}/dry/app:v1 (${image.digest})`);
    for (const d of [image.config, ...image.layers]) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  copy\\s+${d.digest}\\s`)));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  mount\\s+${d.digest}\\s`)));
    }
    const total = [image.config, ...image.layers].reduce((s, d) => s + d.size, 0);
    expect(lines).toContain(`  total: 3 to copy (${(total / 1024).toFixed(1)} KiB), 0 to mount, 0 present`);
    expect(lines).toContain('  total: 0 to copy (0 B), 3 to mount, 0 present');
    expect(lines.filter((l) => l === '  manifests to push: 1')).toHaveLength(2);
    expect((await cli('digest', `${c.host}/dry/app:v1`)).code).toBe(4);
    expect((await cli('digest', `${a.host}/dry/app:v1`)).code).toBe(4);
    // Up to date: still a plan, with nothing in it.
    const upToDate = await cli('copy', '--dry-run', `${a.host}/src/app:v1`, `${b.host}/one/app:v1`);
    expect(upToDate.stdout.trim().split('\n')).toEqual([`${b.host}/one/app:v1 (${image.digest})`, '  manifests to push: 0', '  total: 0 to copy (0 B), 0 to mount, 0 present']);
  });

  it('a copy killed halfway leaves no tag; run again, it transfers only what is missing', async () => {
    const big = await pushImage(targetFor(a, 'src/kill'), 'src/kill', 'v1', { layers: 4, layerSize: 64 * 1024 });
    const stuck = big.layers[2]!;
    const proxy = await startFaultProxy(a.url);
    try {
      // The source never answers for one layer, so the copy hangs there with the rest done.
      proxy.addRule({ match: { method: 'GET', path: new RegExp(`/blobs/${stuck.digest}$`) }, fault: { type: 'hang' } });
      const child = spawn(process.execPath, [CLI_BIN, 'copy', `${proxy.host}/src/kill:v1`, `${b.host}/dst/kill:v1`], { env: cliEnv(cfg.env), stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const others = [big.config, ...big.layers.filter((l) => l !== stuck)];
      const deadline = Date.now() + 30_000;
      while (!(await Promise.all(others.map((d) => hasBlob(b.host, 'dst/kill', d.digest)))).every(Boolean)) {
        if (Date.now() > deadline) throw new Error('the other blobs never arrived');
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      await exited;
      expect((await cli('digest', `${b.host}/dst/kill:v1`)).code).toBe(4);
      expect(await hasBlob(b.host, 'dst/kill', stuck.digest)).toBe(false);

      proxy.clearRules();
      proxy.requests.length = 0;
      const again = await cli('copy', `${proxy.host}/src/kill:v1`, `${b.host}/dst/kill:v1`);
      expect(again).toMatchObject({ code: 0, stdout: `${b.host}/dst/kill@${big.digest}\n` });
      const read = proxy.requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/')).map((r) => r.path.split('/').pop());
      expect(read).toEqual([stuck.digest]);
    } finally {
      await proxy.close();
    }
  });

  it('rejects a bad --concurrency with exit 2 before any request', async () => {
    const r = await cli('copy', '--concurrency', '0', `${a.host}/src/app:v1`, `${b.host}/x/app:v1`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--concurrency must be a positive whole number');
  });
});
