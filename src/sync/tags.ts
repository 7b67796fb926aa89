import semver from 'semver';

/** Which tags of a repository to sync. */
export interface TagFilter {
  /** A tag must match one of these (any tag when empty). Unanchored, as in skopeo sync. */
  include: RegExp[];
  /** A tag matching any of these is left out. */
  exclude: RegExp[];
  /** A semver range (`>=3.18 <4`, `~1.25`); tags that are no version are then left out. */
  semver?: string;
  /** Let versions with a pre-release part (`1.2.0-rc1`, `1.25-alpine`) through `semver`/`newest`. */
  prerelease: boolean;
  /** Keep only the newest N tags by version, after the other filters. */
  newest?: number;
  /** Tags copied from a fixed digest, whatever the source tag points at now: tag -> digest. */
  pin: ReadonlyMap<string, string>;
}

/** A filter that takes every tag. */
export const ALL_TAGS: TagFilter = { include: [], exclude: [], prerelease: false, pin: new Map() };

const TAG_VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * The version a tag names, or undefined. Docker tags often drop parts, so missing minor and
 * patch count as 0 (`3.20` is 3.20.0, `v2` is 2.0.0); a suffix after `-` is a pre-release in
 * semver's terms (`1.25-alpine` is 1.25.0-alpine).
 */
export function tagVersion(tag: string): semver.SemVer | undefined {
  const m = TAG_VERSION.exec(tag);
  if (!m) return undefined;
  const text = `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}${m[4] ?? ''}${m[5] ?? ''}`;
  return semver.parse(text, { loose: true }) ?? undefined;
}

/**
 * True when the tags of a repository must be listed: any filter is set, or nothing is pinned
 * (no filter at all means every tag). A source with pins alone costs no listing request.
 */
export function needsListing(f: TagFilter): boolean {
  return f.pin.size === 0 || f.include.length > 0 || f.exclude.length > 0 || f.semver !== undefined || f.newest !== undefined;
}

/**
 * Applies the filter to listed tags: include, exclude, the semver range, then the newest N.
 * Pinned tags are not in the result (the caller adds them with their digests). Returns tags
 * newest first when versions decide, otherwise in the listing's order.
 */
export function selectTags(tags: readonly string[], f: TagFilter): string[] {
  let out = tags.filter((t) => !f.pin.has(t)
    && (f.include.length === 0 || f.include.some((r) => r.test(t)))
    && !f.exclude.some((r) => r.test(t)));
  if (f.semver === undefined && f.newest === undefined) return out;
  const versions = new Map<string, semver.SemVer>();
  for (const t of out) {
    const v = tagVersion(t);
    if (!v || (v.prerelease.length > 0 && !f.prerelease)) continue;
    if (f.semver !== undefined && !semver.satisfies(v, f.semver, { includePrerelease: f.prerelease })) continue;
    versions.set(t, v);
  }
  out = [...versions.keys()].sort((a, b) => semver.rcompare(versions.get(a)!, versions.get(b)!) || b.length - a.length || (a < b ? -1 : 1));
  return f.newest === undefined ? out : out.slice(0, f.newest);
}
