/**
 * Fixture builders that push OCI images and indexes to a registry with plain undici, without
 * regctl, so tests can seed registries in every auth mode.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';
import { readPem } from './certs.js';
import { seededBytes, sha256Digest, tarOneFile } from './fixture-bytes.js';
import type { RunningRegistry } from './registry.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

type Headers = Record<string, string>;

/** Where to push: base URL, optional auth headers (fetched per request) and CA (PEM or path). */
export interface PushTarget {
  url: string;
  headers?: Headers | (() => Headers | Promise<Headers>);
  ca?: string;
}

/** An OCI platform. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Shape of the generated image. */
export interface ImageOptions {
  /** Number of layers; default 1. */
  layers?: number;
  /** Uncompressed payload bytes per layer; default 1024. */
  layerSize?: number;
  platform?: Platform;
  /** Same seed, same options: same digests. Default: random (unique images). */
  seed?: string;
  /**
   * One seed per layer, overriding `layers` and the layer seeds derived from `seed`: layers
   * with the same seed and size are byte-identical, so images can share them (a base layer).
   */
  layerSeeds?: string[];
}

/** A content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** An image built in memory: its manifest and every blob. */
export interface BuiltImage {
  digest: string;
  size: number;
  mediaType: string;
  manifest: Buffer;
  platform: Platform;
  config: Descriptor;
  layers: Descriptor[];
  /** Blob bytes by digest (config and layers). */
  blobs: Map<string, Buffer>;
}

/** An index pushed under a tag, with its children. */
export interface PushedIndex {
  digest: string;
  size: number;
  mediaType: string;
  manifest: Buffer;
  children: BuiltImage[];
}

/** Builds an OCI image (gzip tar layers, config with matching diff_ids) without pushing. */
export function buildImage(opts: ImageOptions = {}): BuiltImage {
  const seed = opts.seed ?? randomUUID();
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const blobs = new Map<string, Buffer>();
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  const layerSeeds = opts.layerSeeds ?? Array.from({ length: opts.layers ?? 1 }, (_, i) => `${seed}/layer/${i}`);
  for (let i = 0; i < layerSeeds.length; i++) {
    const tar = tarOneFile(`layer-${i}.bin`, seededBytes(layerSeeds[i]!, opts.layerSize ?? 1024));
    const gz = gzipSync(tar);
    diffIds.push(sha256Digest(tar));
    const digest = sha256Digest(gz);
    blobs.set(digest, gz);
    layers.push({ mediaType: OCI_LAYER_GZIP, digest, size: gz.length });
  }
  const configBytes = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      ...platform,
      config: { Labels: { 'org.regctl.test.seed': seed } },
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
  const config = { mediaType: OCI_CONFIG, digest: sha256Digest(configBytes), size: configBytes.length };
  blobs.set(config.digest, configBytes);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }));
  return { digest: sha256Digest(manifest), size: manifest.length, mediaType: OCI_MANIFEST, manifest, platform, config, layers, blobs };
}

/** Builds and pushes an image (blobs monolithically, then the manifest under `tag`). */
export async function pushImage(target: PushTarget, repo: string, tag: string, opts: ImageOptions = {}): Promise<BuiltImage> {
  const client = await Client.open(target);
  try {
    const image = buildImage(opts);
    await client.pushImage(repo, image, tag);
    return image;
  } finally {
    await client.close();
  }
}

/** Pushes one image per platform by digest, then an OCI index of them under `tag`. */
export async function pushIndex(
  target: PushTarget,
  repo: string,
  tag: string,
  platforms: Platform[],
  opts: Omit<ImageOptions, 'platform'> & { annotations?: Record<string, string> } = {},
): Promise<PushedIndex> {
  if (platforms.length === 0) throw new Error('pushIndex needs at least one platform');
  const seed = opts.seed ?? randomUUID();
  const client = await Client.open(target);
  try {
    const children = platforms.map((platform) =>
      buildImage({ ...opts, platform, seed: `${seed}/${platform.os}/${platform.architecture}/${platform.variant ?? ''}` }),
    );
    for (const child of children) await client.pushImage(repo, child, child.digest);
    const index = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.size, platform: c.platform })),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    };
    const manifest = Buffer.from(JSON.stringify(index));
    const digest = sha256Digest(manifest);
    await client.putManifest(repo, tag, manifest, OCI_INDEX, digest);
    return { digest, size: manifest.length, mediaType: OCI_INDEX, manifest, children };
  } finally {
    await client.close();
  }
}

