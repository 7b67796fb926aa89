/**
 * The `docker save` archive format: `manifest.json` lists the images, each with its config file,
 * its layer files (uncompressed tars, in order) and its tags. Older docker writes
 * `<config-hex>.json` and `<layer-id>/layer.tar` (+ `json`, `VERSION`) with a `repositories`
 * file; docker 25 and later write the same manifest.json over an OCI layout
 * (`blobs/sha256/<hex>`). Both are read through manifest.json alone, as `docker load` and
 * skopeo do (moby image/tarexport/load.go; containers/image docker/internal/tarfile/src.go).
 */
import { RegctlError } from '../errors.js';
import { digestOf, isDigest } from '../ref/digest.js';
import { quote } from '../ref/quote.js';
import { parseReference, type ImageReference } from '../ref/reference.js';
import { entryPath } from './tar-path.js';

/** One image in manifest.json. Paths are archive paths. */
export interface ArchiveItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  [other: string]: unknown;
}

/** Parses manifest.json, normalising and checking every path it names. */
export function parseArchiveManifest(bytes: Buffer, archive: string): ArchiveItem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new RegctlError('INVALID_INPUT', `${archive}: manifest.json is not JSON (${(e as Error).message})`);
  }
  const bad = (why: string) => new RegctlError('INVALID_INPUT', `${archive}: manifest.json ${why}`);
  if (!Array.isArray(doc)) throw bad('is not a list of images');
  return doc.map((item: Partial<ArchiveItem>, i) => {
    if (!item || typeof item !== 'object' || typeof item.Config !== 'string') throw bad(`entry ${i} has no Config`);
    if (!Array.isArray(item.Layers) || item.Layers.some((l) => typeof l !== 'string')) throw bad(`entry ${i} has no valid Layers`);
    const tags = item.RepoTags ?? null;
    if (tags !== null && (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))) throw bad(`entry ${i} has invalid RepoTags`);
    return {
      ...item,
      Config: entryPath(item.Config, archive),
      Layers: item.Layers.map((l) => entryPath(l, archive)),
      RepoTags: tags,
    } as ArchiveItem;
  });
}

/** A RepoTags string as a reference, or undefined when it does not parse (it is then ignored). */
export function parseRepoTag(tag: string): ImageReference | undefined {
  try {
    const ref = parseReference(tag, { defaultTag: false });
    return ref.tag !== undefined && ref.digest === undefined ? ref : undefined;
  } catch {
    return undefined;
  }
}

/** True when a RepoTags entry names `ref` (both normalised: `app:1` is `docker.io/library/app:1`). */
export function repoTagMatches(repoTag: string, ref: { registry: string; repository: string; tag: string }): boolean {
  const r = parseRepoTag(repoTag);
  return r !== undefined && r.registry === ref.registry && r.repository === ref.repository && r.tag === ref.tag;
}

/** The name docker shows and writes in RepoTags: `app` for `docker.io/library/app`, `org/app`, `host/x`. */
export function familiarName(registry: string, repository: string): string {
  if (registry !== 'docker.io') return `${registry}/${repository}`;
  return repository.startsWith('library/') && repository.split('/').length === 2 ? repository.slice('library/'.length) : repository;
}

/** The RepoTags string for a name and tag, in docker's familiar form. */
export function repoTag(registry: string, repository: string, tag: string): string {
  return `${familiarName(registry, repository)}:${tag}`;
}

/** A legacy layer directory: its v1 ID and `json` file. */
export interface LegacyLayer {
  id: string;
  json: Buffer;
}

/**
 * The v1 layer IDs and `json` files older docker versions expect beside each `layer.tar`.
 * Modern `docker load` reads manifest.json only and allocates its own IDs, so these just need
 * to be unique per (layer chain, image): the approach of containers/image
 * docker/internal/tarfile/writer.go (writeLegacyMetadataLocked). Intermediate layers depend on
 * the chain alone, so images sharing base layers share those directories.
 */
export function legacyLayers(diffIds: string[], config: Record<string, unknown>): LegacyLayer[] {
  const out: LegacyLayer[] = [];
  let chain = '';
  let parent = '';
  diffIds.forEach((diffId, i) => {
    chain = chain === '' ? diffId : digestOf(Buffer.from(`${chain} ${diffId}`));
    const json: Record<string, unknown> = parent ? { parent } : {};
    if (i === diffIds.length - 1) {
      for (const k of ['architecture', 'config', 'container', 'container_config', 'created', 'docker_version', 'os']) {
        if (config[k] !== undefined) json[k] = config[k];
      }
    }
    const id = digestOf(Buffer.from(JSON.stringify({ ...json, layer_id: chain }))).slice('sha256:'.length);
    out.push({ id, json: Buffer.from(JSON.stringify({ id, ...json })) });
    parent = id;
  });
  return out;
}

/** Reads `rootfs.diff_ids` from an image config; INVALID_INPUT naming `what` when absent. */
export function configDiffIds(config: Record<string, unknown>, what: string): string[] {
  const rootfs = config.rootfs as { diff_ids?: unknown } | undefined;
  const ids = rootfs?.diff_ids;
  if (!Array.isArray(ids) || ids.some((d) => typeof d !== 'string' || !isDigest(d))) {
    throw new RegctlError('INVALID_INPUT', `${what}: image config has no valid rootfs.diff_ids`);
  }
  return ids as string[];
}

/** Parses an image config JSON object. */
export function parseConfig(bytes: Buffer, what: string): Record<string, unknown> {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as unknown;
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) return doc as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new RegctlError('INVALID_INPUT', `${what} is not a JSON object (${quote(bytes.subarray(0, 40).toString('utf8'))}...)`);
}
