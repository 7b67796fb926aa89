/**
 * Copy progress as people and logs see it: bars with a spinner on a terminal (a real
 * pseudo-terminal from util-linux `script`), one plain line per blob event in CI, nothing but
 * the results with --quiet. Under GitHub Actions: step outputs and `::error::` annotations.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cliEnv, runCli } from '../harness/cli.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The CLI on a pseudo-terminal; resolves to everything the terminal received. */
function runTty(args: string[], env: Record<string, string> = {}): Promise<string> {
  const cmd = [process.execPath, CLI_BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    execFile('script', ['-qec', cmd, '/dev/null'], { env: cliEnv(env), timeout: 60_000 }, (err, stdout) => {
      if (err && err.killed) reject(err);
      else resolve(stdout);
    });
  });
}

describe('copy progress', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let image: BuiltImage;
  let dir: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    image = await pushImage(targetFor(a, 'src/app'), 'src/app', 'v1', { layers: 3, layerSize: 3 << 20 });
    dir = await mkdtemp(join(tmpdir(), 'regctl-progress-'));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('on a terminal: an ora spinner over the blob bars, cleared at the end, then the result', async () => {
    const out = await runTty(['copy', `${a.host}/src/app:v1`, `${b.host}/tty/app:v1`]);
    expect(out).toContain('\x1b[?25l'); // ora hides the cursor while it draws
    // NO_COLOR (the harness sets it) keeps the spinner uncoloured.
    expect(out).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] (starting|blobs \d+\/\d+)/);
    expect(out).not.toMatch(/\x1b\[3\dm/);
    expect(out).toContain(`${b.host}/tty/app@${image.digest}`);
    expect(out).not.toContain('copying sha256:');
  });

  it('in CI (off a terminal): one line per blob event, without control codes', async () => {
    const r = await runCli(['copy', `${a.host}/src/app:v1`, `${b.host}/ci/app:v1`], { env: { CI: 'true' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${b.host}/ci/app@${image.digest}\n`);
    for (const d of [image.config, ...image.layers]) {
      expect(r.stderr).toContain(`copying ${d.digest}`);
      expect(r.stderr).toContain(`copied ${d.digest}`);
    }
    expect(r.stderr).toContain(`pushed manifest ${image.digest}`);
    expect(r.stderr).not.toContain('\x1b');
  });

  it('--quiet prints only the results, in CI too', async () => {
    const r = await runCli(['-q', 'copy', `${a.host}/src/app:v1`, `${b.host}/quiet/app:v1`], { env: { CI: 'true' } });
    expect(r).toMatchObject({ code: 0, stderr: '', stdout: `${b.host}/quiet/app@${image.digest}\n` });
  });

  it('GitHub Actions: the digest and the result become step outputs', async () => {
    const outputs = join(dir, 'github_output');
    await writeFile(outputs, '');
    const r = await runCli(['-q', 'copy', `${a.host}/src/app:v1`, `${b.host}/gha/one:v1`, `${b.host}/gha/two:v1`], {
      env: { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputs },
    });
    expect(r.code).toBe(0);
    const text = await readFile(outputs, 'utf8');
    // name<<DELIMITER / value / DELIMITER, as the runner reads $GITHUB_OUTPUT.
    const values = Object.fromEntries([...text.matchAll(/^(\w+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm)].map((m) => [m[1], m[3]]));
    expect(values.digest).toBe(image.digest);
    const result = JSON.parse(values.result!) as Array<{ destination: string; digest: string; ok: boolean }>;
    expect(result.map((x) => [x.destination, x.digest, x.ok])).toEqual([
      [`${b.host}/gha/one:v1`, image.digest, true], [`${b.host}/gha/two:v1`, image.digest, true],
    ]);
  });

  it('GitHub Actions: errors are also ::error:: annotations on stderr; stdout is untouched', async () => {
    const env = { GITHUB_ACTIONS: 'true' };
    const missing = await runCli(['--json', 'inspect', `${a.host}/src/app:nope`], { env });
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stdout).error.code).toBe('MANIFEST_UNKNOWN');
    expect(missing.stderr).toMatch(/^::error title=regctl%3A MANIFEST_UNKNOWN::GET manifest .*manifest unknown$/m);
    // A hint on its own line stays in the one annotation, escaped.
    const template = await runCli(['--format', '{{.digest', 'digest', `${a.host}/src/app:v1`], { env });
    expect(template.code).toBe(2);
    expect(template.stderr).toMatch(/^::error title=regctl%3A USAGE::--format: unclosed "\{\{" at character 1 of "\{\{\.digest"%0Ahint: see docs\/json\.md/m);
    const usage = await runCli(['copy', 'only-one-arg'], { env });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^::error title=regctl%3A USAGE::missing required argument/m);
    const outside = await runCli(['inspect', `${a.host}/src/app:nope`]);
    expect(outside.stderr).not.toContain('::error');
  });
});
