import { mkdir, readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { RegctlError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { withFileLock } from './file-lock.js';
import { deepEqual, rewriteJson } from './json-edit.js';

/** One `auths` entry of docker's config.json (docker/cli configfile types.AuthConfig). */
export interface DockerAuthEntry {
  /** base64(`username:password`). */
  auth?: string;
  username?: string;
  password?: string;
  /** OAuth2 refresh token. */
  identitytoken?: string;
  /** Bearer token to send to the registry as is. */
  registrytoken?: string;
  [key: string]: unknown;
}

/**
 * docker's config.json. Only `auths`, `credsStore` and `credHelpers` are regctl's business;
 * every other key (`HttpHeaders`, `proxies`, `currentContext`, plugin settings, ...) is
 * carried through a rewrite untouched.
 */
export interface DockerConfig {
  auths?: Record<string, DockerAuthEntry>;
  /** Default credential helper suffix: `desktop` means `docker-credential-desktop`. */
  credsStore?: string;
  /** Per-registry credential helper suffixes, keyed like `auths`. */
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The config file docker uses: `$DOCKER_CONFIG/config.json` (DOCKER_CONFIG names a directory),
 * else `~/.docker/config.json`.
 */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  const home = env.HOME || env.USERPROFILE || homedir();
  return join(home, '.docker', 'config.json');
}

/**
 * Reads a docker (or podman) auth config. A missing or empty file is an empty config; a file
 * that is not a JSON object is a `CONFIG` error naming the file. The message never quotes the
 * content, since the file holds credentials.
 */
export async function readDockerConfig(path: string): Promise<DockerConfig> {
  return parseDockerConfig(await readConfigText(path), path);
}

// The file's text; '' when it does not exist.
async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new RegctlError('CONFIG', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { cause: e });
  }
}

function parseDockerConfig(text: string, path: string): DockerConfig {
  // docker/cli accepts an empty file as an empty config; so do we.
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // No `cause`: a SyntaxError message can quote part of the file, which may be a secret.
    throw new RegctlError('CONFIG', `${path} is not valid JSON`, { hint: `fix or remove ${path}` });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RegctlError('CONFIG', `${path} does not hold a JSON object`, { hint: `fix or remove ${path}` });
  }
  const cfg = parsed as DockerConfig;
  checkShape(cfg, path);
  return cfg;
}

// Catches configs that parse but would make later code trip over wrong types.
function checkShape(cfg: DockerConfig, path: string): void {
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (cfg.auths !== undefined && !isObject(cfg.auths)) throw shapeError(path, 'auths');
  if (cfg.credHelpers !== undefined && !isObject(cfg.credHelpers)) throw shapeError(path, 'credHelpers');
  if (cfg.credsStore !== undefined && typeof cfg.credsStore !== 'string') throw shapeError(path, 'credsStore');
}

function shapeError(path: string, field: string): RegctlError {
  return new RegctlError('CONFIG', `${path}: "${field}" has the wrong type`, { hint: `fix or remove ${path}` });
}

/**
 * Read-modify-write of a docker config under a lock file (`<path>.lock`), so concurrent
 * writers in several processes never lose each other's updates or leave a torn file. `mutate`
 * edits the parsed config in place; returning `false` means "nothing changed" and skips the
 * write. Only the members `mutate` changed are rewritten in the text (src/credentials/json-edit.ts):
 * every other byte, other tools' keys and formatting included, stays as it was. A new file is
 * written as docker writes it (tab-indented). The file is written atomically with mode 0600
 * and its directory created 0700. Resolves to true when the file was written.
 */
export async function updateDockerConfig(
  path: string,
  mutate: (cfg: DockerConfig) => void | boolean | Promise<void | boolean>,
): Promise<boolean> {
  // docker/cli writes through a symlinked config.json to its target rather than replacing the
  // link (dotfile managers link it); renaming over the link would silently detach it.
  const target = await realpath(path).catch(() => path);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  return withFileLock(`${target}.lock`, async () => {
    const text = await readConfigText(target);
    const cfg = parseDockerConfig(text, target);
    const before = structuredClone(cfg);
    if ((await mutate(cfg)) === false) return false;
    const out = serializeEdit(text, before, cfg);
    if (out === text) return false;
    await writeFileAtomic(target, out, 0o600);
    return true;
  });
}

function serializeEdit(text: string, before: DockerConfig, after: DockerConfig): string {
  const fresh = `${JSON.stringify(after, null, '\t')}\n`;
  if (text.trim() === '') return fresh;
  try {
    const edited = rewriteJson(text, before, after);
    // Belt and braces: the edit must mean exactly the new config, or the file is rewritten whole.
    if (deepEqual(JSON.parse(edited), after)) return edited;
  } catch {
    // fall through to a full rewrite
  }
  return fresh;
}
