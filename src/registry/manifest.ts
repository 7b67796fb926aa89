import { RegctlError } from '../errors.js';
import { isDigest } from '../ref/digest.js';
import { MediaType, isImageManifestType, isIndexType, isKnownManifestType } from './media-types.js';

/** Manifests larger than this are refused, as containerd does: nothing legitimate comes close. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Deeper JSON than this is refused before parsing, so a nesting bomb cannot exhaust the stack. */
const MAX_JSON_DEPTH = 64;

/** A platform as found in an image index. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
}

/** An image index or Docker manifest list. */
export interface IndexManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** A single-image manifest (OCI or Docker schema 2), also used for artifacts. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** A manifest as fetched: the exact bytes, which are never re-serialised, and what they say. */
export interface Manifest {
  mediaType: string;
  digest: string;
  bytes: Buffer;
  parsed: IndexManifest | ImageManifest;
}

/** True when the parsed manifest is an index. */
export function isIndex(m: Manifest): m is Manifest & { parsed: IndexManifest } {
  return isIndexType(m.mediaType);
}

/** True when the parsed manifest is a single image (or artifact) manifest. */
export function isImage(m: Manifest): m is Manifest & { parsed: ImageManifest } {
  return 'config' in m.parsed;
}

function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function checkDescriptor(d: unknown, where: string): Descriptor {
  const desc = d as Partial<Descriptor> | null;
  if (
    !desc || typeof desc !== 'object' || typeof desc.mediaType !== 'string' || typeof desc.digest !== 'string' ||
    !isDigest(desc.digest) || typeof desc.size !== 'number' || !Number.isSafeInteger(desc.size) || desc.size < 0
  ) {
    throw new RegctlError('INVALID_INPUT', `invalid manifest: ${where} is not a valid descriptor`);
  }
  return desc as Descriptor;
}

/**
 * Parses and validates manifest bytes. `contentType` is the registry's `Content-Type`; the
 * manifest's own `mediaType` field wins when present because some registries answer with a
 * generic type. Throws INVALID_INPUT for anything malformed and UNSUPPORTED for schema 1.
 */
export function parseManifest(bytes: Buffer, contentType?: string): { mediaType: string; parsed: IndexManifest | ImageManifest } {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new RegctlError('TOO_LARGE', `manifest of ${bytes.length} bytes exceeds the ${MAX_MANIFEST_BYTES}-byte limit`);
  }
  const text = bytes.toString('utf8');
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new RegctlError('INVALID_INPUT', `invalid manifest: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new RegctlError('INVALID_INPUT', `invalid manifest: not JSON (${(e as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new RegctlError('INVALID_INPUT', 'invalid manifest: not a JSON object');
  const ct = contentType?.split(';')[0]?.trim();
  let mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (!mediaType && isKnownManifestType(ct)) mediaType = ct;
  if (!mediaType) mediaType = Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
  if (doc.schemaVersion === 1 || mediaType === MediaType.DockerSchema1 || mediaType === MediaType.DockerSchema1Signed) {
    throw new RegctlError('UNSUPPORTED', 'Docker schema 1 manifests are not supported; the image must be rebuilt or converted');
  }
  if (doc.schemaVersion !== 2) throw new RegctlError('INVALID_INPUT', 'invalid manifest: schemaVersion must be 2');
  if (isIndexType(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw new RegctlError('INVALID_INPUT', 'invalid index: "manifests" must be an array');
    doc.manifests.forEach((d, i) => checkDescriptor(d, `manifests[${i}]`));
  } else if (isImageManifestType(mediaType) || doc.config !== undefined) {
    checkDescriptor(doc.config, 'config');
    if (!Array.isArray(doc.layers)) throw new RegctlError('INVALID_INPUT', 'invalid manifest: "layers" must be an array');
    doc.layers.forEach((d, i) => checkDescriptor(d, `layers[${i}]`));
  } else {
    throw new RegctlError('UNSUPPORTED', `unsupported manifest media type ${JSON.stringify(mediaType)}`);
  }
  if (doc.subject !== undefined) checkDescriptor(doc.subject, 'subject');
  return { mediaType, parsed: doc as unknown as IndexManifest | ImageManifest };
}

/** Every descriptor a manifest references: children of an index, or config then layers. */
export function referencedDescriptors(parsed: IndexManifest | ImageManifest): Descriptor[] {
  return 'manifests' in parsed ? parsed.manifests : [parsed.config, ...parsed.layers];
}
