import { CATALOG_SCOPE, repositoryScope } from '../auth/scope.js';
import { RegctlError } from '../errors.js';
import { hasWhitespaceOrControl, quote } from '../ref/quote.js';
import { header } from '../transport/types.js';
import type { RegistryConnection } from './connection.js';
import { nextLink } from './link.js';
import { readBytes } from '../transport/read-body.js';
import { responseError } from './response-error.js';

/** One page of a listing is capped; real pages are a few hundred KiB at most. */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
/** Pages followed before giving up: a registry whose `Link`s never end must not hang us. */
const MAX_PAGES = 10_000;

/** Options for paginated listings. */
export interface ListOptions {
  /** Page size asked for with `n=`; registries may return fewer. */
  pageSize?: number;
}

/**
 * Follows `Link: <...>; rel="next"` through every page, collecting `key` (e.g. `tags`). The
 * next link is preferred over computing `last=` because registries differ in how they page
 * (REGISTRIES.md, generic protocol "Tags"; regsync stopped at 100 ACR repos, RC#404). Loops
 * and endless pagination end with an error instead of hanging.
 */
async function paginate(conn: RegistryConnection, firstPath: string, key: 'tags' | 'repositories', scopes: string[], what: string): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  let path: string | undefined = firstPath;
  for (let page = 0; path !== undefined; page++) {
    if (page >= MAX_PAGES) throw new RegctlError('INVALID_INPUT', `${what}: more than ${MAX_PAGES} pages; stopping`);
    const url = await conn.url(path);
    if (seen.has(url)) throw new RegctlError('INVALID_INPUT', `${what}: the registry's pagination loops back to a page already read`);
    seen.add(url);
    const res = await conn.send({ method: 'GET', path: url }, scopes);
    if (res.status !== 200) throw await responseError(res, what);
    const body = await readBytes(res.body, MAX_PAGE_BYTES, what);
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new RegctlError('INVALID_INPUT', `${what}: the registry's reply is not JSON`);
    }
    const items = doc[key];
    // A repository without tags answers `"tags": null` on distribution.
    if (items !== null && items !== undefined) {
      if (!Array.isArray(items) || items.some((t) => typeof t !== 'string')) throw new RegctlError('INVALID_INPUT', `${what}: "${key}" is not a list of strings`);
      // No registry can store such a name (tags and repositories have a grammar); printed one per
      // line, a newline would forge an entry and an escape sequence would reach the terminal.
      const odd = (items as string[]).find(hasWhitespaceOrControl);
      if (odd !== undefined) throw new RegctlError('INVALID_INPUT', `${what}: the registry returned a name with whitespace or control characters: ${quote(odd)}`);
      out.push(...(items as string[]));
    }
    const next = nextLink(header(res, 'link'));
    path = next === undefined ? undefined : new URL(next, url).toString();
  }
  return out;
}

function withPageSize(path: string, opts: ListOptions): string {
  return opts.pageSize ? `${path}?n=${opts.pageSize}` : path;
}

/** Lists every tag of a repository. */
export async function listTags(conn: RegistryConnection, repo: string, opts: ListOptions = {}): Promise<string[]> {
  return paginate(conn, withPageSize(`/v2/${repo}/tags/list`, opts), 'tags', [repositoryScope(repo, ['pull'])], `list tags of ${conn.host}/${repo}`);
}

/** Lists the repositories of a registry through `/v2/_catalog`. */
export async function listRepositories(conn: RegistryConnection, opts: ListOptions = {}): Promise<string[]> {
  return paginate(conn, withPageSize('/v2/_catalog', opts), 'repositories', [CATALOG_SCOPE], `list repositories of ${conn.host}`);
}
