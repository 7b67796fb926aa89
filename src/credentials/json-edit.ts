/**
 * Edits JSON text so that only the members that changed change: every other byte (other tools'
 * keys, their order, indentation, escapes, a trailing newline) stays as it was. docker, podman
 * and editors all write config.json; regctl owns a few `auths`/`credHelpers` entries in it and
 * must not reformat the rest (issue 5: "foreign keys survive byte-for-byte").
 */

/** A parsed value and where it sits in the text; objects also know their members. */
interface Node {
  start: number;
  /** Index just past the value. */
  end: number;
  members?: Member[];
}

interface Member {
  key: string;
  keyStart: number;
  value: Node;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Rewrites `text` (which parses to `before`) so that it parses to `after`, touching only what
 * differs: removed members are cut out with their comma, new members are appended in the
 * style of their siblings, and changed values are replaced (objects recursively).
 */
export function rewriteJson(text: string, before: unknown, after: unknown): string {
  return editValue(text, [], before as Json, after as Json);
}

function editValue(text: string, path: string[], before: Json, after: Json): string {
  if (deepEqual(before, after)) return text;
  if (!isObject(before) || !isObject(after)) return replaceAt(text, path, after);
  let out = text;
  for (const key of Object.keys(before)) if (!(key in after)) out = deleteMember(out, path, key);
  for (const [key, value] of Object.entries(after)) {
    out = key in before ? editValue(out, [...path, key], before[key]!, value) : appendMember(out, path, key, value);
  }
  return out;
}

/** Removes every occurrence of `key` from the object at `path`, with its separating comma. */
export function deleteMember(text: string, path: string[], key: string): string {
  for (;;) {
    const obj = locate(text, path);
    const members = obj.members!;
    const i = members.findIndex((m) => m.key === key);
    if (i < 0) return text;
    const m = members[i]!;
    const next = members[i + 1];
    if (i > 0) {
      // `, "key": value` goes: from the end of the previous value to the end of this one.
      text = text.slice(0, members[i - 1]!.value.end) + text.slice(m.value.end);
    } else if (next) {
      // The first member: cut up to the next key, which then inherits this one's indentation.
      text = text.slice(0, m.keyStart) + text.slice(next.keyStart);
    } else {
      text = text.slice(0, obj.start + 1) + text.slice(obj.end - 1);
    }
  }
}

/** Adds `key: value` as the last member of the object at `path`. */
function appendMember(text: string, path: string[], key: string, value: Json): string {
  const obj = locate(text, path);
  const members = obj.members!;
  const unit = indentUnit(text);
  const last = members[members.length - 1];
  if (last) {
    // Reuse the whitespace that precedes the last key, and the colon spacing it uses.
    const prevEnd = members.length > 1 ? members[members.length - 2]!.value.end : obj.start + 1;
    const lead = text.slice(prevEnd, last.keyStart).replace(/^\s*,/, '');
    const colon = text.slice(scanString(text, last.keyStart), last.value.start);
    const indent = lead.slice(lead.lastIndexOf('\n') + 1);
    const member = `${JSON.stringify(key)}${colon}${serialize(value, unit, indent, eolOf(text))}`;
    return `${text.slice(0, last.value.end)},${lead}${member}${text.slice(last.value.end)}`;
  }
  const outer = lineIndent(text, obj.start);
  if (unit === '') return `${text.slice(0, obj.start + 1)}${JSON.stringify(key)}:${JSON.stringify(value)}${text.slice(obj.end - 1)}`;
  const eol = eolOf(text);
  const inner = outer + unit;
  const member = `${JSON.stringify(key)}: ${serialize(value, unit, inner, eol)}`;
  return `${text.slice(0, obj.start + 1)}${eol}${inner}${member}${eol}${outer}${text.slice(obj.end - 1)}`;
}

/** Replaces the value at `path` (the last occurrence of a duplicated key, as JSON.parse reads it). */
function replaceAt(text: string, path: string[], value: Json): string {
  if (path.length === 0) return `${JSON.stringify(value, null, '\t')}\n`;
  const parent = locate(text, path.slice(0, -1));
  const m = findLast(parent.members!, path[path.length - 1]!);
  if (!m) throw new Error(`json-edit: no member ${path.join('.')}`);
  return text.slice(0, m.value.start) + serialize(value, indentUnit(text), lineIndent(text, m.keyStart), eolOf(text)) + text.slice(m.value.end);
}

// Serialises a new value in the file's style: `unit` per level, continuation lines at `indent`.
function serialize(value: Json, unit: string, indent: string, eol: string): string {
  const s = unit === '' ? JSON.stringify(value) : JSON.stringify(value, null, unit);
  return s.replace(/\n/g, `${eol}${indent}`);
}

// Files written on Windows use CRLF; new lines follow suit.
function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function locate(text: string, path: string[]): Node {
  let node = parse(text);
  for (const key of path) {
    const m = node.members && findLast(node.members, key);
    if (!m) throw new Error(`json-edit: no object at ${path.join('.')}`);
    node = m.value;
  }
  if (!node.members) throw new Error(`json-edit: ${path.join('.') || 'the document'} is not an object`);
  return node;
}

function findLast(members: Member[], key: string): Member | undefined {
  for (let i = members.length - 1; i >= 0; i--) if (members[i]!.key === key) return members[i];
  return undefined;
}

/** The file's indentation unit: the leading whitespace of its first indented line; '' if compact. */
function indentUnit(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  if (m) return m[1]!;
  return text.trim().includes('\n') ? '\t' : '';
}

function lineIndent(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, pos))![0];
}

// --- a span-recording JSON reader; the text has already passed JSON.parse ---

function parse(text: string): Node {
  return readValue(text, skipWs(text, 0));
}

function skipWs(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  return i;
}

// Index just past the closing quote of the string starting at `i`.
function scanString(text: string, i: number): number {
  let j = i + 1;
  while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

function readValue(text: string, start: number): Node {
  const c = text[start];
  if (c === '{') return readObject(text, start);
  if (c === '[') {
    let i = skipWs(text, start + 1);
    if (text[i] === ']') return { start, end: i + 1 };
    for (;;) {
      i = skipWs(text, readValue(text, i).end);
      if (text[i] === ']') return { start, end: i + 1 };
      i = skipWs(text, i + 1); // past ','
    }
  }
  if (c === '"') return { start, end: scanString(text, start) };
  let end = start;
  while (end < text.length && !/[\s,\]}]/.test(text[end]!)) end++;
  return { start, end };
}

function readObject(text: string, start: number): Node {
  const members: Member[] = [];
  let i = skipWs(text, start + 1);
  if (text[i] === '}') return { start, end: i + 1, members };
  for (;;) {
    const keyStart = i;
    const afterKey = scanString(text, i);
    const key = JSON.parse(text.slice(keyStart, afterKey)) as string;
    i = skipWs(text, skipWs(text, afterKey) + 1); // past ':'
    const value = readValue(text, i);
    members.push({ key, keyStart, value });
    i = skipWs(text, value.end);
    if (text[i] === '}') return { start, end: i + 1, members };
    i = skipWs(text, i + 1); // past ','
  }
}

function isObject(v: unknown): v is { [k: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Structural equality of two JSON values; member order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => k in (b as object) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
