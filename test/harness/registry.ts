/**
 * Starts a real CNCF distribution registry (Debian's `docker-registry`, distribution 2.8.2) on
 * an ephemeral loopback port in one of three modes: anonymous http, TLS + htpasswd Basic, or
 * token auth backed by the harness token server. Never imports src/: the harness must stay
 * independent of the code under test.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { makeCerts, type CertPaths } from './certs.js';
import { atExit, spawnRegistry, terminate } from './registry-process.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export { REGISTRY_BIN, freePort } from './registry-process.js';

/** `service` and `issuer` the token mode registry is configured with. */
export const TOKEN_SERVICE = 'regctl-test';
export const TOKEN_ISSUER = 'regctl-test-issuer';
/** Users of basic and token modes unless the caller passes its own. */
export const DEFAULT_USERS: Readonly<Record<string, string>> = { alice: 's3cret-pw' };

/** How clients authenticate against the registry. */
export type RegistryMode = 'anonymous' | 'basic' | 'token';

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  mode: RegistryMode;
  users?: Record<string, string>;
  /** Deep-merged over the generated config; a `null` value removes a key. */
  extraConfig?: object;
  /** Serve TLS; default true for basic, false otherwise. */
  tls?: boolean;
  /** Token mode: anonymous callers may pull. */
  anonymousPull?: boolean;
  /** Token mode: users granted pull only. */
  readOnlyUsers?: string[];
}

/** A registry process the caller must {@link RunningRegistry.stop}. */
export interface RunningRegistry {
  mode: RegistryMode;
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  /** CA certificate file that verifies the server; set when TLS is on. */
  caFile?: string;
  /** The test PKI (server, client and token-signing certificates). */
  certs: CertPaths;
  users: Record<string, string>;
  tokenServer?: TokenServer;
  /** Filesystem storage root (inside the temp dir that stop() removes). */
  dataDir: string;
  stop(): Promise<void>;
}

let certsPromise: Promise<CertPaths> | undefined;

function sharedCerts(): Promise<CertPaths> {
  certsPromise ??= mkdtemp(join(tmpdir(), 'regctl-certs-')).then((dir) => {
    atExit(() => rmSync(dir, { recursive: true, force: true }));
    return makeCerts(dir);
  });
  // Let a later call retry instead of replaying a failure forever.
  certsPromise.catch(() => (certsPromise = undefined));
  return certsPromise;
}

/** Starts a registry and resolves once `GET /v2/` answers. */
export async function startRegistry(opts: StartRegistryOptions): Promise<RunningRegistry> {
  const users = { ...(opts.users ?? DEFAULT_USERS) };
  const tls = opts.tls ?? opts.mode === 'basic';
  const certs = await sharedCerts();
  const dir = await mkdtemp(join(tmpdir(), 'regctl-registry-'));
  const dataDir = join(dir, 'storage');
  let tokenServer: TokenServer | undefined;
  try {
    await mkdir(dataDir);
    const auth: Record<string, unknown> = {};
    if (opts.mode === 'basic') {
      const htpasswd = join(dir, 'htpasswd');
      // Cost 5 keeps start-up fast; distribution accepts any bcrypt variant ($2a/$2b/$2y).
      const lines = Object.entries(users).map(([u, p]) => `${u}:${bcrypt.hashSync(p, 5)}`);
      await writeFile(htpasswd, lines.join('\n') + '\n', { mode: 0o600 });
      auth.htpasswd = { realm: 'regctl-test', path: htpasswd };
    } else if (opts.mode === 'token') {
      tokenServer = await startTokenServer({
        users,
        signingKey: certs.tokenKey,
        signingCert: certs.tokenCert,
        service: TOKEN_SERVICE,
        issuer: TOKEN_ISSUER,
        anonymousPull: opts.anonymousPull,
        readOnlyUsers: opts.readOnlyUsers,
      });
      auth.token = {
        realm: tokenServer.realm,
        service: TOKEN_SERVICE,
        issuer: TOKEN_ISSUER,
        rootcertbundle: certs.tokenCert,
      };
    }
    const ca = tls ? await readFile(certs.caCert, 'utf8') : undefined;
    const base = (port: number) => ({
      version: '0.1',
      log: { level: 'error', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: dataDir }, delete: { enabled: true } },
      http: {
        addr: `127.0.0.1:${port}`,
        secret: 'regctl-test-upload-secret',
        ...(tls ? { tls: { certificate: certs.serverCert, key: certs.serverKey } } : {}),
      },
      ...(Object.keys(auth).length ? { auth } : {}),
    });
    // The harness client certificate lets the readiness probe through when a test turns on mTLS
    // (`http.tls.clientcas`); a registry that does not ask for one ignores it.
    const client = tls ? { cert: await readFile(certs.clientCert, 'utf8'), key: await readFile(certs.clientKey, 'utf8') } : undefined;
    const { child, port } = await spawnRegistry(dir, (port) => deepMerge(base(port), opts.extraConfig ?? {}), ca, client);
    // Whatever a test forgets to stop dies with the test process.
    const forget = atExit(() => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    const scheme = tls ? 'https' : 'http';
    let stopped: Promise<void> | undefined;
    return {
      mode: opts.mode,
      host: `127.0.0.1:${port}`,
      url: `${scheme}://127.0.0.1:${port}`,
      ...(tls ? { caFile: certs.caCert } : {}),
      certs,
      users,
      ...(tokenServer ? { tokenServer } : {}),
      dataDir,
      stop: () =>
        (stopped ??= (async () => {
          await terminate(child);
          forget();
          await tokenServer?.close();
          await rm(dir, { recursive: true, force: true });
        })()),
    };
  } catch (err) {
    await tokenServer?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merges `extra` into `base` recursively: objects merge, anything else replaces, null deletes. */
export function deepMerge(base: object, extra: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(extra)) {
    if (v === null) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k])) out[k] = deepMerge(out[k] as object, v);
    else out[k] = v;
  }
  return out;
}
