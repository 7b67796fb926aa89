/**
 * Assembling a `docker save` archive: what the previous archive held (carried over as it was,
 * minus tags that now point elsewhere) plus the new images, in the layout docker before 25
 * wrote and every docker version loads: `<config-hex>.json`, one `<layer-id>/` directory per
 * layer with `layer.tar` (uncompressed), `json` and `VERSION`, then `manifest.json` and the
 * legacy `repositories`. A layer already in the archive is linked, not written twice, as
 * `docker save` does. The index.json of a docker 25 archive is dropped: it would no longer
 * list every image, and loaders fall back to manifest.json without it.
 */
import { createReadStream } from 'node:fs';
import { MAX_MANIFEST_BYTES } from '../registry/manifest.js';
import type { DockerArchiveReader } from './docker-archive-reader.js';
import { familiarName, legacyLayers, parseRepoTag, repoTag, repoTagMatches, type ArchiveItem } from './docker-archive-format.js';
import type { StagedBlob } from './docker-archive-stage.js';
import { copyEntries, writeTarAtomic, type TarWriter } from './tar-write.js';

/** A name and tag, normalised. */
export interface ArchiveTag {
  registry: string;
  repository: string;
  tag: string;
}

/** An image waiting to be written. */
export interface PendingImage {
  configDigest: string;
  configBytes: Buffer;
  config: Record<string, unknown>;
  diffIds: string[];
  /** The uncompressed tar of each diff_id the old archive does not have. */
  staged: Map<string, StagedBlob>;
  tags: ArchiveTag[];
}

/** Files of the old archive that are rewritten rather than carried over. */
const REGENERATED = new Set(['manifest.json', 'repositories', 'index.json', 'oci-layout']);

type Repositories = Record<string, Record<string, string>>;

/** Writes `path` atomically from the old archive (if any) and the pending images. */
export async function writeDockerArchive(path: string, old: DockerArchiveReader | undefined, pending: PendingImage[]): Promise<void> {
  const moved = (t: string) => pending.some((p) => p.tags.some((n) => repoTagMatches(t, n)));
  const items: ArchiveItem[] = (old?.items ?? []).map((i) => ({ ...i, RepoTags: i.RepoTags && i.RepoTags.filter((t) => !moved(t)) }));
  const repositories = await oldRepositories(old, moved);
  const byConfig = new Map<string, number>();
  const layerPaths = new Map<string, string>();
  for (let i = 0; i < items.length; i++) {
    const meta = await old!.meta(i);
    byConfig.set(meta.configDigest, i);
    meta.diffIds.forEach((d, n) => layerPaths.has(d) || layerPaths.set(d, items[i]!.Layers[n]!));
  }
  await writeTarAtomic(path, async (w) => {
    const written = old ? await copyEntries(w, old.tar, (p) => REGENERATED.has(p)) : new Set<string>();
    for (const image of pending) {
      const tags = image.tags.map((t) => repoTag(t.registry, t.repository, t.tag));
      const legacy = legacyLayers(image.diffIds, image.config);
      const existing = byConfig.get(image.configDigest);
      if (existing !== undefined) {
        const item = items[existing]!;
        item.RepoTags = [...new Set([...(item.RepoTags ?? []), ...tags])];
      } else {
        const config = `${image.configDigest.slice(image.configDigest.indexOf(':') + 1)}.json`;
        if (!written.has(config)) await add(written, config, () => w.bytes(config, image.configBytes));
        const layers: string[] = [];
        for (const [n, diffId] of image.diffIds.entries()) {
          layers.push(await writeLayer(w, written, layerPaths, legacy[n]!, diffId, image.staged));
        }
        byConfig.set(image.configDigest, items.push({ Config: config, RepoTags: tags, Layers: layers }) - 1);
      }
      const top = legacy.at(-1)?.id;
      for (const t of image.tags) if (top) (repositories[familiarName(t.registry, t.repository)] ??= {})[t.tag] = top;
    }
    await w.bytes('manifest.json', Buffer.from(JSON.stringify(items)));
    await w.bytes('repositories', Buffer.from(JSON.stringify(repositories)));
  });
}

async function add(written: Set<string>, path: string, write: () => Promise<void>): Promise<void> {
  await write();
  written.add(path);
}

/** Writes one legacy layer directory; returns the path of the real layer.tar for manifest.json. */
async function writeLayer(
  w: TarWriter, written: Set<string>, layerPaths: Map<string, string>,
  legacy: { id: string; json: Buffer }, diffId: string, staged: Map<string, StagedBlob>,
): Promise<string> {
  const { id, json } = legacy;
  if (!written.has(`${id}/json`)) {
    if (!written.has(id)) await add(written, id, () => w.directory(id));
    await add(written, `${id}/VERSION`, () => w.bytes(`${id}/VERSION`, Buffer.from('1.0')));
    await add(written, `${id}/json`, () => w.bytes(`${id}/json`, json));
  }
  const file = `${id}/layer.tar`;
  const known = layerPaths.get(diffId);
  if (!written.has(file)) {
    if (known) await add(written, file, () => w.symlink(file, `../${known}`));
    else {
      const blob = staged.get(diffId)!;
      await add(written, file, () => w.file(file, blob.size, createReadStream(blob.file)));
      layerPaths.set(diffId, file);
    }
  }
  return known ?? file;
}

/** The old `repositories` file without the tags that moved; empty when absent or unreadable. */
async function oldRepositories(old: DockerArchiveReader | undefined, moved: (t: string) => boolean): Promise<Repositories> {
  if (!old?.tar.resolve('repositories')) return {};
  let doc: unknown;
  try {
    doc = JSON.parse((await old.tar.read('repositories', MAX_MANIFEST_BYTES, 'repositories')).toString('utf8'));
  } catch {
    return {}; // a legacy file only old docker versions read: not worth failing the write over
  }
  const out: Repositories = {};
  if (!doc || typeof doc !== 'object') return out;
  for (const [name, tags] of Object.entries(doc as Record<string, unknown>)) {
    if (!tags || typeof tags !== 'object' || !parseRepoTag(`${name}:latest`)) continue;
    for (const [tag, id] of Object.entries(tags as Record<string, unknown>)) {
      if (typeof id === 'string' && !moved(`${name}:${tag}`)) (out[name] ??= {})[tag] = id;
    }
  }
  return out;
}
