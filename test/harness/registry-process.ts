/**
 * Process management for the registry binary: free-port probing, spawning with retries on a
 * port clash, readiness polling of `GET /v2/`, termination, and last-resort cleanup when the
 * test process ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';

/** The registry binary from the Debian package `docker-registry` (distribution 2.8.2). */
export const REGISTRY_BIN = '/usr/bin/docker-registry';

const cleanups = new Set<() => void>();
let hooked = false;

/**
 * Registers a synchronous cleanup to run when the process exits or is signalled; returns a
 * function that unregisters it.
 */
export function atExit(fn: () => void): () => void {
  if (!hooked) {
    hooked = true;
    const runAll = () => {
      for (const f of [...cleanups]) {
        try {
          f();
        } catch {
          // Best effort: one failing cleanup must not stop the others.
        }
      }
      cleanups.clear();
    };
    process.once('exit', runAll);
    // vitest ends its fork workers with SIGTERM, which skips 'exit' handlers. Clean up, then
    // re-raise so the default action still happens, unless someone else handles the signal.
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.once(sig, () => {
        runAll();
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      });
    }
  }
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Asks the OS for a free port by binding port 0 and releasing it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

class PortClash extends Error {}

const NONCE_HEADER = 'X-Regctl-Harness-Nonce';

/** Writes `config(port)` to `<dir>/config.yml` and starts the registry; retries on a port clash. */
export async function spawnRegistry(
  dir: string,
  config: (port: number) => object,
  ca: string | undefined,
  /** A client certificate (PEM) for the readiness probe, for registries that demand one (`http.tls.clientcas`). */
  client?: { cert: string; key: string },
): Promise<{ child: ChildProcess; port: number }> {
  // The free-port probe races with other processes grabbing the port; retry on a clash.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const file = join(dir, 'config.yml');
    const cfg = config(port) as { http?: { headers?: Record<string, string[]> } };
    // distribution adds `http.headers` to every response, 401s included (handlers/app.go
    // ServeHTTP). A per-launch nonce proves the process that answers the readiness probe is
    // ours and not whoever won a race for the port.
    const nonce = randomUUID();
    cfg.http = { ...cfg.http, headers: { ...cfg.http?.headers, [NONCE_HEADER]: [nonce] } };
    // JSON is valid YAML, and distribution's yaml.v2 parser reads it.
    await writeFile(file, JSON.stringify(cfg, null, 2));
    try {
      return { child: await launch(file, port, ca, nonce, client), port };
    } catch (err) {
      if (!(err instanceof PortClash) || attempt >= 5) throw err;
    }
  }
}

// setpriv's --pdeathsig makes the kernel kill the registry if the test process dies without
// running its exit handlers (a crash or SIGKILL of a vitest worker).
const SETPRIV = '/usr/bin/setpriv';

async function launch(configFile: string, port: number, ca: string | undefined, nonce: string, client?: { cert: string; key: string }): Promise<ChildProcess> {
  const argv = [REGISTRY_BIN, 'serve', configFile];
  const [cmd, ...args] = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'SIGKILL', ...argv] : argv;
  // A minimal environment: REGISTRY_* variables would silently override the config.
  const child = spawn(cmd!, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Go panics put the cause first and the stack after it: keep both ends of stderr.
  let head = '';
  let tail = '';
  let total = 0;
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    total += d.length;
    if (head.length < 1500) head += d.slice(0, 1500 - head.length);
    tail = (tail + d).slice(-2500);
  });
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`exited with ${signal ?? code}`));
    child.once('error', (e) => resolve(`failed to start: ${e.message}`));
  });
  const fail = async (why: string) => {
    await terminate(child);
    const msg = `docker-registry on port ${port} ${why}${describeStderr(head, tail, total)}`;
    return /address already in use/i.test(head + tail) ? new PortClash(msg) : new Error(msg);
  };
  const dispatcher = new Agent({ connect: ca ? { ca, ...client } : {} });
  const url = `${ca ? 'https' : 'http'}://127.0.0.1:${port}/v2/`;
  const deadline = Date.now() + 15_000;
  try {
    for (;;) {
      const outcome = await Promise.race([exited, probe(url, dispatcher, nonce)]);
      if (typeof outcome === 'string') throw await fail(outcome);
      if (outcome) return child;
      if (Date.now() > deadline) throw await fail('did not answer GET /v2/ within 15 s');
      await new Promise((r) => setTimeout(r, 40));
    }
  } finally {
    await dispatcher.close();
  }
}

/** The registry's stderr for start-up errors: all of it, or its first and last lines. */
function describeStderr(head: string, tail: string, total: number): string {
  if (!tail.trim()) return '';
  if (total <= tail.length) return `\n--- stderr ---\n${tail.trim()}`;
  const first = head.trim().split('\n').slice(0, 6).join('\n');
  const last = tail.trim().split('\n').slice(-10).join('\n');
  return `\n--- stderr (first lines) ---\n${first}\n[...]\n${last}`;
}

/** True once our registry answers /v2/ with 200 or 401 (auth configured). */
async function probe(url: string, dispatcher: Agent, nonce: string): Promise<boolean> {
  try {
    const res = await request(url, { dispatcher, signal: AbortSignal.timeout(2000) });
    await res.body.dump();
    const ours = res.headers[NONCE_HEADER.toLowerCase()] === nonce;
    return ours && (res.statusCode === 200 || res.statusCode === 401);
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after 3 s; resolves when the process has exited. */
export async function terminate(child: ChildProcess): Promise<void> {
  // No pid: the spawn itself failed, there is nothing to wait for.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
