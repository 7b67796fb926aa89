// The three synthetic images, built once per bench run and pushed to the source registry.
import { describeLayer, layerChunks } from './layer.mjs';
import { pushBlob, pushManifest, sha256 } from './push.mjs';

const MiB = 1 << 20;
const KiB = 1 << 10;
export const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};
/** Accept header that lets a HEAD see either kind of root. */
export const ACCEPT = `${MT.index}, ${MT.manifest}`;

/**
 * Layer payload sizes per platform, full size and `--quick`. Platforms never share layers,
 * as real multi-arch images (built per architecture) do not.
 */
const SPECS = {
  index: {
    title: 'two-platform index, 400 MiB',
    platforms: ['amd64', 'arm64'],
    full: [96, 64, 24, 12, 4].map((m) => m * MiB),
    quick: [2400, 1600, 600, 300, 100].map((k) => k * KiB),
  },
  small: {
    title: '40 layers of 200 KiB',
    platforms: ['amd64'],
    full: Array(40).fill(200 * KiB),
    quick: Array(40).fill(200 * KiB),
  },
  big: {
    title: '1 GiB single layer',
    platforms: ['amd64'],
    full: [1024 * MiB],
    quick: [32 * MiB],
  },
};

/** Runs `fn` over `items` with at most `n` at once. */
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** Builds one platform image: layers, config, manifest; returns the manifest descriptor. */
async function pushPlatform(base, repo, name, arch, sizes) {
  const layers = await pool(sizes, 3, async (size, i) => {
    const seed = `${name}/${arch}/${i}`;
    const desc = describeLayer(seed, size);
    await pushBlob(base, repo, desc, layerChunks(seed, size));
    return desc;
  });
  const config = Buffer.from(JSON.stringify({
    architecture: arch, os: 'linux', config: {},
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  }));
  const configDesc = { mediaType: MT.config, digest: sha256(config), size: config.length };
  await pushBlob(base, repo, configDesc, [config]);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MT.manifest, config: configDesc,
    layers: layers.map((l) => ({ mediaType: MT.layer, digest: l.digest, size: l.size })),
  }));
  const digest = sha256(manifest);
  await pushManifest(base, repo, digest, manifest, MT.manifest);
  const blobBytes = configDesc.size + layers.reduce((a, l) => a + l.size, 0);
  return { desc: { mediaType: MT.manifest, digest, size: manifest.length, platform: { os: 'linux', architecture: arch } }, manifest, blobBytes, blobs: layers.length + 1 };
}

/**
 * Generates image `name` (index | small | big) and pushes it to `base` as `bench/<name>:v1`.
 * @returns {Promise<{name: string, title: string, repo: string, tag: string, digest: string, bytes: number, blobs: number}>}
 */
export async function pushImage(base, name, quick) {
  const spec = SPECS[name];
  const repo = `bench/${name}`;
  const tag = 'v1';
  const children = [];
  for (const arch of spec.platforms) children.push(await pushPlatform(base, repo, name, arch, quick ? spec.quick : spec.full));
  let digest = children[0].desc.digest;
  if (spec.platforms.length > 1) {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.index, manifests: children.map((c) => c.desc) }));
    digest = sha256(index);
    await pushManifest(base, repo, tag, index, MT.index);
  } else {
    await pushManifest(base, repo, tag, children[0].manifest, MT.manifest);
  }
  return {
    name, title: spec.title, repo, tag, digest,
    bytes: children.reduce((a, c) => a + c.blobBytes, 0),
    blobs: children.reduce((a, c) => a + c.blobs, 0),
  };
}
