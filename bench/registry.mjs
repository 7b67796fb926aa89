// Starts throw-away CNCF distribution registries (Debian's `docker-registry`) on ephemeral
// 127.0.0.1 ports, anonymous, with storage in a temp dir that is removed on stop or on exit.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.mjs';

const REGISTRY_BIN = '/usr/bin/docker-registry';
// setpriv --pdeathsig makes the kernel kill the registry if the bench dies without cleaning up
// (SIGKILL, crash), so no registry outlives it.
const SETPRIV = '/usr/bin/setpriv';
const NONCE = 'X-Regctl-Bench-Nonce';

/** Asks the OS for a free loopback port by binding port 0 and releasing it. */
export async function freePort() {
  const srv = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve, reject) => srv.once('listening', resolve).once('error', reject));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * Starts one registry and resolves once `GET /v2/` answers 200.
 * @returns {Promise<{name: string, host: string, port: number, url: string, stop: () => void}>}
 */
export async function startRegistry(name) {
  if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} is missing: run \`npm run bench\` (it installs docker-registry) or apt-get install docker-registry`);
  const dir = mkdtempSync(join(tmpdir(), `regctl-bench-${name}-`));
  const removeDir = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  // The free-port probe can race with other processes; a clash shows as an early exit.
  for (let attempt = 1; attempt <= 5; attempt++) {
    const port = await freePort();
    const nonce = randomUUID();
    const config = {
      version: 0.1,
      // Access logs off: the counting proxy counts requests, and logging costs registry CPU.
      log: { level: 'error', accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: join(dir, 'data') },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      // distribution adds http.headers to every response: the nonce proves that the process
      // answering the readiness probe is this one, not whoever won a race for the port.
      http: { addr: `127.0.0.1:${port}`, headers: { [NONCE]: [nonce] } },
    };
    const file = join(dir, 'config.yml');
    writeFileSync(file, JSON.stringify(config)); // JSON is YAML
    const argv = [REGISTRY_BIN, 'serve', file];
    const [cmd, ...args] = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'SIGKILL', ...argv] : argv;
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr = (stderr + d).slice(-2000); });
    const kill = onCleanup(() => child.kill('SIGKILL'));
    const url = `http://127.0.0.1:${port}`;
    if (await ready(child, url, nonce)) {
      return {
        name, port, url, host: `127.0.0.1:${port}`,
        stop: () => { kill(); removeDir(); },
      };
    }
    kill();
    if (!/address already in use/i.test(stderr) || attempt === 5) {
      removeDir();
      throw new Error(`docker-registry (${name}) did not start:\n${stderr.trim()}`);
    }
  }
  throw new Error('unreachable');
}

/** Polls `GET /v2/` for up to 15 s; false when the process exits first. */
async function ready(child, url, nonce) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200 && res.headers.get(NONCE) === nonce) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
