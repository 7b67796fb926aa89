/**
 * Names inside a tar archive, made safe. regctl never extracts archives, but names still decide
 * which entry is read, so every name and link target is normalised once, when the archive is
 * indexed, and anything that points outside the archive is refused there.
 */
import { RegctlError } from '../errors.js';
import { quote } from '../ref/quote.js';

function hostile(archive: string, why: string): RegctlError {
  return new RegctlError('INVALID_INPUT', `refusing archive ${archive}: ${why}`, {
    hint: 'the archive is damaged or was crafted to escape its own contents; get it again from a trusted source',
  });
}

/** Normalises components, failing on ".." that would climb above the root. */
function normalise(parts: string[], archive: string, what: string): string {
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (out.length === 0) throw hostile(archive, `${what} leaves the archive`);
      out.pop();
    } else out.push(p);
  }
  return out.join('/');
}

/**
 * The canonical form of an entry name: no leading `./`, no empty or `.` components, no
 * trailing `/`. Absolute names and any `..` component are refused outright (as GNU tar does by
 * default), even where `..` would stay inside, because no image archive legitimately has one.
 */
export function entryPath(name: string, archive: string): string {
  if (name.startsWith('/')) throw hostile(archive, `entry ${quote(name)} has an absolute path`);
  const parts = name.split('/');
  if (parts.includes('..')) throw hostile(archive, `entry ${quote(name)} contains ".."`);
  const path = normalise(parts, archive, `entry ${quote(name)}`);
  if (path === '' && name.replace(/[./]/g, '') !== '') throw hostile(archive, `entry ${quote(name)} has an empty name`);
  return path;
}

/** Where a symbolic link at `linkPath` points, as an archive path; refused when it escapes. */
export function symlinkTarget(linkPath: string, target: string, archive: string): string {
  const what = `symlink ${quote(linkPath)} -> ${quote(target)}`;
  if (target.startsWith('/')) throw hostile(archive, `${what} is absolute`);
  const dir = linkPath.split('/').slice(0, -1);
  const resolved = normalise([...dir, ...target.split('/')], archive, what);
  if (resolved === '') throw hostile(archive, `${what} points at the archive root`);
  return resolved;
}

/** Where a hard link points: its target is a name relative to the archive root. */
export function hardlinkTarget(linkPath: string, target: string, archive: string): string {
  const what = `hard link ${quote(linkPath)} -> ${quote(target)}`;
  if (target.startsWith('/') || target.split('/').includes('..')) throw hostile(archive, `${what} leaves the archive`);
  const resolved = normalise(target.split('/'), archive, what);
  if (resolved === '') throw hostile(archive, `${what} has an empty target`);
  return resolved;
}
