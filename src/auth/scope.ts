/**
 * Token scopes (distribution token spec): `resourcetype[(class)]:name:action[,action]`.
 * A name can contain `host:port`, so a scope is never split naively on ':' (REGISTRIES.md).
 */

/** The scope that lets a token list the catalog (`GET /v2/_catalog`). */
export const CATALOG_SCOPE = 'registry:catalog:*';

/** A parsed scope. */
export interface ParsedScope {
  /** `repository`, `registry`, or with a class: `repository(plugin)`. */
  type: string;
  name: string;
  actions: string[];
}

/** `repository:<repo>:<actions joined by ','>`. */
export function repositoryScope(repo: string, actions: string[]): string {
  return `repository:${repo}:${actions.join(',')}`;
}

/**
 * Parses a scope: the type runs to the first ':', the actions follow the LAST ':', the name is
 * in between. Returns undefined for text with fewer than two ':' or an empty type or name.
 */
export function parseScope(s: string): ParsedScope | undefined {
  const first = s.indexOf(':');
  const last = s.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const type = s.slice(0, first);
  const name = s.slice(first + 1, last);
  if (!name || !/^[a-z0-9]+(\([a-z0-9]+\))?$/i.test(type)) return undefined;
  const actions = s
    .slice(last + 1)
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  return { type, name, actions };
}

/** Formats a parsed scope back to text. */
export function formatScope(p: ParsedScope): string {
  return `${p.type}:${p.name}:${p.actions.join(',')}`;
}

/** push sorts first, then pull, then the rest in the order first seen. */
function actionRank(a: string): number {
  return a === 'push' ? 0 : a === 'pull' ? 1 : 2;
}

/**
 * Merges scopes: one entry per resource (type + name) with the union of its actions. Resources
 * keep the order first seen, except that resources asking for push move to the front, and inside
 * a resource push comes before pull, because "a few registries just look at the first scope"
 * (go-containerregistry pkg/v1/remote/write.go; REGISTRIES.md on cross-repo mounts). Empty and
 * space-joined inputs are accepted (Harbor puts several scopes in one `scope` param). Text that
 * does not parse is kept once, as is.
 */
export function mergeScopes(scopes: string[]): string[] {
  const byResource = new Map<string, ParsedScope | string>();
  for (const s of scopes.flatMap((x) => x.split(/\s+/)).filter((x) => x !== '')) {
    const p = parseScope(s);
    if (!p) {
      if (!byResource.has(`raw ${s}`)) byResource.set(`raw ${s}`, s);
      continue;
    }
    const key = `${p.type}:${p.name}`;
    const seen = byResource.get(key);
    if (seen && typeof seen !== 'string') {
      for (const a of p.actions) if (!seen.actions.includes(a)) seen.actions.push(a);
    } else {
      byResource.set(key, { ...p, actions: [...new Set(p.actions)] });
    }
  }
  const entries = [...byResource.values()].map((e) => {
    if (typeof e === 'string') return { text: e, push: false };
    const actions = [...e.actions].sort((a, b) => actionRank(a) - actionRank(b));
    return { text: formatScope({ ...e, actions }), push: actions.includes('push') };
  });
  // Array.prototype.sort is stable (ES2019), so the partition keeps the original order.
  return entries.sort((a, b) => Number(b.push) - Number(a.push)).map((e) => e.text);
}

/** A key for a scope set that does not depend on order or duplicates: for token caches. */
export function scopeKey(scopes: string[]): string {
  return mergeScopes(scopes)
    .map((s) => {
      const p = parseScope(s);
      return p ? formatScope({ ...p, actions: [...p.actions].sort() }) : s;
    })
    .sort()
    .join(' ');
}
