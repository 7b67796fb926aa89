import { RegctlError } from '../errors.js';
import { verifyContent } from '../ref/digest.js';
import { isImage, isIndex, type Descriptor, type Manifest, type Platform } from '../registry/manifest.js';
import type { Registry } from '../registry/registry.js';
import { readBytes } from '../transport/read-body.js';
import { manifestReference, type ImageReference } from '../ref/reference.js';
import { RegistryRepository } from '../transports/registry.js';
import type { ImageRepository } from '../transports/types.js';
import { resolveManifestIn } from './resolve.js';

/** Image configs beyond this are refused; real ones are a few KiB. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** What `inspect` reports about a manifest. */
export interface ImageSummary {
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  /** For an index: its images. */
  manifests?: Array<{ digest: string; mediaType: string; size: number; platform?: Platform; artifactType?: string }>;
  /** For an image: its config and layers. */
  config?: Descriptor;
  layers?: Descriptor[];
  platform?: Platform;
  created?: string;
  totalLayerSize?: number;
  annotations?: Record<string, string>;
}

/** Reads an image's config blob: exact bytes, verified against its digest. */
export async function fetchConfig(registry: Registry, repo: string, manifest: Manifest): Promise<Buffer> {
  return fetchConfigFrom(new RegistryRepository(registry, repo), manifest);
}

/** {@link fetchConfig} for an image anywhere: a registry, an OCI layout or an archive. */
export async function fetchConfigFrom(repo: ImageRepository, manifest: Manifest): Promise<Buffer> {
  if (!isImage(manifest)) throw new RegctlError('USAGE', `${manifest.digest} is an index; pick an image with --platform`);
  const desc = manifest.parsed.config;
  const reader = await repo.getBlob(desc.digest);
  const bytes = await readBytes(reader.stream, MAX_CONFIG_BYTES, `config ${desc.digest}`);
  verifyContent(bytes, desc.digest, `config ${desc.digest}`);
  return bytes;
}

/** Summarises the manifest a reference names (the platform's image with `platform`). */
export async function inspectImage(registry: Registry, ref: ImageReference, platform?: Platform): Promise<{ manifest: Manifest; summary: ImageSummary }> {
  const label = `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}`;
  return inspectImageIn(new RegistryRepository(registry, ref.repository), manifestReference(ref), label, platform);
}

/** {@link inspectImage} for an image anywhere; `label` is the `reference` the summary shows. */
export async function inspectImageIn(repo: ImageRepository, reference: string, label: string, platform?: Platform): Promise<{ manifest: Manifest; summary: ImageSummary }> {
  const manifest = await resolveManifestIn(repo, reference, platform);
  const base = {
    reference: label,
    digest: manifest.digest,
    mediaType: manifest.mediaType,
    size: manifest.bytes.length,
    ...(manifest.parsed.annotations && { annotations: manifest.parsed.annotations }),
  };
  if (isIndex(manifest)) {
    const manifests = manifest.parsed.manifests.map((d) => ({
      digest: d.digest, mediaType: d.mediaType, size: d.size,
      ...(d.platform && { platform: d.platform }), ...(d.artifactType && { artifactType: d.artifactType }),
    }));
    return { manifest, summary: { ...base, manifests } };
  }
  if (!isImage(manifest)) return { manifest, summary: base };
  const { config, layers } = manifest.parsed;
  const summary: ImageSummary = { ...base, config, layers, totalLayerSize: layers.reduce((n, l) => n + l.size, 0) };
  if (/image\.config|container\.image/.test(config.mediaType)) {
    const cfg = JSON.parse((await fetchConfigFrom(repo, manifest)).toString('utf8')) as Record<string, unknown>;
    if (typeof cfg.os === 'string' && typeof cfg.architecture === 'string') {
      summary.platform = { os: cfg.os, architecture: cfg.architecture, ...(typeof cfg.variant === 'string' && { variant: cfg.variant }) };
    }
    if (typeof cfg.created === 'string') summary.created = cfg.created;
  }
  return { manifest, summary };
}
