import { readFile } from 'node:fs/promises';
import semver from 'semver';
import { parsePlatform } from '../copy/platform.js';
import { RegctlError } from '../errors.js';
import { parseListTarget } from '../ops/list.js';
import { digestProblem } from '../ref/digest.js';
import { parseRegistry } from '../ref/host.js';
import { parseRepository } from '../ref/reference.js';
import { tagProblem } from '../ref/tag.js';
import type { Platform } from '../registry/manifest.js';
import { ConfigDoc, type ConfigPath } from './config-doc.js';
import { FieldReader } from './config-fields.js';
import type { TagFilter } from './tags.js';
import { parseTemplate, type DestinationTemplate } from './template.js';

/** What a source names: one repository, every repository under a namespace, or a whole registry. */
export type SourceKind = 'repository' | 'namespace' | 'registry';

/** One entry of `sources`, validated. */
export interface SourceSpec {
  kind: SourceKind;
  registry: string;
  /** The repository path (kind `repository`) or the namespace (kind `namespace`). */
  path?: string;
  /** How reports name it: `docker.io/library/alpine`, `docker.io/library/`, `ghcr.io`. */
  label: string;
  /** `sync.yaml:4:5`, for messages about it. */
  where: string;
  /** Repository name filters of a namespace or registry source (matched against the full path). */
  repositories: { include: RegExp[]; exclude: RegExp[] };
  tags: TagFilter;
  destinations: DestinationTemplate[];
  /** Copy only these platforms of an index. */
  platforms?: Platform[];
  referrers: boolean;
}

/** A validated sync file. */
export interface SyncConfig {
  file: string;
  sources: SourceSpec[];
  /** From `options.concurrency`: images at once, blob transfers at once per source registry. */
  concurrency: { images?: number; blobs?: number };
}

/** Largest sync file read; a real one is a few KiB. */
const MAX_FILE_BYTES = 4 << 20;

