import type { Readable } from 'node:stream';
import type { TransferLimits } from '../copy/limits.js';
import type { Manifest } from '../registry/manifest.js';
import type { Registry } from '../registry/registry.js';
import { RegistryRepository } from '../transports/registry.js';
import type { BlobSource, ImageRepository } from '../transports/types.js';
import type { PullBudget } from './budget.js';
import type { BlobClaim, BlobLedger, ImageTicket } from './ledger.js';

/** A sync source: every manifest GET (a pull, on Docker Hub) asks the budget first. */
export class SyncSource extends RegistryRepository {
  constructor(registry: Registry, repo: string, private readonly budget: PullBudget) {
    super(registry, repo);
  }

  override async getManifest(reference: string): Promise<Manifest> {
    const answered = await this.budget.take(this.registry, () => this.headManifest(reference));
    try {
      return await super.getManifest(reference);
    } finally {
      answered();
    }
  }
}

/** What the destinations of one image share with the whole run. */
export interface DestinationContext {
  ledger: BlobLedger;
  ticket: ImageTicket;
  /** The run's limits: a mount from another repository takes a request slot like any other. */
  limits: TransferLimits;
}

/**
 * A sync destination: before checking a blob it asks the run's {@link BlobLedger} whether another
 * image is bringing the same blob to this registry, waits for that and mounts it from there, so
 * each blob crosses the network to a registry once per run. What this image brings itself is
 * recorded for the others as it lands (found by HEAD, mounted, or uploaded).
 */
export class SyncDestination extends RegistryRepository {
  /** Blobs mounted from another repository of the run instead of being sent. */
  ledgerMounts = 0;
  private readonly pending = new Map<string, BlobClaim>();

  constructor(registry: Registry, repo: string, private readonly ctx: DestinationContext) {
    super(registry, repo, { destination: true });
  }

  async awaitSharedBlob(digest: string): Promise<boolean> {
    const { ledger, ticket } = this.ctx;
    const rank = ticket.rank(digest);
    // A claim ranked after ours may not be waited for (see BlobLedger): we go on as if alone.
    const waitable = (c: BlobClaim) => c.owner !== ticket && c.rank < rank;
    for (;;) {
      const here = ledger.link(this.registry, digest, this.repo);
      if (here) {
        if (!waitable(here)) return false;
        if (await here.done) return true;
        continue; // its owner gave up: look again
      }
      const from = ledger.uploader(this.registry, digest);
      if (!from) {
        this.pending.set(digest, ledger.open(this.registry, digest, this.repo, ticket, true));
        return false;
      }
      // Without mounts, another repository's copy is of no use here.
      if (!waitable(from) || !ledger.mounts(this.registry)) return false;
      if (!(await from.done) || ledger.link(this.registry, digest, this.repo)) continue;
      const mine = ledger.open(this.registry, digest, this.repo, ticket, false);
      const mounted = await this.mountFrom(from.repo, digest);
      ledger.settle(this.registry, digest, mine, mounted);
      if (mounted) {
        this.ledgerMounts++;
        return true;
      }
      ledger.noMounts(this.registry);
      return false;
    }
  }

  override async hasBlob(digest: string): Promise<boolean> {
    const has = await this.settling(digest, () => super.hasBlob(digest));
    if (has) this.settle(digest, true);
    return has;
  }

  override async mountBlob(digest: string, from: ImageRepository): Promise<boolean> {
    const mounted = await this.settling(digest, () => super.mountBlob(digest, from));
    if (mounted) this.settle(digest, true);
    return mounted;
  }

  override async writeBlob(desc: { digest: string; size: number }, source: BlobSource, onResume?: (offset: number) => void): Promise<void> {
    await this.settling(desc.digest, () => super.writeBlob(desc, source, onResume));
    this.settle(desc.digest, true);
  }

  override async putBlob(desc: { digest: string; size: number }, open: () => Readable, replayable: boolean): Promise<void> {
    await this.settling(desc.digest, () => super.putBlob(desc, open, replayable));
    this.settle(desc.digest, true);
  }

  /** Gives up every claim still open (the image is over): others may claim those blobs. */
  release(): void {
    for (const digest of [...this.pending.keys()]) this.settle(digest, false);
  }

  private async settling<T>(digest: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.settle(digest, false);
      throw e;
    }
  }

  private settle(digest: string, present: boolean): void {
    const claim = this.pending.get(digest);
    if (!claim) return;
    this.pending.delete(digest);
    this.ctx.ledger.settle(this.registry, digest, claim, present);
  }

  /** A failed mount is no failure of the image: it checks and uploads the blob itself instead. */
  private async mountFrom(fromRepo: string, digest: string): Promise<boolean> {
    try {
      await this.registry.connection.ensureRepository(this.repo);
      return await this.ctx.limits.small(this.host)(() => this.registry.mountBlob(this.repo, digest, fromRepo));
    } catch {
      return false;
    }
  }
}
