import { spawn } from 'node:child_process';
import { RegctlError, registerSecret } from '../errors.js';
import { DOCKER_HUB_CONFIG_KEY, configKeyFor } from './host-key.js';
import { KEYCHAIN_HELPER, keychainProtocol } from './keychain-helper.js';

/**
 * The docker-credential-helpers protocol (REGISTRIES.md, "Credential helper protocol"): a
 * program `docker-credential-<name>` run with one verb (`get`, `store`, `erase`, `list`), its
 * input on stdin, its answer as JSON on stdout, errors as text on stdout with exit status 1.
 */

/** What a helper stores and returns, in the protocol's own field names. */
export interface HelperCredential {
  ServerURL: string;
  Username: string;
  Secret: string;
}

/** Options for every helper call. */
export interface HelperOptions {
  /** Environment for the helper; its PATH is where the helper is looked up. */
  env?: NodeJS.ProcessEnv;
  /** Kill the helper after this long (default 10 s); a keychain prompt must not hang CI. */
  timeoutMs?: number;
}

/** The Username a helper returns when Secret is an identity (refresh) token, not a password. */
export const TOKEN_USERNAME = '<token>';

// docker-credential-helpers credentials.ErrCredentialsNotFound; printed for get and erase.
const NOT_FOUND_TEXT = 'credentials not found in native keychain';
const MAX_OUTPUT = 1 << 20;

/** The program name for a helper suffix. */
export function helperProgram(name: string): string {
  return `docker-credential-${name}`;
}

/** How `--verbose` and `login --show` name a helper: its program, or the OS keychain for `regctl`. */
export function helperDescription(name: string): string {
  return name === KEYCHAIN_HELPER ? 'the OS keychain (credHelpers "regctl")' : `credential helper ${helperProgram(name)}`;
}

/** Asks helper `name` for the credential filed under `serverUrl`; undefined when it has none. */
export async function helperGet(name: string, serverUrl: string, opts: HelperOptions = {}): Promise<HelperCredential | undefined> {
  const res = await runHelper(name, 'get', serverUrl, opts);
  if (res.code !== 0) {
    if (isNotFound(res.stdout)) return undefined;
    throw helperFailed(name, 'get', res);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.stdout);
  } catch {
    throw new RegctlError('CREDENTIALS', `credential helper ${helperProgram(name)} returned output that is not JSON`);
  }
  const p = parsed as Partial<HelperCredential> | null;
  if (!p || typeof p !== 'object' || typeof p.Secret !== 'string') {
    throw new RegctlError('CREDENTIALS', `credential helper ${helperProgram(name)} returned an unexpected answer`);
  }
  registerSecret(p.Secret);
  // Some helpers answer "nothing" with an empty object and exit 0 rather than the error text.
  if (!p.Secret && !p.Username) return undefined;
  return { ServerURL: typeof p.ServerURL === 'string' ? p.ServerURL : serverUrl, Username: p.Username ?? '', Secret: p.Secret };
}

/**
 * Looks a registry host up the way docker filed it: first under {@link configKeyFor} (Hub's v1
 * URL or the bare host), then, for other registries, under `https://<host>`, which some helpers
 * and older docker versions used. Resolves to the credential and the key that found it.
 */
export async function helperLookup(
  name: string,
  host: string,
  opts: HelperOptions = {},
): Promise<{ credential: HelperCredential; serverUrl: string } | undefined> {
  for (const serverUrl of helperKeysFor(host)) {
    const credential = await helperGet(name, serverUrl, opts);
    if (credential) return { credential, serverUrl };
  }
  return undefined;
}

/** The server URLs under which a helper may hold `host`'s credential, most likely first. */
export function helperKeysFor(host: string): string[] {
  const key = configKeyFor(host);
  return key === DOCKER_HUB_CONFIG_KEY ? [key] : [key, `https://${key}`];
}

/** Stores a credential with helper `name`. */
export async function helperStore(name: string, cred: HelperCredential, opts: HelperOptions = {}): Promise<void> {
  registerSecret(cred.Secret);
  const res = await runHelper(name, 'store', JSON.stringify(cred), opts);
  if (res.code !== 0) throw helperFailed(name, 'store', res);
}

/** Erases the credential filed under `serverUrl`; resolves false when the helper had none. */
export async function helperErase(name: string, serverUrl: string, opts: HelperOptions = {}): Promise<boolean> {
  const res = await runHelper(name, 'erase', serverUrl, opts);
  if (res.code === 0) return true;
  if (isNotFound(res.stdout)) return false;
  throw helperFailed(name, 'erase', res);
}

/** Lists what helper `name` holds: server URL to username (never secrets). */
export async function helperList(name: string, opts: HelperOptions = {}): Promise<Record<string, string>> {
  const res = await runHelper(name, 'list', '', opts);
  if (res.code !== 0) throw helperFailed(name, 'list', res);
  try {
    const parsed: unknown = JSON.parse(res.stdout || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, string>;
  } catch {
    // fall through to the error below
  }
  throw new RegctlError('CREDENTIALS', `credential helper ${helperProgram(name)} returned an unexpected list`);
}

interface HelperResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function isNotFound(stdout: string): boolean {
  return stdout.toLowerCase().includes(NOT_FOUND_TEXT);
}

function helperFailed(name: string, verb: string, res: HelperResult): RegctlError {
  // The helper's own words help the user (locked keychain, gpg agent missing); keep one short
  // line. RegctlError redacts registered secrets and token-like text from it.
  const said = (res.stdout.trim() || res.stderr.trim()).split('\n')[0]?.slice(0, 200) ?? '';
  return new RegctlError(
    'CREDENTIALS',
    `credential helper ${helperProgram(name)} failed to ${verb} (exit ${res.code ?? 'signal'})${said ? `: ${said}` : ''}`,
  );
}

// Helper names come from a config file; a name with a path separator would run an arbitrary
// program, so only plain suffixes (`desktop`, `ecr-login`, `pass`, `gcloud`) are accepted.
const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function runHelper(name: string, verb: string, input: string, opts: HelperOptions): Promise<HelperResult> {
  // regctl's own helper is the OS keychain: answered in-process, no spawn (keychain-helper.ts).
  if (name === KEYCHAIN_HELPER) return keychainProtocol(verb, input);
  const program = helperProgram(name);
  if (!VALID_NAME.test(name)) {
    return Promise.reject(new RegctlError('CREDENTIALS', `credential helper name ${JSON.stringify(name)} is not valid`));
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    // No shell: the name and the input never pass through a command line.
    const child = spawn(program, [verb], { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new RegctlError('CREDENTIALS', `credential helper ${program} did not answer ${verb} within ${timeoutMs / 1000} s`)));
    }, timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) {
        child.kill('SIGKILL');
        finish(() => reject(new RegctlError('CREDENTIALS', `credential helper ${program} wrote too much output`)));
      } else into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (e: NodeJS.ErrnoException) => {
      const what = e.code === 'ENOENT' ? 'is not installed (not found on PATH)' : `could not be run (${e.code ?? e.message})`;
      finish(() => reject(new RegctlError('CREDENTIALS', `credential helper ${program} ${what}`, { cause: e })));
    });
    child.on('close', (code) => {
      finish(() => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    });
    // A helper that exits without reading stdin makes the write fail with EPIPE; its exit
    // status tells the real story, so the stream error is ignored.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
