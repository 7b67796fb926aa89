/**
 * Listings from a registry that lies: `Link` headers that loop (to the same page, or round two
 * pages), pages that never end (each links to a new one), a page body that never ends, and
 * names with control characters or newlines that would forge lines or reach the terminal.
 * `regctl list` must stop with a clear error every time, within the page cap, and print nothing
 * it was not sure of.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { send, startHostileRegistry, type HostileRegistry } from '../harness/faults/hostile-registry.js';

describe('hostile pagination and names', () => {
  let evil: HostileRegistry;

  beforeAll(async () => {
    evil = await startHostileRegistry();
    evil.route('GET', '/v2/self/tags/list', (_req, res) => send(res, 200, { name: 'self', tags: ['a'] }, { link: '</v2/self/tags/list>; rel="next"' }));
    evil.route('GET', '/v2/pingpong/tags/list', (_req, res, url) => {
      const on = url.searchParams.get('last') === 'b' ? 'b' : 'a';
      send(res, 200, { name: 'pingpong', tags: [on] }, { link: `</v2/pingpong/tags/list?last=${on === 'a' ? 'b' : 'a'}>; rel="next"` });
    });
    evil.route('GET', '/v2/endless/tags/list', (_req, res, url) => {
      const n = Number(url.searchParams.get('last') ?? '0');
      send(res, 200, { name: 'endless', tags: [`t${n}`] }, { link: `</v2/endless/tags/list?n=1&last=${n + 1}>; rel="next"` });
    });
    evil.route('GET', '/v2/huge/tags/list', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"name":"huge","tags":["');
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    evil.route('GET', '/v2/escapes/tags/list', (_req, res) => send(res, 200, { name: 'escapes', tags: ['ok', 'x\u001b]0;pwned\u0007'] }));
    evil.route('GET', '/v2/forged/tags/list', (_req, res) => send(res, 200, { name: 'forged', tags: ['v1\nlatest'] }));
    evil.route('GET', '/v2/_catalog', (_req, res) => send(res, 200, { repositories: ['a'] }, { link: '</v2/_catalog>; rel="next"' }));
  });
  afterAll(async () => {
    await evil?.close();
  });

  const list = (what: string, ...flags: string[]) => runCli(['--plain-http', ...flags, 'list', what]);

  it.each([
    ['a page that links to itself', 'self'],
    ['two pages that link to each other', 'pingpong'],
  ])('stops at %s (INVALID_INPUT, exit 2)', async (_name, repo) => {
    const r = await list(`${evil.host}/${repo}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pagination loops back to a page already read/);
    expect(r.stdout).toBe('');
  });

  it('stops a catalog whose pages loop', async () => {
    const r = await list(evil.host);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/list repositories .*loops back/);
  });

  it('gives up on pages without end after 10000 pages', async () => {
    const before = evil.requests.length;
    const r = await list(`${evil.host}/endless`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/more than 10000 pages; stopping/);
    expect(r.stdout).toBe('');
    expect(evil.requests.slice(before).filter((q) => q.path.startsWith('/v2/endless/'))).toHaveLength(10_000);
  });

  it('stops reading a page body that never ends (TOO_LARGE)', async () => {
    const r = await list(`${evil.host}/huge`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exceeds the 16777216-byte limit/);
  });

  it.each([
    ['terminal escape sequences', 'escapes', '"x\\u001b]0;pwned\\u0007"'],
    ['a newline that would forge a second tag', 'forged', '"v1\\nlatest"'],
  ])('refuses tags with %s, printing them escaped', async (_name, repo, shown) => {
    for (const flags of [[], ['--json']]) {
      const r = await list(`${evil.host}/${repo}`, ...flags);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`the registry returned a name with whitespace or control characters: ${shown}`);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
  });
});
