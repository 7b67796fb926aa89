/**
 * Google Artifact Registry / gcr.io emulator: `us-docker.pkg.dev` and `gcr.io` registries, the
 * Artifact Registry REST API (`artifactregistry.googleapis.com`), and Google's identity endpoints
 * (gar-oauth.ts), on one TLS port in front of a real distribution registry, plus a metadata
 * server and an HTTPS proxy for the SDK's own traffic (gar-https-proxy.ts). Each behaviour
 * follows REGISTRIES.md, "Google Artifact Registry / gcr.io":
 * - `Bearer realm="https://<host>/v2/token"` (Artifact Registry: no `service`; gcr.io:
 *   `service="gcr.io"`); the token endpoint takes Basic `oauth2accesstoken:<access token>`,
 *   `_json_key:<key JSON>` or `_json_key_base64:<base64 of it>`;
 * - gcr.io answers 401 without `WWW-Authenticate` except on `/v2/`;
 * - paths are `<project>/<repository>/<image>` (gcr.io: `<project>/<image>` in the repository
 *   named `gcr.io`), and the Artifact Registry repository must exist before a push;
 * - no chunked uploads (PATCH refused); `_catalog` is empty; tags/list carries `manifest` and
 *   `child`;
 * - DELETE by tag untags (202); DELETE by digest while tagged answers 400
 *   `GOOGLE_MANIFEST_DANGLING_TAG`;
 * - listing through `repositories.list` and `dockerImages.list`, paged with `nextPageToken`.
 */
import type { Server } from 'node:http';
import type { RunningRegistry } from '../harness/registry.js';
import { GoogleIdentity } from './gar-oauth.js';
import { startHttpsProxy, type HttpsProxy } from './gar-https-proxy.js';
import { removeUpstreamTag, startEmulator, upstreamRepositories, upstreamTags, type Emulator, type EmulatorCall } from './proxy.js';
import { TokenIssuer, allows, parseScopes } from './tokens.js';

export const AR_HOST = 'us-docker.pkg.dev';
export const GCR_HOST = 'gcr.io';
export const AR_API = 'artifactregistry.googleapis.com';
const OAUTH = 'oauth2.googleapis.com';
const STS = 'sts.googleapis.com';

/** An Artifact Registry repository: `projects/<project>/locations/<location>/repositories/<id>`. */
export interface ArRepository {
  project: string;
  location: string;
  id: string;
  format?: 'DOCKER' | 'MAVEN';
}

/** Options of {@link startGar}. */
export interface GarOptions {
  repositories: ArRepository[];
  /** OAuth2 access token lifetime (real time); default 3600 s. */
  accessTokenTtlSeconds?: number;
  /** Registry token lifetime on the emulator's clock; default 3600 s. */
  registryTokenTtlSeconds?: number;
  /** Moves the emulator's clock on after each completed blob upload (a long copy). */
  advancePerUploadMs?: number;
  /** Delay before each blob PUT is answered. */
  uploadDelayMs?: number;
  /** Largest page the REST API returns; default 1000. */
  maxPageSize?: number;
  upstream?: RunningRegistry;
}

/** A running emulator. */
export interface GarEmulator extends Emulator {
  identity: GoogleIdentity;
  tokens: TokenIssuer;
  /** `HTTPS_PROXY` for the SDK: tunnels Google's API names to the emulator. */
  proxy: HttpsProxy;
  /** `GCE_METADATA_HOST` */
  metadataHost: string;
  /** Who got registry tokens: `oauth2accesstoken`, `_json_key`, `_json_key_base64`, or ''. */
  tokenRequests: string[];
  violations: string[];
  /**
   * Environment for a CLI run: connect-to rules, the CA for the SDK, the SDK's HTTPS proxy (no
   * proxy for loopback), no metadata server unless a test adds GCE_METADATA_HOST.
   */
  googleEnv: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where a registry path lives: the AR repository and the image path, or undefined. */
function locate(host: string, path: string, repos: ArRepository[]): { ar: ArRepository; repo: string } | undefined {
  const parts = path.split('/');
  const [project, id] = host === GCR_HOST ? [parts[0], GCR_HOST] : [parts[0], parts[1]];
  const location = host === GCR_HOST ? 'us' : host.replace(/-docker\.pkg\.dev$/, '');
  const ar = repos.find((r) => r.project === project && r.id === id && r.location === location);
  return ar && { ar, repo: path };
}

/** The `/v2/` API path split into repository and the rest. */
function splitV2(path: string): { repo: string; kind: string; ref: string } | undefined {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.*)$/.exec(path);
  return m ? { repo: m[1]!, kind: m[2]!, ref: m[3]! } : undefined;
}

