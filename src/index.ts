/**
 * regctl as a library. Everything here is stable API; the command line (src/cli) is built on
 * exactly these exports and nothing else.
 */
export { RegistryClient, type ClientOptions, type RegistryOptions } from './client.js';
export {
  loadConfig, loadSettings, validateConfig, Settings, readCertsDir,
  type ConfigFile, type HostConfig, type HostSettings, type LoadConfigOptions, type RegctlConfig, type TlsMode,
} from './config/index.js';
export { parseNoProxy, bypassesProxy, type NoProxyRule } from './transport/no-proxy.js';
export { proxyFromEnv, type ProxySettings } from './transport/proxy.js';
export { Registry } from './registry/registry.js';
export * from './errors.js';
export type { Logger } from './log.js';
export * from './ref/index.js';
export { MediaType, MANIFEST_ACCEPT } from './registry/media-types.js';
export type { Descriptor, ImageManifest, IndexManifest, Manifest, Platform } from './registry/manifest.js';
export { parseManifest } from './registry/manifest.js';
export { copyImage, copyImageToAll, type CopyOptions, type CopyOutcome, type CopyResult, type CopyTarget } from './copy/copy.js';
export { TransferLimits, DEFAULT_BLOB_CONCURRENCY, type TransferLimitOptions } from './copy/limits.js';
export type { CopyPlan, PlannedBlob } from './copy/plan.js';
export type { CopyStats } from './copy/run.js';
export type { CopyEvent, CopyListener } from './copy/events.js';
export { parsePlatform, formatPlatform, platformMatches } from './copy/platform.js';
export { RegistryRepository } from './transports/registry.js';
export type { ImageRepository } from './transports/types.js';
export { OciLayoutRepository } from './transports/oci-layout.js';
export { OciArchiveRepository } from './transports/oci-archive.js';
export { DockerArchive, DockerArchiveRepository } from './transports/docker-archive.js';
export {
  Transports, checkDestinationsFit, isLocalReference, localTags, parseTransportReference, withLocalSource,
  type OpenedImage, type RegistryOpener, type TransportName, type TransportReference,
} from './transports/open.js';
export {
  CredentialChain,
  DockerConfigCredentials,
  EnvCredentials,
  PodmanCredentials,
  defaultCredentialChain,
  envVarFor,
  eraseCredential,
  eraseLogin,
  saveCredential,
} from './credentials/index.js';
export type { ChainExplanation, DefaultChainOptions, SaveOptions } from './credentials/index.js';
export { StaticCredentials } from './credentials/static.js';
export type { Credential, CredentialProvider } from './credentials/types.js';
export { fetchConfigFrom, inspectImage, inspectImageIn, type ImageSummary } from './ops/inspect.js';
export { resolveDigest, resolveDigestIn, resolveManifest, resolveManifestIn } from './ops/resolve.js';
export { tagImage } from './ops/tag.js';
export { untag, type UntagMethod } from './ops/delete.js';
export { listRepositories, parseListTarget, type ListTarget } from './ops/list.js';
export { ProviderCredentials, type ProviderCredentialsOptions } from './providers/credentials.js';
export { providerFor } from './providers/index.js';
export type { Provider, RateLimit } from './providers/types.js';
export { parseConnectTo, type ConnectToRule } from './transport/connect-to.js';
export { login, logout, showCredential, type CredentialReport, type LoginOptions, type LoginResult } from './ops/login.js';
export * from './sync/index.js';
