import { RegctlError } from '../errors.js';
import { keychainErase, keychainGet, keychainList, keychainSet } from './keychain.js';

/**
 * The OS keychain spoken as a docker credential helper named `regctl`. A login regctl keeps in
 * the keychain is marked in config.json as `credHelpers[<host>] = "regctl"`: a key docker,
 * skopeo, podman, crane and oras all understand, and which survives docker rewriting the file.
 * Those tools then run `docker-credential-regctl` (bin/, this same code) to read it; regctl
 * itself answers in-process without spawning anything.
 */

/** The helper suffix that means "the OS keychain, through regctl". */
export const KEYCHAIN_HELPER = 'regctl';

/** One helper run's outcome, as a helper process would report it. */
export interface ProtocolResult {
  code: number;
  stdout: string;
  stderr: string;
}

// docker-credential-helpers credentials.ErrCredentialsNotFound: callers treat it as "none".
const NOT_FOUND = 'credentials not found in native keychain';

/**
 * Runs one verb of the docker-credential-helpers protocol (REGISTRIES.md, "Credential helper
 * protocol") against the keychain: `get` (stdin: server URL), `store` (stdin: JSON
 * `{ServerURL,Username,Secret}`), `erase` (stdin: server URL), `list`. Errors are text on
 * stdout with exit status 1, as the protocol wants; they never contain the secret.
 */
export async function keychainProtocol(verb: string, input: string): Promise<ProtocolResult> {
  try {
    switch (verb) {
      case 'get': {
        const item = await keychainGet(serverUrl(input));
        if (!item) return fail(NOT_FOUND);
        return ok(JSON.stringify({ ServerURL: input.trim(), Username: item.Username, Secret: item.Secret }));
      }
      case 'store': {
        const c = parseStore(input);
        await keychainSet(c.ServerURL, { Username: c.Username, Secret: c.Secret });
        return ok('');
      }
      case 'erase':
        return (await keychainErase(serverUrl(input))) ? ok('') : fail(NOT_FOUND);
      case 'list':
        return ok(JSON.stringify(await keychainList()));
      default:
        return fail(`unknown verb ${JSON.stringify(verb)}: use get, store, erase or list`);
    }
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
}

function ok(stdout: string): ProtocolResult {
  return { code: 0, stdout, stderr: '' };
}

function fail(message: string): ProtocolResult {
  return { code: 1, stdout: `${message}\n`, stderr: '' };
}

function serverUrl(input: string): string {
  const url = input.trim();
  if (!url) throw new RegctlError('INVALID_INPUT', 'no server URL given on stdin');
  return url;
}

function parseStore(input: string): { ServerURL: string; Username: string; Secret: string } {
  let v: unknown;
  try {
    v = JSON.parse(input);
  } catch {
    throw new RegctlError('INVALID_INPUT', 'store expects JSON {"ServerURL","Username","Secret"} on stdin');
  }
  const c = v as Record<string, unknown> | null;
  if (!c || typeof c.ServerURL !== 'string' || !c.ServerURL || typeof c.Secret !== 'string') {
    throw new RegctlError('INVALID_INPUT', 'store expects JSON {"ServerURL","Username","Secret"} on stdin');
  }
  return { ServerURL: c.ServerURL, Username: typeof c.Username === 'string' ? c.Username : '', Secret: c.Secret };
}
