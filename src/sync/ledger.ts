import type { Registry } from '../registry/registry.js';

/** One image being synced: it owns the claims its destinations make. */
export class ImageTicket {
  private readonly ranks = new Map<string, number>();

  constructor(private readonly ledger: BlobLedger) {}

  /** When this image first asked about `digest`, on the ledger's clock; fixed from then on. */
  rank(digest: string): number {
    let r = this.ranks.get(digest);
    if (r === undefined) this.ranks.set(digest, (r = this.ledger.tick()));
    return r;
  }
}

/** An image bringing a blob into one repository of a registry (by upload or mount), or done with it. */
export interface BlobClaim {
  owner: ImageTicket;
  repo: string;
  /** The owner's {@link ImageTicket.rank} for the digest. */
  rank: number;
  /** Resolves true once the blob is in `repo`, false when the owner gave up on it. */
  done: Promise<boolean>;
}

interface Entry extends BlobClaim {
  resolve(present: boolean): void;
}

interface BlobState {
  /** The one image sending the blob to this registry (the others mount it from its repository). */
  uploader?: Entry;
  /** Per repository, the image linking the blob there. */
  links: Map<string, Entry>;
}

/**
 * Which blobs the images of one sync run are bringing to each destination registry, so a layer
 * shared by many images crosses the network to a registry once and is mounted (one POST) into
 * every other repository there, and is linked into each repository once: concurrent links of one
 * blob into one repository can make distribution (2.8, filesystem storage, which rewrites the
 * link file in place) fail a manifest PUT that reads it meanwhile with DIGEST_INVALID and
 * MANIFEST_BLOB_UNKNOWN, as this project's sync benchmark found.
 *
 * An image asks before it checks a blob: someone is linking it into the same repository -> it
 * waits for that; nobody sends it to the registry -> it becomes the uploader; someone does -> it
 * waits for that and mounts from there. Waiting cannot deadlock: an image only waits for a claim
 * whose owner asked about that digest before it did (ranks on one clock), so the waits of one
 * digest form no cycle, and waiting happens outside every request slot
 * (ImageRepository.awaitSharedBlob is called before the HEAD), so a waiting image holds nothing
 * the owner needs.
 */
export class BlobLedger {
  private clock = 0;
  private readonly blobs = new Map<Registry, Map<string, BlobState>>();
  private readonly mountless = new Set<Registry>();

  /** The next tick of the clock ranks are taken from. */
  tick(): number {
    return ++this.clock;
  }

  /** The claim linking `digest` into `repo`, if any. */
  link(registry: Registry, digest: string, repo: string): BlobClaim | undefined {
    return this.state(registry, digest).links.get(repo);
  }

  /** The image sending `digest` to `registry`, if any. */
  uploader(registry: Registry, digest: string): BlobClaim | undefined {
    return this.state(registry, digest).uploader;
  }

  /** Records that `owner` is bringing `digest` into `repo`; as the registry's uploader with `upload`. */
  open(registry: Registry, digest: string, repo: string, owner: ImageTicket, upload: boolean): BlobClaim {
    const s = this.state(registry, digest);
    let resolve!: (present: boolean) => void;
    const done = new Promise<boolean>((r) => (resolve = r));
    const entry: Entry = { owner, repo, rank: owner.rank(digest), done, resolve };
    s.links.set(repo, entry);
    if (upload) s.uploader = entry;
    return entry;
  }

  /** Ends a claim: the blob is in its repository now, or (false) it is not and others may claim it. */
  settle(registry: Registry, digest: string, claim: BlobClaim, present: boolean): void {
    const s = this.state(registry, digest);
    if (!present) {
      if (s.uploader === claim) delete s.uploader;
      if (s.links.get(claim.repo) === claim) s.links.delete(claim.repo);
    }
    (claim as Entry).resolve(present);
  }

  /** The registry refused a mount: waiting for another repository's copy gains nothing there. */
  noMounts(registry: Registry): void {
    this.mountless.add(registry);
  }

  /** False once the registry has refused a mount. */
  mounts(registry: Registry): boolean {
    return !this.mountless.has(registry);
  }

  private state(registry: Registry, digest: string): BlobState {
    let perRegistry = this.blobs.get(registry);
    if (!perRegistry) this.blobs.set(registry, (perRegistry = new Map()));
    let s = perRegistry.get(digest);
    if (!s) perRegistry.set(digest, (s = { links: new Map() }));
    return s;
  }
}
