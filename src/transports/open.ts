/**
 * Image references with a transport, parsed once at the edge (DESIGN principle 1) and opened as
 * {@link ImageRepository} objects:
 *
 *     oci:<dir>[:<tag> | @<digest>]             an OCI image layout directory
 *     oci-archive:<file>[:<tag> | @<digest>]    a tar of one
 *     docker-archive:<file>[:<name>[:<tag>] | :@<n> | @<digest>]   what `docker save` writes
 *     [docker://]<registry reference>           anything else (see ref/reference.ts)
 *
 * As in skopeo, the path ends at the first ":" after the transport name, so a path cannot
 * contain ":". A local file or directory named more than once in one command is opened once,
 * so that two tags written to one archive end up in the same new archive.
 */
import { resolve } from 'node:path';
import { RegctlError } from '../errors.js';
import { isDigest } from '../ref/digest.js';
import { quote } from '../ref/quote.js';
import { parseReference, type ImageReference } from '../ref/reference.js';
import { isValidTag } from '../ref/tag.js';
import { isIndex, type Platform } from '../registry/manifest.js';
import { isIndexType } from '../registry/media-types.js';
import { DockerArchive, DockerArchiveRepository } from './docker-archive.js';
import { OciArchiveRepository } from './oci-archive.js';
import { OciLayoutRepository } from './oci-layout.js';
import type { ImageRepository } from './types.js';

/** Where an image lives. */
export type TransportName = 'registry' | 'oci' | 'oci-archive' | 'docker-archive';

/** A parsed reference. Local references carry a path; what follows it depends on the format. */
export type TransportReference =
  | { transport: 'registry'; ref: ImageReference }
  | { transport: 'oci' | 'oci-archive'; path: string; tag?: string; digest?: string }
  | { transport: 'docker-archive'; path: string; image?: ImageReference; index?: number; digest?: string };

const LOCAL = /^(oci|oci-archive|docker-archive):/;
const OTHER = /^(dir|containers-storage|docker-daemon|ostree|sif|tarball):/;
const DIGEST_SUFFIX = /^(.*)@((?:sha256|sha512):[^:@]*)$/;

function usage(input: string, why: string): RegctlError {
  return new RegctlError('INVALID_REFERENCE', `invalid reference ${quote(input)}: ${why}`);
}

/** True when `input` names a local transport (`oci:`, `oci-archive:`, `docker-archive:`). */
export function isLocalReference(input: string): boolean {
  return LOCAL.test(input);
}

/** Parses a reference of any transport; throws INVALID_REFERENCE naming the problem. */
export function parseTransportReference(input: string): TransportReference {
  const m = LOCAL.exec(input);
  if (!m) {
    const other = OTHER.exec(input);
    if (other) throw new RegctlError('UNSUPPORTED', `the ${other[1]}: transport is not supported; regctl reads and writes registries, oci:, oci-archive: and docker-archive:`);
    return { transport: 'registry', ref: parseReference(input) };
  }
  const transport = m[1] as 'oci' | 'oci-archive' | 'docker-archive';
  let rest = input.slice(m[0].length);
  let digest: string | undefined;
  const pinned = DIGEST_SUFFIX.exec(rest);
  if (pinned) {
    [, rest, digest] = pinned as unknown as [string, string, string];
    if (!isDigest(digest)) throw usage(input, `${quote(digest)} is not a valid digest`);
  }
  const colon = rest.indexOf(':');
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const after = colon < 0 ? undefined : rest.slice(colon + 1);
  if (path === '') throw usage(input, `no path after ${transport}:`);
  if (transport !== 'docker-archive') {
    if (after !== undefined && digest !== undefined) throw usage(input, 'give a tag or a digest, not both');
    if (after !== undefined && !isValidTag(after)) throw usage(input, `${quote(after)} is not a valid tag`);
    return { transport, path, ...(after !== undefined && { tag: after }), ...(digest && { digest }) };
  }
  if (after === undefined || after === '') return { transport, path, ...(digest && { digest }) };
  if (digest !== undefined) throw usage(input, 'give a name:tag or a digest, not both');
  if (/^@\d+$/.test(after)) return { transport, path, index: Number(after.slice(1)) };
  const image = parseReference(after);
  if (image.digest) throw usage(input, 'a docker archive names images by name:tag, not name@digest');
  return { transport, path, image };
}

