/** Credentials as docker and podman store them: config files, credential helpers, the OS keychain, env. */
export type { Credential, CredentialProvider } from './types.js';
export { DOCKER_HUB_CONFIG_KEY, DOCKER_HUB_HOST, configKeyFor, hostFromConfigKey, keyMatchesHost } from './host-key.js';
export { dockerConfigPath, readDockerConfig, updateDockerConfig } from './docker-config.js';
export type { DockerAuthEntry, DockerConfig } from './docker-config.js';
export {
  TOKEN_USERNAME,
  helperDescription,
  helperErase,
  helperGet,
  helperKeysFor,
  helperList,
  helperLookup,
  helperProgram,
  helperStore,
} from './helper.js';
export type { HelperCredential, HelperOptions } from './helper.js';
export { DockerConfigCredentials, fromHelperCredential } from './docker-provider.js';
export type { DockerConfigCredentialsOptions } from './docker-provider.js';
export { PodmanCredentials, podmanAuthPath } from './podman.js';
export type { PodmanCredentialsOptions } from './podman.js';
export { ENV_PREFIX, EnvCredentials, envVarFor, parseUserPassword } from './env.js';
export { CredentialChain, defaultCredentialChain } from './chain.js';
export type { ChainExplanation, ChainLink, DefaultChainOptions } from './chain.js';
export { StaticCredentials } from './static.js';
export { eraseCredential, eraseLogin, saveCredential } from './store.js';
export type { SaveOptions, SaveableCredential, StoreOptions } from './store.js';
export { KEYCHAIN_HELPER, keychainProtocol } from './keychain-helper.js';
export { KEYCHAIN_SERVICE } from './keychain.js';
export { withFileLock } from './file-lock.js';
export type { FileLockOptions } from './file-lock.js';
export { writeFileAtomic } from './atomic-write.js';
