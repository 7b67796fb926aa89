import { RegistryClient, type ClientOptions } from '../client.js';
import { StaticCredentials } from '../credentials/static.js';
import { saveCredential } from '../credentials/store.js';

/** A login to verify and save. */
export interface LoginInput {
  host: string;
  username: string;
  password: string;
}

/**
 * Verifies credentials against the registry (its `/v2/` with the auth it asks for, which for a
 * token service means fetching a token with them), and only then saves them where docker would.
 * Returns where they were saved.
 */
export async function login(input: LoginInput, opts: Omit<ClientOptions, 'credentials'> & { configPath?: string } = {}): Promise<{ where: string }> {
  const { configPath, ...clientOpts } = opts;
  const client = new RegistryClient({
    ...clientOpts,
    credentials: new StaticCredentials({ [input.host]: { username: input.username, password: input.password, source: 'login' } }),
  });
  try {
    await client.registry(input.host).checkAuth();
  } finally {
    await client.close();
  }
  return saveCredential(input.host, { username: input.username, password: input.password }, configPath ? { configPath } : {});
}
