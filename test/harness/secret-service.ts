/**
 * A private freedesktop Secret Service for credential tests: `dbus-run-session` starts a session
 * bus, `gnome-keyring-daemon` runs on it with a fresh login keyring unlocked by a known password,
 * all under a temporary HOME so the developer's own keyring is never touched. Nothing here
 * skips: a machine that cannot start it fails the test with the reason.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atExit } from './registry-process.js';

/** A running session bus with an unlocked Secret Service on it. */
export interface SecretService {
  /** Environment for processes that should use it (the bus address, the private HOME). */
  env: Record<string, string>;
  /** The session bus address. */
  address: string;
  stop(): Promise<void>;
}

/** The keyring password; the daemon is unlocked with it at start. */
export const KEYRING_PASSWORD = 'keyring-test-pw';

// Runs inside dbus-run-session: start the keyring, wait until it owns the Secret Service name,
// report the bus address, then live until the test closes stdin.
const SCRIPT = `
printf '%s' "$KEYRING_PASSWORD" | gnome-keyring-daemon --foreground --unlock --components=secrets >"$KEYRING_LOG" 2>&1 &
kr=$!
trap 'kill $kr 2>/dev/null; wait $kr 2>/dev/null' EXIT
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
  i=$((i+1))
  if ! kill -0 $kr 2>/dev/null; then echo "FAIL gnome-keyring-daemon exited: $(cat "$KEYRING_LOG")"; exit 1; fi
  if [ $i -ge 150 ]; then echo "FAIL gnome-keyring-daemon did not claim org.freedesktop.secrets within 15 s"; exit 1; fi
  sleep 0.1
done
echo "READY $DBUS_SESSION_BUS_ADDRESS"
read _ignored || true
`;

const REQUIRED = ['dbus-run-session', 'dbus-send', 'gnome-keyring-daemon'];

/** Starts the bus and the keyring; rejects with a message saying what is missing or broken. */
export async function startSecretService(): Promise<SecretService> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-secrets-'));
  const home = join(dir, 'home');
  const runtime = join(dir, 'run');
  await mkdir(home, { recursive: true });
  await mkdir(runtime, { recursive: true, mode: 0o700 });
  const base = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
  };
  const child = spawn('dbus-run-session', ['--', 'sh', '-c', SCRIPT], {
    env: { ...base, KEYRING_PASSWORD, KEYRING_LOG: join(dir, 'keyring.log') },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so one signal reaches the bus daemon and the keyring too.
    detached: true,
  });
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const unhook = atExit(kill);
  let address: string;
  try {
    address = await waitReady(child);
  } catch (e) {
    kill();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const env = { ...base, DBUS_SESSION_BUS_ADDRESS: address };
  await probe(env).catch(async (e: unknown) => {
    kill();
    await rm(dir, { recursive: true, force: true });
    throw e;
  });
  return {
    env,
    address,
    stop: async () => {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('close', () => resolve());
      });
      child.stdin?.end();
      const timer = setTimeout(kill, 5000);
      await exited;
      clearTimeout(timer);
      unhook();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function waitReady(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = (why: string) =>
      reject(new Error(`cannot start a Secret Service (needs ${REQUIRED.join(', ')}; Debian packages dbus-daemon, dbus-bin, gnome-keyring): ${why}${err ? `\n${err.trim()}` : ''}`));
    const timer = setTimeout(() => fail('no READY line within 20 s'), 20_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const ready = /^READY (\S+)$/m.exec(out);
      const failed = /^FAIL (.*)$/m.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      } else if (failed) {
        clearTimeout(timer);
        fail(failed[1]!);
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      fail(e.message);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      fail(`dbus-run-session exited with ${code}: ${out.trim()}`);
    });
  });
}

// The name being owned does not prove the login keyring is unlocked: store and erase a probe
// item through a real client (docker-credential-secretservice) before any test relies on it.
async function probe(env: Record<string, string>): Promise<void> {
  const run = (verb: string, input: string) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      const c = execFile('docker-credential-secretservice', [verb], { env, timeout: 10_000 }, (err, stdout) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${err && typeof err.code !== 'number' ? err.message : ''}` }),
      );
      c.stdin!.end(input);
    });
  const stored = await run('store', JSON.stringify({ ServerURL: 'probe.invalid', Username: 'probe', Secret: 'probe-secret' }));
  if (stored.code !== 0) throw new Error(`the Secret Service does not accept items (docker-credential-secretservice store: ${stored.out.trim()})`);
  await run('erase', 'probe.invalid');
}
