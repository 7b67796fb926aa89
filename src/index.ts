/**
 * regctl as a library. Everything here is stable API; the command line (src/cli) is built on
 * exactly these exports and nothing else.
 */
export { RegistryClient, type ClientOptions } from './client.js';
export { Registry } from './registry/registry.js';
export * from './errors.js';
export type { Logger } from './log.js';
export * from './ref/index.js';
export { MediaType, MANIFEST_ACCEPT } from './registry/media-types.js';
export type { Descriptor, ImageManifest, IndexManifest, Manifest, Platform } from './registry/manifest.js';
export { parseManifest } from './registry/manifest.js';
export { copyImage, type CopyOptions, type CopyResult, type CopyTarget } from './copy/copy.js';
export type { CopyEvent, CopyListener } from './copy/events.js';
export { parsePlatform, formatPlatform, platformMatches } from './copy/platform.js';
export { RegistryRepository } from './transports/registry.js';
export type { ImageRepository } from './transports/types.js';
export { DockerConfigCredentials, saveCredential, eraseCredential } from './credentials/index.js';
export { StaticCredentials } from './credentials/static.js';
export type { Credential, CredentialProvider } from './credentials/types.js';
export { inspectImage, type ImageSummary } from './ops/inspect.js';
export { resolveDigest, resolveManifest } from './ops/resolve.js';
export { tagImage } from './ops/tag.js';
export { untag } from './ops/delete.js';
export { login } from './ops/login.js';
