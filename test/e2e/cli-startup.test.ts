/**
 * Start-up stays cheap: `--help`, `--version` and a command's `--help` load commander and the
 * CLI's own modules, never the library behind the commands (undici, the copy engine, tar,
 * cosmiconfig, chalk, ora). Timing is measured by bench/startup.mjs (docs/benchmarks.md), not
 * here: a shared CI machine makes wall-clock assertions flaky; what is loaded is what decides it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cliEnv } from '../harness/cli.js';

// An ESM resolve hook that appends every resolved URL to $TRACE_FILE.
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.TRACE_FILE, r.url + '\\n');
  return r;
}`;
const TRACER = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));`;

let dir: string;

async function loaded(args: string[]): Promise<string[]> {
  const file = join(dir, `trace-${Math.random().toString(36).slice(2)}.txt`);
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(TRACER)}`, CLI_BIN, ...args], {
    env: cliEnv({ TRACE_FILE: file }),
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  expect(await new Promise((resolve) => child.once('close', resolve))).toBe(0);
  return [...new Set((await readFile(file, 'utf8')).split('\n').filter(Boolean))];
}

const HEAVY = /node_modules\/(undici|tar-stream|cosmiconfig|chalk|ora|yaml|semver|@aws-sdk|google-auth-library|@azure)\/|\/dist\/(copy\/copy|client|transport\/http|transports\/open|sync\/run|config\/load)\.js$/;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regctl-startup-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('start-up loads no library code', () => {
  it.each([[['--help']], [['--version']], [['copy', '--help']], [['sync', '--help']], [['config', '--help']]])('regctl %j', async (args) => {
    const modules = await loaded(args);
    expect(modules.some((m) => m.includes('node_modules/commander/'))).toBe(true);
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  it('a real command does load them (so the check above can fail)', async () => {
    const modules = await loaded(['config']);
    expect(modules.some((m) => /node_modules\/cosmiconfig\//.test(m))).toBe(true);
    expect(modules.some((m) => /\/dist\/client\.js$/.test(m))).toBe(true);
  });
});
