/**
 * docs/commands/*.md carry each command's `--help`; scripts/gen-docs.mjs writes them and,
 * with --check, fails when one has drifted from the CLI.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BLOB_CONCURRENCY } from '../../src/copy/limits.js';
import { DEFAULT_IMAGE_CONCURRENCY } from '../../src/sync/run.js';
import { runCli } from '../harness/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'gen-docs.mjs');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('docs/commands matches --help', () => {
  let copy: string;
  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), 'regctl-docs-'));
    await cp(join(ROOT, 'docs', 'commands'), copy, { recursive: true });
  });
  afterAll(() => rm(copy, { recursive: true, force: true }));

  it('every command has a page whose help block is the CLI\'s (run `npm run docs` after changing a command)', async () => {
    const r = await run(['--check']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a page whose help has drifted, or a missing page, fails the check', async () => {
    const page = join(copy, 'tag.md');
    await writeFile(page, (await readFile(page, 'utf8')).replace('add tags to an image', 'add labels to an image'));
    await rm(join(copy, 'digest.md'));
    const r = await run(['--check', '--dir', copy]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${page}: help block differs from \`regctl tag --help\``);
    expect(r.stderr).toContain(`${join(copy, 'digest.md')}: missing`);
  });

  it('regenerating keeps what was written around the help block', async () => {
    const page = join(copy, 'list.md');
    await writeFile(page, `${await readFile(page, 'utf8')}\n## Examples\n\nhand-written\n`);
    expect((await run(['--dir', copy])).code).toBe(0);
    expect(await readFile(page, 'utf8')).toContain('## Examples\n\nhand-written\n');
    expect((await run(['--check', '--dir', copy])).code).toBe(0);
  });
});

describe('help texts name the library defaults they describe', () => {
  it('copy --concurrency and sync --image-concurrency', async () => {
    expect((await runCli(['copy', '--help'])).stdout.replace(/\s+/g, ' ')).toContain(`(default ${DEFAULT_BLOB_CONCURRENCY})`);
    expect((await runCli(['sync', '--help'])).stdout.replace(/\s+/g, ' ')).toContain(`else ${DEFAULT_IMAGE_CONCURRENCY})`);
  });
});
