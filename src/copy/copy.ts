import { RegctlError } from '../errors.js';
import { digestOf } from '../ref/digest.js';
import { isIndex, referencedDescriptors, type Descriptor, type IndexManifest, type Manifest, type Platform } from '../registry/manifest.js';
import type { ImageRepository } from '../transports/types.js';
import { copyBlob } from './blob.js';
import type { CopyListener } from './events.js';
import { limiter, type Limiter } from './limit.js';
import { formatPlatform, platformMatches } from './platform.js';

/** Options of {@link copyImage}. */
export interface CopyOptions {
  /** Copy only these platforms of an index: one gives that image, several a reduced index. */
  platforms?: Platform[];
  /** Blobs transferred at once per destination (default 6). */
  concurrency?: number;
  /** Copy even when the destination tag already points at the source digest. */
  force?: boolean;
  onEvent?: CopyListener;
}

/** The outcome of a copy to one destination. */
export interface CopyResult {
  destination: string;
  /** The digest now at the destination reference. */
  digest: string;
  mediaType: string;
  /** True when the destination already had it and nothing was transferred. */
  skipped: boolean;
}

/** Where to copy: a repository and the tag (or, without a tag, the digest alone). */
export interface CopyTarget {
  repository: ImageRepository;
  tag?: string;
}

/** Picks the manifest to copy: the source as is, or the platforms asked for. */
async function selectRoot(src: ImageRepository, root: Manifest, platforms: Platform[] | undefined): Promise<Manifest> {
  if (!platforms?.length || !isIndex(root)) return root;
  const chosen = platforms.map((p) => {
    const d = root.parsed.manifests.find((m) => platformMatches(p, m.platform));
    if (!d) {
      const have = root.parsed.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : '?')).join(', ');
      throw new RegctlError('NOT_FOUND', `${src.name}@${root.digest} has no ${formatPlatform(p)} image (it has: ${have})`);
    }
    return d;
  });
  if (chosen.length === 1) return src.getManifest(chosen[0]!.digest);
  // Several platforms: a new index holding just those, so its digest differs from the source's.
  const parsed: IndexManifest = { ...root.parsed, manifests: [...new Set(chosen)] };
  const bytes = Buffer.from(JSON.stringify(parsed));
  return { mediaType: root.mediaType, digest: digestOf(bytes), bytes, parsed };
}

/**
 * Copies an image or a whole index from `src` to one destination. Blobs go first, then child
 * manifests by digest, then the root under the tag, so a tag never points at content that is
 * not all there. When the destination tag already has the source digest (one HEAD), nothing
 * else is sent.
 */
export async function copyImage(src: ImageRepository, srcReference: string, dst: CopyTarget, opts: CopyOptions = {}): Promise<CopyResult> {
  const emit = opts.onEvent ?? (() => undefined);
  const root = await selectRoot(src, await src.getManifest(srcReference), opts.platforms);
  const destination = `${dst.repository.name}${dst.tag ? `:${dst.tag}` : `@${root.digest}`}`;
  if (!opts.force && dst.tag) {
    const existing = await dst.repository.headManifest(dst.tag);
    if (existing?.digest === root.digest) {
      emit({ type: 'image-skip', digest: root.digest, destination });
      return { destination, digest: root.digest, mediaType: root.mediaType, skipped: true };
    }
  }
  const blobs: Limiter = limiter(opts.concurrency ?? 6);
  const started = new Map<string, Promise<unknown>>();
  const once = (digest: string, fn: () => Promise<unknown>) => {
    let p = started.get(digest);
    if (!p) started.set(digest, (p = fn()));
    return p;
  };

  const copyTree = async (m: Manifest): Promise<void> => {
    const children = referencedDescriptors(m.parsed);
    if (isIndex(m)) {
      await Promise.all(children.map((d: Descriptor) => once(d.digest, async () => {
        const child = await src.getManifest(d.digest);
        await copyTree(child);
        await dst.repository.putManifest(child.digest, child.bytes, child.mediaType);
        emit({ type: 'manifest-put', digest: child.digest, reference: child.digest, destination });
      })));
    } else {
      await Promise.all(children.map((d) => once(d.digest, () => blobs(() => copyBlob(src, dst.repository, d, emit)))));
    }
  };
  await copyTree(root);
  const reference = dst.tag ?? root.digest;
  await dst.repository.putManifest(reference, root.bytes, root.mediaType);
  emit({ type: 'manifest-put', digest: root.digest, reference, destination });
  return { destination, digest: root.digest, mediaType: root.mediaType, skipped: false };
}
