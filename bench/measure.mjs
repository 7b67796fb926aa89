// Runs one tool process and measures it: wall time from spawn to exit, and peak RSS from GNU
// time (`%M`, the child's ru_maxrss in KiB, as the kernel accounts it at exit).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.mjs';

const TIME = '/usr/bin/time';
const scratch = mkdtempSync(join(tmpdir(), 'regctl-bench-time-'));
onCleanup(() => rmSync(scratch, { recursive: true, force: true }));
let seq = 0;

/** Fails early, with the fix, when GNU time is missing. */
export function checkTime() {
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing: run \`npm run bench\` (it installs the Debian package "time") or apt-get install time`);
}

/**
 * Runs `argv` to completion.
 * @returns {Promise<{ms: number, rssMiB: number, code: number | null, stdout: string, stderr: string}>}
 */
export async function measure(argv, env) {
  const out = join(scratch, `${++seq}.txt`);
  const started = performance.now();
  // Its own process group, so that cleanup kills the tool too and not only GNU time.
  const child = spawn(TIME, ['-f', '%M', '-o', out, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const release = onCleanup(() => process.kill(-child.pid, 'SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const code = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, signal) => resolve(c ?? signal));
  });
  const ms = performance.now() - started;
  release(false);
  // GNU time writes "Command exited with non-zero status N" before the figure on failure.
  const lines = existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : [];
  const kib = Number(lines.at(-1));
  return { ms, rssMiB: Number.isFinite(kib) ? kib / 1024 : NaN, code, stdout, stderr };
}
