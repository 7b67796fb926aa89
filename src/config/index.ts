import { loadConfig, type LoadConfigOptions } from './load.js';
import { Settings } from './settings.js';

export { loadConfig, userConfigDir, PROJECT_FILES, USER_FILES, type LoadConfigOptions } from './load.js';
export { Settings, type GlobalSettings, type HostSettings, type Sourced, type TlsMaterial } from './settings.js';
export { validateConfig } from './validate.js';
export { readCertsDir, certsDRoot, DOCKER_CERTS_D, type CertsDir } from './certs-d.js';
export { ConfiguredHelperCredentials } from './credentials.js';
export type { ConfigFile, ConfigScope, HostConfig, RegctlConfig, TimeoutConfig, TlsMode } from './types.js';

/**
 * Loads regctl's config files (src/config/load.ts) into {@link Settings} for a
 * {@link RegistryClient}: `new RegistryClient({ settings: await loadSettings() })`.
 */
export async function loadSettings(opts: LoadConfigOptions = {}): Promise<Settings> {
  return new Settings(await loadConfig(opts), opts.env ?? process.env);
}
