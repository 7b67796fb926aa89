/** Credentials as docker and podman store them: config files and credential helpers. */
export type { Credential, CredentialProvider } from './types.js';
export { DOCKER_HUB_CONFIG_KEY, DOCKER_HUB_HOST, configKeyFor, hostFromConfigKey, keyMatchesHost } from './host-key.js';
export { dockerConfigPath, readDockerConfig, updateDockerConfig } from './docker-config.js';
export type { DockerAuthEntry, DockerConfig } from './docker-config.js';
export {
  TOKEN_USERNAME,
  helperErase,
  helperGet,
  helperKeysFor,
  helperList,
  helperLookup,
  helperProgram,
  helperStore,
} from './helper.js';
export type { HelperCredential, HelperOptions } from './helper.js';
export { DockerConfigCredentials, fromHelperCredential, podmanAuthPath } from './docker-provider.js';
export type { DockerConfigCredentialsOptions } from './docker-provider.js';
export { StaticCredentials } from './static.js';
export { eraseCredential, saveCredential } from './store.js';
export type { SaveableCredential, StoreOptions } from './store.js';
export { withFileLock } from './file-lock.js';
export type { FileLockOptions } from './file-lock.js';
export { writeFileAtomic } from './atomic-write.js';
