/**
 * Hand-made tar archives for the abuse suite: a valid `docker save` archive and its hostile
 * variants (names that climb out, absolute paths, links that escape or loop, devices,
 * duplicates, truncation, compression, oversized metadata, lying manifests). Built with
 * tar-stream, which writes whatever names and types it is given. Imports nothing from src/.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { tarOneFile } from '../fixture-bytes.js';

/** One archive entry; `data` for files, `linkname` for links, `pax` for extended headers. */
export interface TarEntrySpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  data?: Buffer | string;
  linkname?: string;
  pax?: Record<string, string>;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Packs entries into a tar archive, in order, exactly as given. */
export async function makeTar(entries: TarEntrySpec[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    const data = e.data === undefined ? undefined : Buffer.from(e.data);
    await new Promise<void>((resolve, reject) => {
      // The typings want every field; tar-stream fills in what is left out.
      const header = {
        name: e.name, type: e.type ?? 'file', mode: e.type === 'directory' ? 0o755 : 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '',
        ...(e.linkname !== undefined && { linkname: e.linkname }),
        ...(e.pax && { pax: e.pax }),
        ...(e.type === 'character-device' && { devmajor: 1, devminor: 3 }),
        size: data?.length ?? 0,
      } as tar.Header;
      const callback = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data) pack.entry(header, data, callback);
      else pack.entry(header, callback);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The parts of a one-image `docker save` archive, to assemble valid or hostile variants from. */
export interface DockerArchiveParts {
  layer: Buffer;
  config: Buffer;
  manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
}

/** A small valid image: one layer tar, its config (diff_id matching) and manifest.json. */
export function dockerArchiveParts(tag = 'example.com/app:v1'): DockerArchiveParts {
  const layer = tarOneFile('hello.txt', Buffer.from('hello from a layer\n'));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  return { layer, config, manifest: [{ Config: 'config.json', RepoTags: [tag], Layers: ['layer.tar'] }] };
}

/** The entries of a valid archive from `parts`; `extra` entries go first. */
export function dockerArchiveEntries(parts: DockerArchiveParts, extra: TarEntrySpec[] = []): TarEntrySpec[] {
  return [
    ...extra,
    { name: 'layer.tar', data: parts.layer },
    { name: 'config.json', data: parts.config },
    { name: 'manifest.json', data: JSON.stringify(parts.manifest) },
  ];
}

/** `data` gzip-compressed (a `docker save | gzip` archive). */
export const gzip = (data: Buffer) => gzipSync(data);
