/**
 * What people and scripts see: plain lines without escape codes when piped, tables and colour
 * on a terminal (a real pseudo-terminal from util-linux `script`), NO_COLOR and FORCE_COLOR,
 * and `--format` templates over the `--json` fields.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cliEnv, runCli } from '../harness/cli.js';
import { pushImage, pushIndex, targetFor, type PushedIndex } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const ESC = '\x1b';
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI with stdout and stderr on a pseudo-terminal; returns what the terminal got. */
function runTty(args: string[], env: Record<string, string>): Promise<string> {
  const cmd = [process.execPath, CLI_BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    execFile('script', ['-qec', cmd, '/dev/null'], { env: cliEnv(env), timeout: 30_000 }, (err, stdout) => {
      if (err && err.killed) reject(err);
      else resolve(stdout.replace(/\r\n/g, '\n'));
    });
  });
}

describe('output for terminals and for pipes', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let index: PushedIndex;
  // The harness sets NO_COLOR=1; these tests decide for themselves.
  const colourful = { NO_COLOR: '', TERM: 'xterm-256color' };

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    index = await pushIndex(targetFor(a, 'src/app'), 'src/app', '1.0', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], { layers: 1, layerSize: 1024 });
    for (const t of ['1.1', '2.0']) await pushImage(targetFor(a, 'src/app'), 'src/app', t, { layers: 1, layerSize: 512 });
  });
  afterAll(() => Promise.all([a?.stop(), b?.stop()]));

  it('piped output carries no escape codes, even where colour would be allowed on a terminal', async () => {
    const runs = await Promise.all([
      ['--help'], ['copy', '--help'],
      ['inspect', `${a.host}/src/app:1.0`], ['list', `${a.host}/src/app`], ['digest', `${a.host}/src/app:1.0`],
      ['-v', 'copy', `${a.host}/src/app:1.0`, `${b.host}/dst/app:1.0`], ['config', a.host],
      ['inspect', `${a.host}/src/app:nope`], ['copy', 'x'], ['--format', '{{.nope}}', 'digest', `${a.host}/src/app:1.0`],
    ].map((args) => runCli(args, { env: colourful }).then((r) => ({ args, ...r }))));
    for (const r of runs) {
      expect(r.stdout.includes(ESC) || r.stderr.includes(ESC), `${r.args.join(' ')}: ${JSON.stringify(r.stdout + r.stderr)}`).toBe(false);
    }
    // The runs did produce output worth checking.
    expect(runs.find((r) => r.args[0] === 'inspect')!.stdout).toContain('Manifests:  2');
    expect(runs.find((r) => r.args[1] === 'copy')!.stderr).toContain('debug: ');
    expect(runs.find((r) => r.args[1] === 'nope' || r.args[0] === 'inspect' && r.args[1]!.endsWith(':nope'))!.stderr).toMatch(/^error: /m);
  });

  it('lists one tag a line when piped', async () => {
    const r = await runCli(['list', `${a.host}/src/app`]);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['1.0', '1.1', '2.0']);
  });

  it('FORCE_COLOR colours even a pipe, and FORCE_COLOR=0 wins over a terminal', async () => {
    const forced = await runCli(['inspect', `${a.host}/src/app:nope`], { env: { ...colourful, FORCE_COLOR: '1' } });
    expect(forced.stderr).toContain(`${ESC}[31m`);
    const tty = await runTty(['inspect', `${a.host}/src/app:nope`], { ...colourful, FORCE_COLOR: '0' });
    expect(tty).toMatch(/error: /);
    expect(tty).not.toContain(ESC);
  });

  it('on a terminal, list shows a heading and columns, inspect a table; NO_COLOR keeps them plain', async () => {
    const list = await runTty(['list', `${a.host}/src/app`], { NO_COLOR: '1' });
    expect(list).toContain(`tags of ${a.host}/src/app (3)`);
    expect(list).toMatch(/^1\.0 +1\.1 +2\.0$/m);
    expect(list).not.toContain(ESC);
    const inspect = await runTty(['inspect', `${a.host}/src/app:1.0`], { NO_COLOR: '1' });
    expect(inspect).toMatch(/^PLATFORM +DIGEST +SIZE +MEDIA TYPE$/m);
    for (const c of index.children) expect(inspect).toMatch(new RegExp(`^linux/${c.platform.architecture} +${c.digest} +\\d+ B +application/vnd\\.oci\\.image\\.manifest\\.v1\\+json$`, 'm'));
    expect(inspect).not.toContain(ESC);
  });

  it('on a terminal with colour allowed, table headings are bold', async () => {
    const inspect = await runTty(['inspect', `${a.host}/src/app:1.0`], colourful);
    expect(inspect).toContain(`${ESC}[1mPLATFORM`);
  });

  it('--format renders the --json fields, once per item of a list result', async () => {
    const d = await runCli(['digest', '--format', '{{.reference}} {{.digest}}', `${a.host}/src/app:1.0`]);
    expect(d.stdout).toBe(`${a.host}/src/app:1.0 ${index.digest}\n`);
    const tags = await runCli(['--format', '{{range .tags}}tag={{.}}\\n{{end}}', 'list', `${a.host}/src/app`]);
    expect(tags.stdout.split('\n').filter(Boolean).sort()).toEqual(['tag=1.0', 'tag=1.1', 'tag=2.0']);
    const platforms = await runCli(['--format', '{{range .manifests}}{{.platform.architecture}} {{short .digest}}\\n{{end}}', 'inspect', `${a.host}/src/app:1.0`]);
    expect(platforms.stdout).toBe(index.children.map((c) => `${c.platform.architecture} ${c.digest.slice(0, 19)}\n`).join(''));
    const copied = await runCli(['--format', '{{.destination}} {{.digest}} {{.ok}}', 'copy', `${a.host}/src/app:1.0`, `${b.host}/f/one:1.0`, `${b.host}/f/two:1.0`]);
    expect(copied.stdout).toBe(`${b.host}/f/one:1.0 ${index.digest} true\n${b.host}/f/two:1.0 ${index.digest} true\n`);
  });

  it('--format: a typo is warned about, a syntax error is a usage error, and --json excludes it', async () => {
    const typo = await runCli(['--format', '{{.digets}}', 'digest', `${a.host}/src/app:1.0`]);
    expect(typo.code).toBe(0);
    expect(typo.stderr).toBe('warning: --format: no field "digets" in the result; it has digest, reference\n');
    const bad = await runCli(['--format', '{{range .tags}}', 'list', `${a.host}/src/app`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('{{range}} without {{end}}');
    const both = await runCli(['--json', '--format', '{{.}}', 'digest', `${a.host}/src/app:1.0`]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--json and --format cannot be used together');
  });
});
