import { RegctlError } from '../errors.js';
import type { Platform } from '../registry/manifest.js';

/** Parses `os/arch[/variant]` as given to `--platform`. */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) {
    throw new RegctlError('USAGE', `invalid platform ${JSON.stringify(s)}: expected os/arch[/variant], e.g. linux/arm64`);
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return { os, architecture, ...(variant && { variant }) };
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

// The variant an image omits when it is the only one in use (containerd's platform normaliser).
const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8' };

/**
 * True when `candidate` (from an index) satisfies `wanted` (from the user): same OS and
 * architecture, and the same variant when the user named one.
 */
export function platformMatches(wanted: Platform, candidate: Platform | undefined): boolean {
  if (!candidate || candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  if (!wanted.variant) return true;
  const def = DEFAULT_VARIANT[candidate.architecture];
  return (candidate.variant ?? def) === wanted.variant;
}