/** Reads and validates a sync file (YAML or JSON). Errors are CONFIG errors naming file, line and path. */
export async function loadSyncConfig(file: string): Promise<SyncConfig> {
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (e) {
    throw new RegctlError('CONFIG', `cannot read sync file ${JSON.stringify(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (text.length > MAX_FILE_BYTES) throw new RegctlError('CONFIG', `${file}: larger than ${MAX_FILE_BYTES} bytes; is this the sync file?`);
  return parseSyncConfig(text.toString('utf8'), file);
}

/** Validates the text of a sync file; `file` names it in errors. */
export function parseSyncConfig(text: string, file: string): SyncConfig {
  const r = new FieldReader(ConfigDoc.parse(text, file));
  const top = r.mapping([], r.doc.value, ['version', 'sources', 'destinations', 'options']);
  if (top.version !== undefined && String(top.version) !== '1') throw r.doc.error(['version'], 'only version 1 exists');
  const opts = top.options === undefined ? {} : r.mapping(['options'], top.options, ['platforms', 'referrers', 'concurrency']);
  const defaults = {
    destinations: top.destinations === undefined ? undefined : templates(r, ['destinations'], top.destinations),
    platforms: opts.platforms === undefined ? undefined : platforms(r, ['options', 'platforms'], opts.platforms),
    referrers: opts.referrers === undefined ? false : r.boolean(['options', 'referrers'], opts.referrers),
  };
  const concurrency: SyncConfig['concurrency'] = {};
  if (opts.concurrency !== undefined) {
    const c = r.mapping(['options', 'concurrency'], opts.concurrency, ['images', 'blobs']);
    if (c.images !== undefined) concurrency.images = r.integer(['options', 'concurrency', 'images'], c.images, 1, 256);
    if (c.blobs !== undefined) concurrency.blobs = r.integer(['options', 'concurrency', 'blobs'], c.blobs, 1, 256);
  }
  if (top.sources === undefined) throw r.doc.error([], 'no "sources": name at least one repository, namespace or registry to sync');
  const list = r.list(['sources'], top.sources);
  if (list.length === 0) throw r.doc.error(['sources'], 'is empty: name at least one repository, namespace or registry to sync');
  return { file, sources: list.map((s, i) => source(r, ['sources', i], s, defaults)), concurrency };
}

const SOURCE_KEYS = ['repository', 'namespace', 'registry', 'repositories', 'tags', 'destinations', 'platforms', 'referrers'];

function source(r: FieldReader, path: ConfigPath, value: unknown, defaults: { destinations?: DestinationTemplate[] | undefined; platforms?: Platform[] | undefined; referrers: boolean }): SourceSpec {
  const m = r.mapping(path, value, SOURCE_KEYS);
  const kinds = (['repository', 'namespace', 'registry'] as const).filter((k) => m[k] !== undefined);
  if (kinds.length !== 1) throw r.doc.error(path, kinds.length === 0 ? 'needs one of "repository", "namespace" or "registry"' : `has both "${kinds[0]}" and "${kinds[1]}"; use one per source`);
  const kind = kinds[0]!;
  const text = r.string([...path, kind], m[kind]);
  const where = r.doc.where(path);
  const named = parseSource(r, [...path, kind], kind, text);
  if (kind === 'repository' && m.repositories !== undefined) throw r.doc.error([...path, 'repositories'], 'filters the repositories of a namespace or registry source; this source is one repository', true);
  const repos = m.repositories === undefined ? {} : r.mapping([...path, 'repositories'], m.repositories, ['include', 'exclude']);
  const destinations = m.destinations === undefined ? defaults.destinations : templates(r, [...path, 'destinations'], m.destinations);
  if (!destinations) throw r.doc.error(path, 'has no destinations: set "destinations" here or at the top level');
  const plats = m.platforms === undefined ? defaults.platforms : platforms(r, [...path, 'platforms'], m.platforms);
  return {
    kind, ...named, where,
    repositories: {
      include: repos.include === undefined ? [] : r.regexes([...path, 'repositories', 'include'], repos.include),
      exclude: repos.exclude === undefined ? [] : r.regexes([...path, 'repositories', 'exclude'], repos.exclude),
    },
    tags: tagFilter(r, [...path, 'tags'], m.tags),
    destinations,
    ...(plats && { platforms: plats }),
    referrers: m.referrers === undefined ? defaults.referrers : r.boolean([...path, 'referrers'], m.referrers),
  };
}

function parseSource(r: FieldReader, path: ConfigPath, kind: 'repository' | 'namespace' | 'registry', text: string): { registry: string; path?: string; label: string } {
  try {
    if (kind === 'registry') {
      const registry = parseRegistry(text);
      return { registry, label: registry };
    }
    if (kind === 'repository') {
      const repo = parseRepository(text.replace(/^docker:\/\//, ''));
      return { registry: repo.registry, path: repo.repository, label: `${repo.registry}/${repo.repository}` };
    }
    const t = parseListTarget(text.endsWith('/') ? text : `${text}/`);
    if (t.kind !== 'namespace') throw new Error('this is a whole registry; write it as "registry:"');
    return { registry: t.registry, path: t.namespace, label: `${t.registry}/${t.namespace}/` };
  } catch (e) {
    throw r.doc.error(path, (e as Error).message);
  }
}

function tagFilter(r: FieldReader, path: ConfigPath, value: unknown): TagFilter {
  const m = value === undefined ? {} : r.mapping(path, value, ['include', 'exclude', 'semver', 'prerelease', 'newest', 'pin']);
  return {
    include: m.include === undefined ? [] : r.regexes([...path, 'include'], m.include),
    exclude: m.exclude === undefined ? [] : r.regexes([...path, 'exclude'], m.exclude),
    ...(m.semver !== undefined && { semver: semverRange(r, [...path, 'semver'], m.semver) }),
    prerelease: m.prerelease === undefined ? false : r.boolean([...path, 'prerelease'], m.prerelease),
    ...(m.newest !== undefined && { newest: r.integer([...path, 'newest'], m.newest, 1) }),
    pin: m.pin === undefined ? new Map() : pins(r, [...path, 'pin'], m.pin),
  };
}

function pins(r: FieldReader, path: ConfigPath, value: unknown): Map<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw r.doc.error(path, 'must be a mapping of tag: digest');
  const out = new Map<string, string>();
  for (const [tag, digest] of Object.entries(value as Record<string, unknown>)) {
    const tagWhy = tagProblem(tag);
    if (tagWhy) throw r.doc.error([...path, tag], tagWhy, true);
    const d = r.string([...path, tag], digest);
    const why = digestProblem(d);
    if (why) throw r.doc.error([...path, tag], why);
    out.set(tag, d);
  }
  return out;
}

function semverRange(r: FieldReader, path: ConfigPath, value: unknown): string {
  const text = r.string(path, value);
  if (semver.validRange(text) === null) throw r.doc.error(path, `${JSON.stringify(text)} is not a semver range (e.g. ">=3.18 <4", "~1.25", "^2")`);
  return text;
}

function templates(r: FieldReader, path: ConfigPath, value: unknown): DestinationTemplate[] {
  const list = r.strings(path, value);
  if (list.length === 0) throw r.doc.error(path, 'is empty');
  return list.map((t, i) => {
    try {
      return parseTemplate(t);
    } catch (e) {
      throw r.doc.error(Array.isArray(value) ? [...path, i] : path, (e as Error).message);
    }
  });
}

function platforms(r: FieldReader, path: ConfigPath, value: unknown): Platform[] {
  return r.strings(path, value).map((p, i) => {
    try {
      return parsePlatform(p);
    } catch (e) {
      throw r.doc.error(Array.isArray(value) ? [...path, i] : path, (e as Error).message);
    }
  });
}
