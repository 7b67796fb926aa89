/**
 * `--format '<template>'`: a small subset of Go's text/template, as docker, crane and skopeo
 * users know it (docs/json.md, "--format"):
 *
 *   {{.digest}}                a field of the `--json` result; `.a.b` nests, `.list.0` indexes,
 *                              `.Digest` finds `digest` too (names match case-insensitively)
 *   {{.}}                      the value itself
 *   {{json .config}}           functions: json, upper, lower, len, join LIST SEP, bytes N, short DIGEST
 *   {{.size | bytes}}          a pipe passes the value on as the last argument
 *   {{range .tags}}{{.}}\n{{end}}      repeat for each item (`{{else}}` when empty)
 *   {{if .platform}}...{{else}}...{{end}}
 *   "text"  42                 literals; in the text around actions `\n`, `\t` and `\\` are escapes
 *
 * A result that is a list is rendered once per item. A field that is not there renders as
 * nothing; {@link Template.unknownFields} reports the names never found, for a warning.
 */
import { RegctlError } from '../../errors.js';
import { formatBytes } from '../format.js';

type Arg = { t: 'field'; path: string[] } | { t: 'lit'; value: string | number };
interface Call { fn?: string; args: Arg[] }
type Pipeline = Call[];
type Node =
  | { t: 'text'; value: string }
  | { t: 'out'; pipe: Pipeline }
  | { t: 'range' | 'if'; pipe: Pipeline; body: Node[]; alt: Node[] };

type Fn = (...args: unknown[]) => unknown;

const FUNCTIONS: Record<string, { arity: number; fn: Fn }> = {
  json: { arity: 1, fn: (v) => JSON.stringify(v ?? null) },
  upper: { arity: 1, fn: (v) => text(v).toUpperCase() },
  lower: { arity: 1, fn: (v) => text(v).toLowerCase() },
  len: { arity: 1, fn: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0) },
  // `join LIST SEP` as in docker; `LIST | join SEP` arrives the other way round.
  join: { arity: 2, fn: (a, b) => {
    const [list, sep] = Array.isArray(b) && !Array.isArray(a) ? [b, a] : [a, b];
    return Array.isArray(list) ? list.map(text).join(text(sep)) : text(list);
  } },
  bytes: { arity: 1, fn: (n) => (typeof n === 'number' ? formatBytes(n) : text(n)) },
  short: { arity: 1, fn: (d) => text(d).replace(/^([a-z0-9]+:)([0-9a-f]{12})[0-9a-f]*$/, '$1$2') },
};

/** How a value prints: strings as they are, nothing for null, JSON for objects and lists. */
function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Go's truth: false, 0, empty and missing are false. */
function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return !!v;
}

function fail(src: string, at: number, why: string): never {
  throw new RegctlError('USAGE', `--format: ${why} at character ${at + 1} of ${JSON.stringify(src)}`, {
    hint: 'see docs/json.md ("--format") for the syntax; --json shows the fields',
  });
}

