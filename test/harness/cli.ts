/**
 * Runs the built regctl CLI (`bin/regctl.js`) as a child process, the way users run it, with
 * an environment scrubbed of anything that would make results depend on the developer's shell.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the CLI entry point, resolved from this file's location. */
export const CLI_BIN = fileURLToPath(new URL('../../bin/regctl.js', import.meta.url));

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Added to (and overriding) the scrubbed environment. */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed; stdin is closed empty otherwise. */
  input?: string;
  cwd?: string;
  /** Kill the process after this long and reject; default 30 s. */
  timeoutMs?: number;
  /** Script to run instead of bin/regctl.js (for testing the harness itself). */
  script?: string;
}

/** What a CLI run produced. `code` is 128 + signal number when killed by a signal. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// Variables that change output or credential lookup; tests set them explicitly when needed.
const SCRUBBED = /^(VITEST.*|FORCE_COLOR|NO_COLOR|DOCKER_CONFIG|REGISTRY_AUTH_FILE|REGCTL_.*|CI|GITHUB_ACTIONS|NODE_OPTIONS|TEST)$/;

/**
 * A session bus address where nothing listens. `regctl login` keeps secrets in the OS keychain
 * (the Secret Service on that bus) when it can, so CLI runs get this one unless a test brings
 * its own (harness/secret-service.ts): the developer's keyring is never written, and a login
 * behaves the same on a desktop as on a CI machine without a bus.
 */
export const NO_SESSION_BUS = 'unix:path=/nonexistent/regctl-test-bus';

/** The environment a CLI run starts from: process.env minus {@link SCRUBBED}, NO_COLOR=1, {@link NO_SESSION_BUS}. */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUBBED.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', DBUS_SESSION_BUS_ADDRESS: NO_SESSION_BUS, ...extra };
}

/** Spawns `node bin/regctl.js ...args` and collects its exit code and output. */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.script ?? CLI_BIN, ...args], {
      env: cliEnv(opts.env),
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // The CLI may exit before reading stdin; EPIPE then is expected, not a failure.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`regctl ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const signum = signal ? ((constants.signals as Record<string, number>)[signal] ?? 0) : 0;
      resolve({ code: code ?? 128 + signum, stdout, stderr });
    });
  });
}

/** A throw-away DOCKER_CONFIG directory. */
export interface TempDockerConfig {
  dir: string;
  env: { DOCKER_CONFIG: string };
  /** Parsed config.json, or undefined when it does not exist. */
  read(): Promise<any>;
  cleanup(): Promise<void>;
}

/** Creates a DOCKER_CONFIG directory, with `config.json` (mode 0600) when contents are given. */
export async function tempDockerConfig(contents?: object): Promise<TempDockerConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-dockercfg-'));
  const file = join(dir, 'config.json');
  if (contents !== undefined) await writeFile(file, JSON.stringify(contents, null, 2), { mode: 0o600 });
  return {
    dir,
    env: { DOCKER_CONFIG: dir },
    read: async () => {
      try {
        return JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
