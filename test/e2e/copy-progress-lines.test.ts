/**
 * Issue 7: `regctl copy` with stderr piped (not a terminal) and outside CI prints one plain line
 * per blob event, with no spinner or other control codes; `--quiet` leaves stderr empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

/** Not CI, whatever the machine running the suite sets: the piped stderr alone must decide. */
const NOT_CI = { CI: 'false', GITHUB_ACTIONS: 'false' };

describe('copy progress off a terminal', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let image: BuiltImage;

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    image = await pushImage(targetFor(a, 'src/app'), 'src/app', 'v1', { layers: 2, layerSize: 50_000 });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('prints one line per blob event, no ANSI escapes; --quiet prints nothing on stderr', async () => {
    const dst = `${b.host}/piped/app:v1`;
    const r = await runCli(['copy', `${a.host}/src/app:v1`, dst], { env: NOT_CI });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${b.host}/piped/app@${image.digest}\n`);
    expect(r.stderr).not.toMatch(/[\x1b\r]/);
    const lines = r.stderr.trimEnd().split('\n');
    const blobs = [image.config, ...image.layers];
    // Each blob: one `copying` and one `copied` line, in that order; then the manifest.
    for (const d of blobs) {
      const start = lines.filter((l) => l.startsWith(`copying ${d.digest} `) && l.endsWith(` to ${dst}`));
      const done = lines.filter((l) => l.startsWith(`copied ${d.digest} `) && l.endsWith(` to ${dst}`));
      expect(start).toHaveLength(1);
      expect(done).toHaveLength(1);
      expect(lines.indexOf(start[0]!)).toBeLessThan(lines.indexOf(done[0]!));
    }
    expect(lines).toContain(`pushed manifest ${image.digest} to ${dst} as v1`);
    expect(lines).toHaveLength(2 * blobs.length + 1);

    // Again into another repository of the same registry: blobs are mounted or skipped, one line each.
    const other = `${b.host}/piped/other:v1`;
    const again = await runCli(['copy', `${a.host}/src/app:v1`, other], { env: NOT_CI });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('\x1b');
    for (const d of blobs) {
      expect(again.stderr.split('\n').filter((l) => l.includes(d.digest))).toHaveLength(again.stderr.includes(`copying ${d.digest}`) ? 2 : 1);
    }

    const quiet = await runCli(['--quiet', 'copy', `${a.host}/src/app:v1`, `${b.host}/piped/quiet:v1`], { env: NOT_CI });
    expect(quiet).toMatchObject({ code: 0, stderr: '', stdout: `${b.host}/piped/quiet@${image.digest}\n` });
  });
});