/** Splits an action's inside into tokens: strings, numbers, fields, names and `|`. */
function tokens(src: string, body: string, at: number): string[] {
  const out: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|\.[^\s|]*|[A-Za-z_][\w]*|\|)/y;
  let i = 0;
  while (i < body.length) {
    if (/^\s*$/.test(body.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(body);
    if (!m) fail(src, at + i, `cannot read ${JSON.stringify(body.slice(i).trim())}`);
    out.push(m[1]!);
    i = re.lastIndex;
  }
  return out;
}

function arg(src: string, tok: string, at: number): Arg {
  if (tok.startsWith('"')) return { t: 'lit', value: JSON.parse(tok) as string };
  if (/^-?\d/.test(tok)) return { t: 'lit', value: Number(tok) };
  if (tok.startsWith('.')) {
    const path = tok === '.' ? [] : tok.slice(1).split('.');
    if (path.some((p) => p === '')) fail(src, at, `bad field ${JSON.stringify(tok)}`);
    return { t: 'field', path };
  }
  return fail(src, at, `unknown function ${JSON.stringify(tok)} (known: ${Object.keys(FUNCTIONS).join(', ')})`);
}

function pipeline(src: string, toks: string[], at: number): Pipeline {
  if (toks.length === 0) fail(src, at, 'empty action');
  const calls: Pipeline = [];
  let cur: string[] = [];
  const close = () => {
    if (cur.length === 0) fail(src, at, 'empty command in a pipe');
    const [head, ...rest] = cur;
    if (FUNCTIONS[head!]) calls.push({ fn: head!, args: rest.map((t) => arg(src, t, at)) });
    else if (rest.length > 0) fail(src, at, `${JSON.stringify(head)} is not a function (known: ${Object.keys(FUNCTIONS).join(', ')})`);
    else calls.push({ args: [arg(src, head!, at)] });
    cur = [];
  };
  for (const t of toks) {
    if (t === '|') close();
    else cur.push(t);
  }
  close();
  calls.forEach((c, i) => {
    const want = c.fn ? FUNCTIONS[c.fn]!.arity : 1;
    const have = c.args.length + (i > 0 ? 1 : 0);
    if (c.fn && have !== want) fail(src, at, `${c.fn} takes ${want} argument${want > 1 ? 's' : ''}, not ${have}`);
    if (!c.fn && i > 0) fail(src, at, 'only a function can follow "|"');
  });
  return calls;
}

function unescape(s: string): string {
  return s.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

/** Parses the template into a tree. */
function parse(src: string): Node[] {
  const root: Node[] = [];
  const stack: Array<{ node: Extract<Node, { t: 'range' | 'if' }>; inElse: boolean; at: number }> = [];
  const target = () => {
    const top = stack[stack.length - 1];
    return top ? (top.inElse ? top.node.alt : top.node.body) : root;
  };
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      target().push({ t: 'text', value: unescape(src.slice(i)) });
      break;
    }
    if (open > i) target().push({ t: 'text', value: unescape(src.slice(i, open)) });
    // Find the closing braces outside string literals.
    let j = open + 2;
    let inString = false;
    for (; j < src.length; j++) {
      if (inString) {
        if (src[j] === '\\') j++;
        else if (src[j] === '"') inString = false;
      } else if (src[j] === '"') inString = true;
      else if (src.startsWith('}}', j)) break;
    }
    if (j >= src.length) fail(src, open, 'unclosed "{{"');
    const toks = tokens(src, src.slice(open + 2, j), open + 2);
    const [head] = toks;
    if (head === 'range' || head === 'if') {
      const node = { t: head, pipe: pipeline(src, toks.slice(1), open), body: [], alt: [] } as Extract<Node, { t: 'range' | 'if' }>;
      target().push(node);
      stack.push({ node, inElse: false, at: open });
    } else if (head === 'else' || head === 'end') {
      const top = stack[stack.length - 1];
      if (!top || toks.length > 1) fail(src, open, `{{${toks.join(' ')}}} without {{range}} or {{if}}`);
      if (head === 'else') {
        if (top.inElse) fail(src, open, 'a second {{else}}');
        top.inElse = true;
      } else stack.pop();
    } else target().push({ t: 'out', pipe: pipeline(src, toks, open) });
    i = j + 2;
  }
  const open = stack[stack.length - 1];
  if (open) fail(src, open.at, `{{${open.node.t}}} without {{end}}`);
  return root;
}

/** A compiled `--format` template. */
export interface Template {
  /** Renders one value (one item of a list result). */
  render(value: unknown): string;
  /** Field names that were asked for and never found, each with the keys that were there instead. */
  unknownFields(): Array<{ field: string; available: string[] }>;
}

/** Compiles a template; a syntax error is a `USAGE` error pointing at the character. */
export function compileTemplate(src: string): Template {
  const tree = parse(src);
  const missing = new Map<string, Set<string>>();
  const found = new Set<string>();

  const lookup = (dot: unknown, path: string[]): unknown => {
    let v = dot;
    for (const key of path) {
      if (Array.isArray(v) && /^\d+$/.test(key)) {
        v = v[Number(key)];
        continue;
      }
      if (!v || typeof v !== 'object') return undefined;
      const obj = v as Record<string, unknown>;
      const name = key in obj ? key : Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
      if (name === undefined) {
        const keys = missing.get(key) ?? new Set<string>();
        for (const k of Object.keys(obj)) keys.add(k);
        missing.set(key, keys);
        return undefined;
      }
      found.add(key);
      v = obj[name];
    }
    return v;
  };
  const value = (a: Arg, dot: unknown) => (a.t === 'lit' ? a.value : lookup(dot, a.path));
  const run = (pipe: Pipeline, dot: unknown): unknown => {
    let prev: unknown;
    pipe.forEach((c, i) => {
      const args = [...c.args.map((a) => value(a, dot)), ...(i > 0 ? [prev] : [])];
      prev = c.fn ? FUNCTIONS[c.fn]!.fn(...args) : args[0];
    });
    return prev;
  };
  const render = (nodes: Node[], dot: unknown): string => nodes.map((n) => {
    switch (n.t) {
      case 'text': return n.value;
      case 'out': return text(run(n.pipe, dot));
      case 'if': return render(truthy(run(n.pipe, dot)) ? n.body : n.alt, dot);
      case 'range': {
        const v = run(n.pipe, dot);
        const items = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [];
        return items.length > 0 ? items.map((item) => render(n.body, item)).join('') : render(n.alt, dot);
      }
    }
  }).join('');

  return {
    render: (v) => render(tree, v),
    unknownFields: () => [...missing].filter(([k]) => !found.has(k)).map(([field, keys]) => ({ field, available: [...keys].sort() })),
  };
}