/** One side of a command, opened. */
export interface OpenedImage {
  transport: TransportName;
  repository: ImageRepository;
  /**
   * For a source: the tag, digest or `@<n>` to read. For a destination: the tag to write, if
   * any (none means: by digest for a registry, untagged in a docker archive).
   */
  reference?: string;
  /** A digest the reference pins (a destination must end up with exactly that). */
  digest?: string;
  /** How results name it: `localhost:5000/app`, `oci:/tmp/img`, `docker-archive:x.tar`. */
  display: string;
}

/** How registry references become repositories (the CLI supplies its clients and options). */
export type RegistryOpener = (ref: ImageReference, role: 'source' | 'destination') => ImageRepository;

type Local = OciLayoutRepository | OciArchiveRepository | DockerArchive;

/**
 * Opens references for one command. Local files are opened once each; {@link commit} writes
 * archives that received images and {@link close} releases files and staging directories.
 */
export class Transports {
  private readonly locals = new Map<string, Promise<Local>>();

  constructor(private readonly registry: RegistryOpener) {}

  /** Opens a source: it must exist, and a reference without tag means its only (or `latest`) image. */
  async source(input: string): Promise<OpenedImage & { reference: string }> {
    const t = parseTransportReference(input);
    if (t.transport === 'registry') {
      return { transport: 'registry', repository: this.registry(t.ref, 'source'), reference: t.ref.digest ?? t.ref.tag!, display: `${t.ref.registry}/${t.ref.repository}` };
    }
    const display = `${t.transport}:${t.path}`;
    if (t.transport === 'docker-archive') {
      const view = (await this.local(t.transport, t.path, 'source') as DockerArchive).view(t.image);
      const reference = t.digest ?? (t.index !== undefined ? `@${t.index}` : t.image?.tag) ?? view.defaultReference();
      return { transport: t.transport, repository: view, reference, display };
    }
    const repo = await this.local(t.transport, t.path, 'source') as OciLayoutRepository | OciArchiveRepository;
    if (repo instanceof OciLayoutRepository) await repo.checkExists();
    return { transport: t.transport, repository: repo, reference: t.digest ?? t.tag ?? (await repo.defaultReference()), display };
  }

  /**
   * Opens a destination. An OCI layout or archive without a tag gets `latest`, as registry
   * references do; a docker archive without a name stores the image untagged.
   */
  async destination(input: string): Promise<OpenedImage> {
    const t = parseTransportReference(input);
    if (t.transport === 'registry') {
      const { ref } = t;
      return {
        transport: 'registry', repository: this.registry(ref, 'destination'), display: `${ref.registry}/${ref.repository}`,
        ...(ref.tag && !ref.digest && { reference: ref.tag }), ...(ref.digest && { digest: ref.digest }),
      };
    }
    const display = `${t.transport}:${t.path}`;
    if (t.transport === 'docker-archive') {
      if (t.digest || t.index !== undefined) throw new RegctlError('USAGE', `${input}: write to a docker archive by name:tag, not by digest or position`);
      const view = (await this.local(t.transport, t.path, 'destination') as DockerArchive).view(t.image);
      return { transport: t.transport, repository: view, display, ...(t.image?.tag && { reference: t.image.tag }) };
    }
    if (t.digest) throw new RegctlError('USAGE', `${input}: write to an OCI layout by tag, not by digest`);
    const repository = await this.local(t.transport, t.path, 'destination') as OciLayoutRepository | OciArchiveRepository;
    return { transport: t.transport, repository, display, reference: t.tag ?? 'latest' };
  }