/** Headers that authorise push and pull on `repo`: Basic, a minted Bearer, or none. */
export async function authHeadersFor(reg: RunningRegistry, repo: string): Promise<Headers> {
  const [user, pass] = Object.entries(reg.users)[0] ?? [];
  if (reg.mode === 'basic') {
    if (user === undefined) throw new Error('basic registry has no users');
    return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
  }
  if (reg.mode === 'token') {
    return { authorization: `Bearer ${reg.tokenServer!.mint([`repository:${repo}:pull,push,delete`], user)}` };
  }
  return {};
}

/** A {@link PushTarget} for a harness registry, authorised for `repo`. */
export function targetFor(reg: RunningRegistry, repo: string): PushTarget {
  return { url: reg.url, headers: () => authHeadersFor(reg, repo), ...(reg.caFile ? { ca: reg.caFile } : {}) };
}

/** A thin undici wrapper: base URL, per-request auth headers, optional private CA. */
class Client {
  private constructor(
    private readonly target: PushTarget,
    private readonly dispatcher: Dispatcher | undefined,
  ) {}

  static async open(target: PushTarget): Promise<Client> {
    const ca = target.ca ? await readPem(target.ca) : undefined;
    return new Client(target, ca ? new Agent({ connect: { ca } }) : undefined);
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  async pushImage(repo: string, image: BuiltImage, reference: string): Promise<void> {
    for (const [digest, data] of image.blobs) await this.pushBlob(repo, digest, data);
    await this.putManifest(repo, reference, image.manifest, image.mediaType, image.digest);
  }

  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string, digest: string): Promise<void> {
    const res = await this.send('PUT', `/v2/${repo}/manifests/${reference}`, { 'content-type': mediaType }, bytes);
    await expectStatus(res, 201, `PUT manifest ${repo}:${reference}`);
    const echoed = res.headers['docker-content-digest'];
    if (echoed !== undefined && echoed !== digest) throw new Error(`registry stored ${echoed}, pushed ${digest}`);
  }

  private async pushBlob(repo: string, digest: string, data: Buffer): Promise<void> {
    const head = await this.send('HEAD', `/v2/${repo}/blobs/${digest}`);
    await head.body.dump();
    if (head.statusCode === 200) return;
    const post = await this.send('POST', `/v2/${repo}/blobs/uploads/`);
    await expectStatus(post, 202, `POST upload ${repo}`);
    const location = post.headers.location;
    if (typeof location !== 'string') throw new Error('upload response has no Location');
    // The Location may be relative and may carry query parameters that must be kept.
    const url = new URL(location, this.target.url);
    url.searchParams.set('digest', digest);
    const put = await this.send('PUT', url.toString(), { 'content-type': 'application/octet-stream' }, data);
    await expectStatus(put, 201, `PUT blob ${digest}`);
  }

  private async send(method: Dispatcher.HttpMethod, pathOrUrl: string, extra: Headers = {}, body?: Buffer) {
    const h = this.target.headers;
    const auth = typeof h === 'function' ? await h() : (h ?? {});
    return request(new URL(pathOrUrl, this.target.url), {
      method,
      headers: { ...auth, ...extra },
      ...(body ? { body } : {}),
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
    });
  }
}

async function expectStatus(res: Dispatcher.ResponseData, status: number, what: string): Promise<void> {
  if (res.statusCode === status) return void (await res.body.dump());
  const text = (await res.body.text()).slice(0, 500);
  throw new Error(`${what}: expected ${status}, got ${res.statusCode}: ${text}`);
}
