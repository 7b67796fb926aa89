import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegctlError } from '../errors.js';

/** Tuning for {@link withFileLock}; the defaults suit a config file edited in milliseconds. */
export interface FileLockOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** A lock older than this is left over from a crashed process (default 30 s). */
  staleMs?: number;
}

/**
 * Runs `fn` while holding the lock file `lockPath`, which is created exclusively (`wx`) so that
 * several processes (regctl, or a regctl beside itself in a CI matrix) serialise their
 * read-modify-write of one file. Waits with short random sleeps, breaks a stale lock, and fails
 * with a `CREDENTIALS` error naming the lock file when it cannot get it in time.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const staleMs = opts.staleMs ?? 30_000;
  const token = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await tryCreate(lockPath, token)) break;
    await breakIfStale(lockPath, staleMs);
    if (Date.now() >= deadline) {
      throw new RegctlError('CREDENTIALS', `could not lock ${lockPath} within ${Math.round(timeoutMs / 1000)} s`, {
        hint: `another process is writing the file; if none is, remove ${lockPath}`,
      });
    }
    // Random back-off so that waiting processes do not retry in lock-step.
    await sleep(10 + Math.floor(Math.random() * 40));
  }
  try {
    return await fn();
  } finally {
    await release(lockPath, token);
  }
}

async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  try {
    const fh = await open(lockPath, 'wx', 0o600);
    try {
      await fh.writeFile(token, 'utf8');
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new RegctlError('CREDENTIALS', `cannot create lock file ${lockPath}: ${(e as Error).message}`, { cause: e });
  }
}

// Moves a stale lock aside instead of unlinking it: if two waiters both judge it stale, only
// one rename succeeds, and a waiter that raced a fresh lock into its place puts it back.
async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  const seen = await stat(lockPath).catch(() => undefined);
  if (!seen || Date.now() - seen.mtimeMs < staleMs) return;
  const aside = `${lockPath}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = await stat(aside).catch(() => undefined);
  if (moved && moved.ino !== seen.ino) {
    // We took a fresh lock created after our stat: restore it unless a third process holds one.
    await link(aside, lockPath).catch(() => {});
  }
  await unlink(aside).catch(() => {});
}

// Only removes the lock if it is still ours: after a very long hold it may have been broken
// as stale and re-taken by another process.
async function release(lockPath: string, token: string): Promise<void> {
  const content = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (content === token) await unlink(lockPath).catch(() => {});
}
