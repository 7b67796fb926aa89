// The repository set of the sync cases: 50 repositories of 4 tags each under `syncsrc/`, pushed
// to the source registry once per bench run. Images share small layers the way a fleet of
// images built FROM one base does: two base layers in every image, one layer shared by the
// tags of a repository, one layer of its own, and its own config.
import { describeLayer, layerChunks } from './layer.mjs';
import { MT, pool } from './images.mjs';
import { pushBlob, pushManifest, sha256 } from './push.mjs';

const KiB = 1 << 10;
/** Payload sizes: the two base layers, the per-repository layer, the per-tag layer. */
const SIZES = { base: [512 * KiB, 128 * KiB], repo: 256 * KiB, tag: 64 * KiB };
export const SYNC_NAMESPACE = 'syncsrc';
export const SYNC_TAGS = ['1.0', '1.1', '1.2', '2.0'];

/**
 * Builds and pushes the set: `repos` repositories (50; 10 with `--quick`) of {@link SYNC_TAGS}.
 * @returns {Promise<{name: string, title: string, repos: string[], tags: string[], digests: Map<string, string>, bytes: number, blobs: number}>}
 *   `digests` maps `repo:tag` to the manifest digest; `bytes` and `blobs` count distinct blobs.
 */
export async function pushSyncSet(base, quick) {
  const count = quick ? 10 : 50;
  const repos = Array.from({ length: count }, (_, i) => `${SYNC_NAMESPACE}/repo-${String(i).padStart(2, '0')}`);
  const layer = (seed, payload) => ({ seed, payload, ...describeLayer(seed, payload) });
  const baseLayers = SIZES.base.map((size, i) => layer(`sync/base/${i}`, size));
  const distinct = new Map();
  const digests = new Map();
  await pool(repos, 4, async (repo) => {
    const repoLayer = layer(`sync/${repo}`, SIZES.repo);
    for (const tag of SYNC_TAGS) {
      const layers = [...baseLayers, repoLayer, layer(`sync/${repo}/${tag}`, SIZES.tag)];
      for (const l of layers) {
        await pushBlob(base, repo, l, layerChunks(l.seed, l.payload));
        distinct.set(l.digest, l.size);
      }
      const config = Buffer.from(JSON.stringify({
        architecture: 'amd64', os: 'linux', config: { Labels: { 'org.regctl.bench': `${repo}:${tag}` } },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      }));
      const configDesc = { mediaType: MT.config, digest: sha256(config), size: config.length };
      await pushBlob(base, repo, configDesc, [config]);
      distinct.set(configDesc.digest, configDesc.size);
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: MT.manifest, config: configDesc,
        layers: layers.map((l) => ({ mediaType: MT.layer, digest: l.digest, size: l.size })),
      }));
      await pushManifest(base, repo, tag, manifest, MT.manifest);
      digests.set(`${repo}:${tag}`, sha256(manifest));
    }
  });
  return {
    name: 'syncset', title: `${count} repositories x ${SYNC_TAGS.length} tags, shared layers`,
    repos, tags: SYNC_TAGS, digests,
    bytes: [...distinct.values()].reduce((a, n) => a + n, 0), blobs: distinct.size,
  };
}
