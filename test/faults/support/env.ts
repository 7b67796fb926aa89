/**
 * The world a fault run happens in: two token-auth distribution registries, each behind a fault
 * proxy, a multi-platform index in the source, and a fresh regctl client per run with short
 * timeouts, the test user's credentials and a logger that keeps every line. Runs copy through
 * the proxies and are checked directly against the registries (verify.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../../src/client.js';
import { copyImageToAll, type CopyOutcome } from '../../../src/copy/copy.js';
import { StaticCredentials } from '../../../src/credentials/static.js';
import { OciLayoutRepository } from '../../../src/transports/oci-layout.js';
import { RegistryRepository } from '../../../src/transports/registry.js';
import type { ImageRepository } from '../../../src/transports/types.js';
import { startFaultProxy, type FaultProxy, type RequestInfo } from '../../harness/fault-proxy.js';
import { captureLogger, type LineLogger } from '../../harness/faults/secrets.js';
import { checkLayoutDestination, checkRegistryDestination, type DestinationCheck } from '../../harness/faults/verify.js';
import { authHeadersFor, pushIndex, targetFor, type PushedIndex } from '../../harness/images.js';
import { startRegistry, type RunningRegistry } from '../../harness/registry.js';

/** The test user. The password is long and unusual so that a leak cannot hide in ordinary text. */
export const USER = 'faultuser';
export const PASSWORD = 'Fault-Suite-pw-7c1e9b';

/** The source repository and tag. */
export const SRC_REPO = 'src/app';
export const SRC_TAG = 'v1';

/** Client timeouts: short, so that stalls end in seconds; the hard deadline is far above them. */
export const TIMEOUTS = { connectTimeoutMs: 2_000, headersTimeoutMs: 1_500, bodyTimeoutMs: 1_500 };

/** Where one run copies to. */
export interface RunTarget {
  kind: 'registry' | 'layout';
  /** Registry repository name, or layout directory. */
  where: string;
  tag: string;
}

/** A run's result: the copy outcomes, what each destination holds, and all the client logged. */
export interface RunResult {
  outcomes: CopyOutcome[];
  checks: DestinationCheck[];
  logs: string[];
}

/** The fault environment; see the file comment. */
export interface FaultEnv {
  src: RunningRegistry;
  dst: RunningRegistry;
  srcProxy: FaultProxy;
  dstProxy: FaultProxy;
  index: PushedIndex;
  /** Source paths by digest (`/v2/src/app/blobs/<d>` or `/manifests/<d>`), and their sizes. */
  paths: Map<string, { path: string; size: number; kind: 'blob' | 'manifest' }>;
  /** A fresh directory for a layout destination. */
  layoutDir(name: string): string;
  /** A client as a run uses it: short timeouts, the test user's credentials, every log line to `logger`. */
  client(logger: LineLogger): RegistryClient;
  /** Copies the source index to `targets` in one fan-out, then checks every destination. */
  copy(targets: RunTarget[]): { run: Promise<CopyOutcome[]>; check(): Promise<DestinationCheck[]>; logs: string[]; close(): Promise<void> };
  stop(): Promise<void>;
}

const repoOf = (path: string) => /^\/v2\/(.+?)\/(?:blobs|manifests|tags)\//.exec(path)?.[1];

/** Starts the environment; `layers` and `layerSize` shape each platform's image. */
export async function startFaultEnv(opts: { layers?: number; layerSize?: number } = {}): Promise<FaultEnv> {
  const users = { [USER]: PASSWORD };
  const [src, dst] = await Promise.all([startRegistry({ mode: 'token', users }), startRegistry({ mode: 'token', users })]);
  // The mirror origin plays object storage behind a redirect: it authorises with its own token, as
  // a presigned URL would, so a client that strips its credentials (as it must) still gets the blob.
  const mirrorAuth = (reg: RunningRegistry) => (req: RequestInfo) => {
    const repo = repoOf(req.path);
    return repo ? authHeadersFor(reg, repo) : {};
  };
  const [srcProxy, dstProxy] = await Promise.all([
    startFaultProxy(src.url, { mirrorHeaders: mirrorAuth(src) }),
    startFaultProxy(dst.url, { mirrorHeaders: mirrorAuth(dst) }),
  ]);
  const index = await pushIndex(targetFor(src, SRC_REPO), SRC_REPO, SRC_TAG, [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ], { layers: opts.layers ?? 2, layerSize: opts.layerSize ?? 192 * 1024, seed: 'fault-suite' });
  const paths: FaultEnv['paths'] = new Map();
  paths.set(index.digest, { path: `/v2/${SRC_REPO}/manifests/${index.digest}`, size: index.size, kind: 'manifest' });
  for (const child of index.children) {
    paths.set(child.digest, { path: `/v2/${SRC_REPO}/manifests/${child.digest}`, size: child.size, kind: 'manifest' });
    for (const [digest, bytes] of child.blobs) paths.set(digest, { path: `/v2/${SRC_REPO}/blobs/${digest}`, size: bytes.length, kind: 'blob' });
  }
  const tmp = await mkdtemp(join(tmpdir(), 'regctl-faults-'));
  const credentials = new StaticCredentials({
    [srcProxy.host]: { username: USER, password: PASSWORD },
    [dstProxy.host]: { username: USER, password: PASSWORD },
  });
  const client = (logger: LineLogger) => new RegistryClient({
    credentials,
    plainHttp: true,
    logger,
    // Quick backoff keeps a run short; Retry-After is honoured as sent (the 429 faults ask for 1 s).
    http: { ...TIMEOUTS, retry: { baseDelayMs: 20, maxDelayMs: 250 } },
  });
  const env: FaultEnv = {
    src, dst, srcProxy, dstProxy, index, paths,
    layoutDir: (name) => join(tmp, name),
    client,
    copy(targets) {
      const logger = captureLogger();
      const c = client(logger);
      const repos: ImageRepository[] = targets.map((t) => (t.kind === 'registry'
        ? RegistryRepository.of(c, dstProxy.host, t.where, { destination: true })
        : new OciLayoutRepository(t.where)));
      const run = copyImageToAll(RegistryRepository.of(c, srcProxy.host, SRC_REPO), SRC_TAG, targets.map((t, i) => ({ repository: repos[i]!, tag: t.tag })));
      return {
        run,
        logs: logger.lines,
        check: () => Promise.all(targets.map((t) => (t.kind === 'registry' ? checkRegistryDestination(dst, t.where, t.tag) : checkLayoutDestination(t.where, t.tag)))),
        close: () => c.close(),
      };
    },
    async stop() {
      await Promise.all([srcProxy.close(), dstProxy.close()]);
      await Promise.all([src.stop(), dst.stop()]);
      await rm(tmp, { recursive: true, force: true });
    },
  };
  return env;
}
