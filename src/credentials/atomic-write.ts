import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` so that readers see either the old file or the whole new one, never
 * a torn write: a temp file in the same directory (rename is only atomic within one file
 * system), created with `mode`, flushed to disk, then renamed over the target. The temp file
 * is removed if anything fails.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx' so a leftover or planted file with that name is never reused.
  const fh = await open(tmp, 'wx', mode);
  try {
    try {
      // The umask may have narrowed or (if odd) skewed the mode: set it explicitly.
      await fh.chmod(mode);
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dir);
}

// Makes the rename itself durable. Not every platform can open a directory (Windows cannot);
// there the rename is as durable as the OS makes it, which is acceptable for a config file.
async function syncDir(dir: string): Promise<void> {
  try {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // best effort
  }
}