/** Starts the emulator. */
export async function startGar(opts: GarOptions): Promise<GarEmulator> {
  const identity = new GoogleIdentity(opts.accessTokenTtlSeconds ?? 3600);
  const tokens = new TokenIssuer('gar');
  const ttl = opts.registryTokenTtlSeconds ?? 3600;
  const maxPage = opts.maxPageSize ?? 1000;
  const tokenRequests: string[] = [];
  const violations: string[] = [];
  let upstream!: RunningRegistry;

  /** `GET https://<host>/v2/token`: Google credentials as Basic in, a registry token out. */
  const registryToken = (call: EmulatorCall) => {
    const a = call.authorization;
    let who: string | undefined;
    if (a?.scheme === 'basic') {
      if (a.user === 'oauth2accesstoken') who = identity.check(a.password);
      else if (a.user === '_json_key') who = identity.checkJsonKey(a.password);
      else if (a.user === '_json_key_base64') who = identity.checkJsonKey(Buffer.from(a.password, 'base64').toString('utf8'));
      if (!who) return call.error(401, 'UNAUTHORIZED', 'Not Authorized.');
      tokenRequests.push(a.user);
    } else tokenRequests.push('');
    const access = who ? parseScopes(call.url.searchParams.getAll('scope')) : [];
    const { token } = tokens.issue(who ?? '', access, ttl);
    return call.json(200, { token, access_token: token, expires_in: ttl });
  };

  const registry = async (call: EmulatorCall): Promise<boolean | void> => {
    const host = call.host;
    const path = call.url.pathname;
    if (path === '/v2/token') return registryToken(call);
    const challenge = { 'www-authenticate': host === GCR_HOST ? `Bearer realm="https://${host}/v2/token",service="gcr.io"` : `Bearer realm="https://${host}/v2/token"` };
    const bearer = call.authorization?.scheme === 'bearer' ? tokens.check(call.authorization.token) : undefined;
    // gcr.io may answer 401 without WWW-Authenticate: the client reuses the ping's (REGISTRIES.md).
    const unauthorized = () => call.error(401, 'UNAUTHORIZED', 'Unauthorized access.', host === GCR_HOST ? {} : challenge);
    if (path === '/v2/' || path === '/v2') return bearer ? call.json(200, {}) : call.error(401, 'UNAUTHORIZED', 'Unauthorized access.', challenge);
    if (path === '/v2/_catalog') return bearer ? call.json(200, { repositories: [] }) : unauthorized();
    const v2 = splitV2(path);
    if (!v2) return call.error(404, 'NOT_FOUND', 'not found');
    if (!bearer) return unauthorized();
    const action = call.method === 'GET' || call.method === 'HEAD' ? 'pull' : call.method === 'DELETE' ? 'delete' : 'push';
    if (!allows(bearer, v2.repo, action) && !(action === 'delete' && allows(bearer, v2.repo, 'push'))) {
      return call.error(403, 'DENIED', `Permission denied for "${action}" on ${v2.repo}`);
    }
    if (!locate(host, v2.repo, opts.repositories)) {
      return call.error(404, 'NAME_UNKNOWN', `Repository "${v2.repo.split('/').slice(0, 2).join('/')}" not found`);
    }
    if (v2.kind === 'blobs' && call.method === 'PATCH') {
      violations.push('PATCH');
      return call.error(405, 'UNSUPPORTED', 'chunked uploads are not supported; upload the blob in one PUT');
    }
    if (v2.kind === 'blobs' && call.method === 'PUT') {
      await sleep(opts.uploadDelayMs ?? 0);
      call.res.on('finish', () => {
        if (call.res.statusCode === 201 && opts.advancePerUploadMs) tokens.clock.advance(opts.advancePerUploadMs);
      });
      return false;
    }
    if (v2.kind === 'tags' && call.method === 'GET') return tagsList(call, v2.repo);
    if (v2.kind === 'manifests' && call.method === 'DELETE') return deleteManifest(call, v2.repo, decodeURIComponent(v2.ref));
    return false;
  };

  const tagsList = async (call: EmulatorCall, repo: string) => {
    const tags = await upstreamTags(upstream, repo);
    if (tags.size === 0) return call.error(404, 'NAME_UNKNOWN', `Repository "${repo}" not found`);
    const manifest: Record<string, { tag: string[]; mediaType: string; timeCreatedMs: string; timeUploadedMs: string; imageSizeBytes: string }> = {};
    for (const [tag, digest] of tags) {
      manifest[digest] ??= { tag: [], mediaType: 'application/vnd.oci.image.manifest.v1+json', timeCreatedMs: '0', timeUploadedMs: String(Date.now()), imageSizeBytes: '0' };
      manifest[digest].tag.push(tag);
    }
    return call.json(200, { child: [], manifest, name: repo, tags: [...tags.keys()].sort() });
  };

  const deleteManifest = async (call: EmulatorCall, repo: string, ref: string) => {
    const tags = await upstreamTags(upstream, repo);
    if (!ref.startsWith('sha256:')) {
      if (!(await removeUpstreamTag(upstream, repo, ref))) return call.error(404, 'MANIFEST_UNKNOWN', `Tag "${ref}" not found`);
      call.res.writeHead(202, { 'content-length': '0' });
      call.res.end();
      return;
    }
    const still = [...tags].filter(([, d]) => d === ref).map(([t]) => t);
    if (still.length > 0) return call.error(400, 'GOOGLE_MANIFEST_DANGLING_TAG', `Manifest is still referenced by tag: ${still[0]}`);
    return false;
  };

  /** The Artifact Registry REST API, v1: repositories.list and dockerImages.list. */
  const api = async (call: EmulatorCall) => {
    const token = call.authorization?.scheme === 'bearer' ? identity.check(call.authorization.token) : undefined;
    if (!token) return call.json(401, { error: { code: 401, status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' } });
    const m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/repositories(?:\/([^/]+)\/dockerImages)?$/.exec(call.url.pathname);
    if (call.method !== 'GET' || !m) return call.json(404, { error: { code: 404, status: 'NOT_FOUND', message: 'Not found' } });
    const [, project, location, repoId] = m as unknown as [string, string, string, string | undefined];
    const size = Math.min(Number(call.url.searchParams.get('pageSize') ?? maxPage), maxPage);
    const start = Number(call.url.searchParams.get('pageToken') ?? 0);
    const page = <T>(items: T[], key: string) => call.json(200, {
      [key]: items.slice(start, start + size),
      ...(start + size < items.length && { nextPageToken: String(start + size) }),
    });
    const mine = opts.repositories.filter((r) => r.project === project && r.location === location);
    if (!repoId) {
      return page(mine.map((r) => ({ name: `projects/${project}/locations/${location}/repositories/${r.id}`, format: r.format ?? 'DOCKER' })), 'repositories');
    }
    const ar = mine.find((r) => r.id === decodeURIComponent(repoId));
    if (!ar) return call.json(404, { error: { code: 404, status: 'NOT_FOUND', message: `Requested entity was not found.` } });
    const host = ar.id === GCR_HOST ? GCR_HOST : `${location}-docker.pkg.dev`;
    const prefix = ar.id === GCR_HOST ? `${project}/` : `${project}/${ar.id}/`;
    const images: Array<{ name: string; uri: string; tags: string[] }> = [];
    for (const repo of (await upstreamRepositories(upstream)).filter((r) => r.startsWith(prefix)).sort()) {
      const byDigest = new Map<string, string[]>();
      for (const [tag, digest] of await upstreamTags(upstream, repo)) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
      for (const [digest, tags] of byDigest) {
        const image = repo.slice(prefix.length);
        images.push({ name: `projects/${project}/locations/${location}/repositories/${ar.id}/dockerImages/${encodeURIComponent(image)}@${digest}`, uri: `${host}/${repo}@${digest}`, tags });
      }
    }
    return page(images, 'dockerImages');
  };

  const emulator = await startEmulator({
    names: [AR_HOST, GCR_HOST, AR_API, OAUTH, STS],
    ...(opts.upstream && { upstream: opts.upstream }),
    handler: (call) => {
      if (call.host === AR_HOST || call.host === GCR_HOST) return registry(call);
      if (call.host === AR_API) return api(call);
      if (call.host === OAUTH && call.url.pathname === '/token' && call.method === 'POST') return identity.oauthToken(call);
      if (call.host === STS && call.url.pathname === '/v1/token' && call.method === 'POST') return identity.stsToken(call);
      return call.error(404, 'NOT_FOUND', `unknown host ${call.host}`);
    },
  });
  upstream = emulator.upstream;
  const proxy = await startHttpsProxy([OAUTH, STS, AR_API], emulator.port);
  const metadata: { host: string; server: Server } = await identity.startMetadataServer(opts.repositories[0]?.project ?? 'proj');
  return {
    ...emulator,
    identity,
    tokens,
    proxy,
    metadataHost: metadata.host,
    tokenRequests,
    violations,
    googleEnv: {
      ...emulator.env,
      NODE_EXTRA_CA_CERTS: emulator.caFile,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: '127.0.0.1,localhost',
      METADATA_SERVER_DETECTION: 'none',
    },
    close: async () => {
      await proxy.close();
      await new Promise<void>((resolve) => {
        metadata.server.close(() => resolve());
        metadata.server.closeAllConnections();
      });
      await emulator.close();
    },
  };
}
