/**
 * References and tags with control characters, escape sequences, bidi overrides and line
 * breaks, given to every command that takes one: each is refused as bad input (exit 2) before
 * any request is sent (the registry, a recording server, sees none), and the offending text is
 * shown escaped, never raw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { startHostileRegistry, type HostileRegistry } from '../harness/faults/hostile-registry.js';

/** Nasty pieces: ANSI colour, OSC retitle + BEL, carriage return, newline, NEL, bidi override, DEL, zero-width space. */
const NASTY = ['\u001b[31m', '\u001b]0;pwned\u0007', '\r', '\n', '\u0085', '\u202e', '\u007f', '\u200b'];
/** What a terminal would act on: C0 (but newline, which ends lines), DEL, C1, bidi and zero-width characters. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u202e]/;

/** Each command with a reference spoiled by `bad`. */
const COMMANDS: Array<[string, (host: string, bad: string) => string[]]> = [
  ['inspect (tag)', (h, bad) => ['inspect', `${h}/app:v1${bad}`]],
  ['inspect (repository)', (h, bad) => ['inspect', `${h}/ap${bad}p:v1`]],
  ['digest', (h, bad) => ['digest', `${h}/app:${bad}v1`]],
  ['copy (source)', (h, bad) => ['copy', `${h}/app:v1${bad}`, `${h}/app:v2`]],
  ['copy (destination)', (h, bad) => ['copy', `${h}/app:v1`, `${h}/app:v2${bad}`]],
  ['tag (new tag)', (h, bad) => ['tag', `${h}/app:v1`, `v3${bad}`]],
  ['delete', (h, bad) => ['delete', `${h}/app:v1${bad}`]],
  ['list', (h, bad) => ['list', `${h}/app${bad}`]],
];

const escaped = (c: string) => [...c].map((ch) => `U+${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`).join(' ');

describe('references with control characters', () => {
  let reg: HostileRegistry;

  beforeAll(async () => {
    reg = await startHostileRegistry();
  });
  afterAll(async () => {
    await reg?.close();
  });

  // Every command meets two of the pieces (in turn, so each piece goes to two commands), once
  // with --json: a process per run is what costs time here.
  it.each(COMMANDS.map(([name], i) => [name, i] as const))('%s refuses them before any request, showing them escaped', async (_name, i) => {
    const [name, args] = COMMANDS[i]!;
    for (const [k, bad] of [NASTY[i]!, NASTY[(i + 3) % NASTY.length]!].entries()) {
      const r = await runCli(['--plain-http', ...(k === 0 ? ['--json'] : []), ...args(reg.host, bad)]);
      const what = `${name} with ${escaped(bad)}`;
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      expect(r.stderr, what).toMatch(/invalid|not allowed/);
      expect(`${r.stdout}${r.stderr}`, what).not.toMatch(RAW);
    }
    expect(reg.requests).toEqual([]);
  });
});
