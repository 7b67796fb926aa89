import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { RegctlError } from '../errors.js';

/** Where a value sits in the file: keys and list positions from the top. */
export type ConfigPath = ReadonlyArray<string | number>;

/** `sources[1].tags.semver` (or `...pin["3.20"]`) for people. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += /^[A-Za-z_][\w-]*$/.test(p) ? `${out === '' ? '' : '.'}${p}` : `[${JSON.stringify(p)}]`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * A sync file, parsed as YAML (which includes JSON), that can point at any value in it, so every
 * validation error names the file, the line and column, and the path: `sync.yaml:12:7:
 * sources[1].tags.semver: ...`. Duplicate keys are refused, as JSON parsers differ on them.
 * Scalars are read as text; {@link FieldReader} turns them into numbers and booleans where a
 * field wants one.
 */
export class ConfigDoc {
  /** The plain value of the whole document. */
  readonly value: unknown;

  private constructor(readonly file: string, private readonly doc: Document, private readonly lines: LineCounter) {
    this.value = dropEmpty(doc.toJS({ maxAliasCount: 100 }));
  }

  /** Parses `text`; a syntax error is a CONFIG error at its position. */
  static parse(text: string, file: string): ConfigDoc {
    const lines = new LineCounter();
    // The failsafe schema keeps every scalar as the text written: a tag `3.10` stays "3.10"
    // instead of becoming the number 3.1, and `no` stays "no" (YAML 1.1's Norway problem).
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true, schema: 'failsafe' });
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      // yaml's message repeats the position and quotes the line below it; the first line says it all.
      const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new RegctlError('CONFIG', `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: not valid YAML or JSON: ${what}`);
    }
    return new ConfigDoc(file, doc, lines);
  }

  /**
   * `file:line:col` of the value at `path`, or of its key with `key`; the nearest enclosing value
   * that exists when it does not (a missing key is reported at its mapping).
   */
  where(path: ConfigPath, key = false): string {
    for (let n = path.length; n >= 0; n--) {
      const at = path.slice(0, n);
      const offset = key && n === path.length && n > 0 ? this.keyOffset(at) : this.valueOffset(at);
      if (offset !== undefined) {
        const { line, col } = this.lines.linePos(offset);
        return `${this.file}:${line}:${col}`;
      }
    }
    return this.file;
  }

  /** A CONFIG error about the value (or, with `key`, the key) at `path`. */
  error(path: ConfigPath, problem: string, key = false): RegctlError {
    return new RegctlError('CONFIG', `${this.where(path, key)}: ${formatPath(path)}: ${problem}`);
  }

  private valueOffset(path: ConfigPath): number | undefined {
    const node = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range?.[0];
  }

  private keyOffset(path: ConfigPath): number | undefined {
    const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return undefined;
    const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[path.length - 1]);
    return (pair?.key as { range?: [number, number, number] } | null | undefined)?.range?.[0];
  }
}

/** `key:` with nothing after it reads as an empty string in the failsafe schema: treat it as absent. */
function dropEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropEmpty);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== '') out[k] = dropEmpty(x);
  return out;
}