  private local(transport: Exclude<TransportName, 'registry'>, path: string, role: 'source' | 'destination'): Promise<Local> {
    const key = `${transport}:${resolve(path)}`;
    let p = this.locals.get(key);
    if (!p) {
      p = transport === 'oci' ? Promise.resolve(new OciLayoutRepository(path))
        : transport === 'oci-archive' ? OciArchiveRepository.open(path, role)
          : DockerArchive.open(path, role);
      this.locals.set(key, p);
      p.catch(() => this.locals.delete(key));
    }
    return p;
  }

  /**
   * Writes the archives behind `succeeded` (the destinations whose copies worked); an archive
   * also named by a failed destination is left as it was. OCI directories are written as they go.
   */
  async commit(succeeded: ImageRepository[], failed: ImageRepository[] = []): Promise<void> {
    const owner = (r: ImageRepository) => (r instanceof DockerArchiveRepository ? r.archive : r);
    const doomed = new Set(failed.map(owner));
    for (const local of new Set(succeeded.map(owner))) {
      if ((local instanceof OciArchiveRepository || local instanceof DockerArchive) && !doomed.has(local)) await local.commit();
    }
  }

  /** Tags (or docker RepoTags) of a local reference, for `list`. */
  async tags(input: string): Promise<string[]> {
    const t = parseTransportReference(input);
    if (t.transport === 'registry') throw new RegctlError('INTERNAL', 'Transports.tags is for local references');
    const local = await this.local(t.transport, t.path, 'source');
    if (local instanceof OciLayoutRepository) await local.checkExists();
    return local.tags();
  }

  /** Releases open archives and removes staging directories; uncommitted writes are dropped. */
  async close(): Promise<void> {
    const all = [...this.locals.values()];
    this.locals.clear();
    await Promise.all(all.map(async (p) => {
      const local = await p.catch(() => undefined);
      if (local && !(local instanceof OciLayoutRepository)) await local.close().catch(() => undefined);
    }));
  }
}

/**
 * Fails before anything is transferred when a destination cannot hold what would be copied: a
 * docker archive holds single images, so an index source needs exactly one `--platform`.
 */
export async function checkDestinationsFit(source: OpenedImage & { reference: string }, dests: OpenedImage[], platforms: Platform[] = []): Promise<void> {
  const archive = dests.find((d) => d.transport === 'docker-archive');
  if (!archive || platforms.length === 1) return;
  if (platforms.length > 1) throw new RegctlError('USAGE', `${archive.display} holds single images: give one --platform, not ${platforms.length}`);
  const head = await source.repository.headManifest(source.reference);
  if (!head || !isIndexType(head.mediaType)) return; // a missing source is the copy's error to report
  const index = await source.repository.getManifest(head.digest);
  // os/arch[/variant] as --platform takes it (copy/platform.ts formats it too; transports sit below copy).
  const have = isIndex(index) ? index.parsed.manifests.map((d) => (d.platform ? [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join('/') : '?')) : [];
  throw new RegctlError('USAGE', `${source.display} is a multi-platform index and ${archive.display} holds single images: choose one with --platform`, {
    hint: `platforms: ${have.join(', ')}`,
  });
}

/** Opens one local source reference, runs `fn` on it and releases it (inspect, digest). */
export async function withLocalSource<T>(input: string, fn: (src: OpenedImage & { reference: string }) => Promise<T>): Promise<T> {
  const t = new Transports(() => {
    throw new RegctlError('INTERNAL', 'withLocalSource is for local references');
  });
  try {
    return await fn(await t.source(input));
  } finally {
    await t.close();
  }
}

/** Tags of a local reference (`list oci:<dir>`): index.json ref names, or docker RepoTags. */
export async function localTags(input: string): Promise<string[]> {
  const t = new Transports(() => {
    throw new RegctlError('INTERNAL', 'localTags is for local references');
  });
  try {
    return await t.tags(input);
  } finally {
    await t.close();
  }
}
