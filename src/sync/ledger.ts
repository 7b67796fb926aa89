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

/** A blob some image is bringing to a registry, or has brought there. */
export interface BlobClaim {
  owner: ImageTicket;
  /** The repository of that registry it goes to. */
  repo: string;
  /** The owner's {@link ImageTicket.rank} for the digest. */
  rank: number;
  /** Resolves true once the blob is in `repo`, false when the owner gave up on it. */
  done: Promise<boolean>;
}

interface Entry extends BlobClaim {
  resolve(present: boolean): void;
}

/**
 * Which blobs the images of one sync run are bringing to each destination registry, so a layer
 * shared by many images is transferred to a registry once and mounted into every other
 * repository there (one POST). An image asks before it checks a blob: nobody has it -> it
 * claims it; another image claimed it -> it waits for that one and mounts from its repository.
 *
 * Waiting cannot deadlock: an image only waits for a claim whose owner asked about that digest
 * before it did (ranks on one clock), so the waits of one digest form no cycle, and waiting
 * happens outside every request slot (ImageRepository.awaitSharedBlob is called before the
 * HEAD), so a waiting image holds nothing the owner needs.
 */
export class BlobLedger {
  private clock = 0;
  private readonly claims = new Map<Registry, Map<string, Entry>>();
  private readonly mountless = new Set<Registry>();

  /** The next tick of the clock ranks are taken from. */
  tick(): number {
    return ++this.clock;
  }

  /** The claim on `digest` in `registry`, if any. */
  find(registry: Registry, digest: string): BlobClaim | undefined {
    return this.claims.get(registry)?.get(digest);
  }

  /** Records that `owner` is bringing `digest` to `repo`; settle it with {@link settle}. */
  claim(registry: Registry, digest: string, repo: string, owner: ImageTicket): BlobClaim {
    let perRegistry = this.claims.get(registry);
    if (!perRegistry) this.claims.set(registry, (perRegistry = new Map()));
    let resolve!: (present: boolean) => void;
    const done = new Promise<boolean>((r) => (resolve = r));
    const entry: Entry = { owner, repo, rank: owner.rank(digest), done, resolve };
    perRegistry.set(digest, entry);
    return entry;
  }

  /** Ends a claim: the blob is in its repository now, or (false) it is not and others may claim it. */
  settle(registry: Registry, digest: string, claim: BlobClaim, present: boolean): void {
    const perRegistry = this.claims.get(registry);
    if (!present && perRegistry?.get(digest) === claim) perRegistry.delete(digest);
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
}
