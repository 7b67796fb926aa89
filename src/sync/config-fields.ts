import type { ConfigDoc, ConfigPath } from './config-doc.js';

/** Reads typed values out of a parsed sync file, failing with the file position and path. */
export class FieldReader {
  constructor(readonly doc: ConfigDoc) {}

  /** A mapping whose keys are all among `allowed`; an unknown key is named, with a likely fix. */
  mapping(path: ConfigPath, value: unknown, allowed: readonly string[]): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw this.doc.error(path, `must be a mapping (${describe(value)} given)`);
    const map = value as Record<string, unknown>;
    for (const k of Object.keys(map)) {
      if (allowed.includes(k)) continue;
      const near = closest(k, allowed);
      throw this.doc.error([...path, k], `unknown key${near ? `; did you mean "${near}"?` : ''} (allowed: ${allowed.join(', ')})`, true);
    }
    return map;
  }

  /** A list; a single item is accepted where `single` allows it. */
  list(path: ConfigPath, value: unknown, single = false): unknown[] {
    if (Array.isArray(value)) return value;
    if (single && value !== undefined && value !== null && typeof value !== 'object') return [value];
    throw this.doc.error(path, `must be a list (${describe(value)} given)`);
  }

  /** A non-empty string. */
  string(path: ConfigPath, value: unknown): string {
    if (typeof value !== 'string' || value.trim() === '') throw this.doc.error(path, `must be a non-empty string (${describe(value)} given)`);
    return value;
  }

  /** One string or a list of them. */
  strings(path: ConfigPath, value: unknown): string[] {
    return this.list(path, value, true).map((v, i) => this.string(Array.isArray(value) ? [...path, i] : path, v));
  }

  /** Regular expressions (JavaScript syntax, unanchored unless written with ^ and $). */
  regexes(path: ConfigPath, value: unknown): RegExp[] {
    return this.strings(path, value).map((s, i) => {
      try {
        return new RegExp(s);
      } catch (e) {
        throw this.doc.error(Array.isArray(value) ? [...path, i] : path, `invalid regular expression: ${(e as Error).message}`);
      }
    });
  }

  /** true or false. */
  boolean(path: ConfigPath, value: unknown): boolean {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw this.doc.error(path, `must be true or false (${describe(value)} given)`);
  }

  /** A whole number from `min` to `max`. */
  integer(path: ConfigPath, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const n = typeof value === 'string' && /^\d{1,15}$/.test(value.trim()) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw this.doc.error(path, `must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'} (${describe(value)} given)`);
    }
    return n;
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/** The allowed key nearest to `k` by edit distance, when it is close enough to be a typo. */
function closest(k: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(k.length / 3)) + 1;
  for (const a of allowed) {
    const d = distance(k.toLowerCase(), a.toLowerCase());
    if (d < bestD) [best, bestD] = [a, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
