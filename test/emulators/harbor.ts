/**
 * Harbor emulator: one self-hosted name (default `harbor.example.com`) serving the registry,
 * Harbor's token service and a slice of its v2 API, in front of a real distribution registry.
 * Every behaviour follows REGISTRIES.md, "Harbor" (and Harbor's server/middleware/v2auth):
 * - `/v2/` challenge `Bearer realm="https://<host>/service/token",service="harbor-registry"`,
 *   with the needed scope on repository requests; a request that already carried
 *   Authorization and failed, or `/v2/_catalog`, gets `Basic realm="harbor"` instead;
 * - Basic directly on `/v2` is accepted;
 * - `/service/token` is GET only (POST -> 405): `{token, expires_in, issued_at}`, 30 min;
 * - users and robot accounts (`robot$<project>+<name>`, limited to their project);
 * - the first path component is the project, which must exist; the token service grants nothing
 *   on a missing project, so a push there fails as on Harbor;
 * - `/v2` DELETE by tag -> UNSUPPORTED, by digest deletes the artifact and all its tags;
 * - API: `HEAD /api/v2.0/projects?project_name=`, `POST /api/v2.0/projects`, `GET
 *   /api/v2.0/projects`, `GET /api/v2.0/projects/{p}/repositories` (paged), `DELETE
 *   /api/v2.0/projects/{p}/repositories/{r}/artifacts/{ref}/tags/{tag}` with `r` double-encoded.
 */
import type { RunningRegistry } from '../harness/registry.js';
import {
  removeUpstreamTag, startEmulator, upstreamRepositories, v2Access,
  type Emulator, type EmulatorCall,
} from './proxy.js';
import { TokenIssuer, allows, parseScopes, type Access } from './tokens.js';

/** A Harbor account: `admin: true` may create projects; robots name their project. */
export interface HarborUser {
  password: string;
  admin?: boolean;
}

/** Options of {@link startHarbor}. */
export interface HarborOptions {
  host?: string;
  users?: Record<string, HarborUser>;
  /** Projects that exist at start; default `library`. */
  projects?: string[];
  /** Projects anyone may pull from without a login. */
  publicProjects?: string[];
  /** Token lifetime; default 1800 s, Harbor's default. */
  tokenTtlSeconds?: number;
  /** Moves the emulator's clock on by this much after every completed blob upload. */
  advancePerUploadMs?: number;
  /** Largest page of API listings; default 100. */
  maxPageSize?: number;
  upstream?: RunningRegistry;
}

/** A running Harbor emulator. */
export interface HarborEmulator extends Emulator {
  host: string;
  projects: Set<string>;
  tokens: TokenIssuer;
  /**
   * Changeable while running. With a clock step per upload, concurrent uploads can meet a token
   * that expired a moment ago in the middle of a one-shot PUT (an artifact of the jump, which
   * real clocks do not make): run such copies with `--concurrency 1`.
   */
  settings: { advancePerUploadMs: number };
  /** Methods seen on `/service/token`. */
  tokenMethods: string[];
}

const SERVICE = 'harbor-registry';

/** A robot account's project: `robot$proj+ci` -> `proj`; undefined for a system robot or a user. */
function robotProject(user: string): string | undefined {
  return /^robot\$([^+]+)\+/.exec(user)?.[1];
}

/** Starts the emulator. */
export async function startHarbor(opts: HarborOptions = {}): Promise<HarborEmulator> {
  const host = opts.host ?? 'harbor.example.com';
  const users = opts.users ?? {};
  const ttl = opts.tokenTtlSeconds ?? 1800;
  const projects = new Set(opts.projects ?? ['library']);
  const settings = { advancePerUploadMs: opts.advancePerUploadMs ?? 0 };
  const tokens = new TokenIssuer('harbor');
  const tokenMethods: string[] = [];
  let upstream!: RunningRegistry;

  /** The user a Basic header proves, '' for none, undefined for wrong credentials. */
  const basicUser = (call: EmulatorCall): string | undefined => {
    const a = call.authorization;
    if (!a || a.scheme !== 'basic') return '';
    return users[a.user]?.password === a.password ? a.user : undefined;
  };
  const mayWrite = (user: string, project: string) => user !== '' && (robotProject(user) ?? project) === project;
  const isPublic = (project: string) => (opts.publicProjects ?? []).includes(project);

  const grantFor = (user: string, asked: Access[]): Access[] => asked.map((s) => {
    const project = s.repo.split('/')[0]!;
    if (!projects.has(project)) return { repo: s.repo, actions: [] };
    return { repo: s.repo, actions: s.actions.filter((x) => mayWrite(user, project) || (x === 'pull' && (user !== '' || isPublic(project)))) };
  });

  const token = (call: EmulatorCall) => {
    tokenMethods.push(call.method);
    // Harbor's token service is GET only (REGISTRIES.md).
    if (call.method !== 'GET') return call.error(405, 'METHOD_NOT_ALLOWED', 'method not allowed');
    const user = basicUser(call);
    if (user === undefined) return call.error(401, 'UNAUTHORIZED', 'invalid credentials');
    const asked = parseScopes(call.url.searchParams.getAll('scope'));
    const { token: t, grant } = tokens.issue(user, grantFor(user, asked), ttl);
    call.json(200, { token: t, expires_in: ttl, issued_at: new Date(grant.issuedAt).toISOString() });
  };

  const challengeFor = (call: EmulatorCall, scope?: string) => {
    // server/middleware/v2auth: a request that carried credentials, or the catalog, gets Basic.
    if (call.req.headers.authorization || call.url.pathname === '/v2/_catalog') return { 'www-authenticate': 'Basic realm="harbor"' };
    return { 'www-authenticate': `Bearer realm="https://${host}/service/token",service="${SERVICE}"${scope ? `,scope="${scope}"` : ''}` };
  };

  const registry = async (call: EmulatorCall): Promise<void> => {
    const path = call.url.pathname;
    const access = v2Access(call.method, path);
    let allowed = false;
    if (call.authorization?.scheme === 'bearer') {
      const grant = tokens.check(call.authorization.token);
      allowed = !!grant && (!access || allows(grant, access.repo, access.action));
    } else if (call.authorization?.scheme === 'basic') {
      const user = basicUser(call);
      allowed = user !== undefined && user !== '' && (!access || grantFor(user, [{ repo: access.repo, actions: [access.action] }])[0]!.actions.length > 0);
    }
    if (!allowed) {
      return call.error(401, 'UNAUTHORIZED', 'unauthorized to access repository', challengeFor(call, access && `repository:${access.repo}:${access.action}`));
    }
    if (path === '/v2/' || path === '/v2') return call.json(200, {});
    if (!access) return call.error(401, 'UNAUTHORIZED', 'the catalog needs system-level rights', { 'www-authenticate': 'Basic realm="harbor"' });
    const manifest = /\/manifests\/([^/]+)$/.exec(path)?.[1];
    if (manifest && call.method === 'DELETE' && !manifest.startsWith('sha256:')) {
      return call.error(400, 'UNSUPPORTED', 'the operation is unsupported');
    }
    await call.proxy();
    if (call.method === 'PUT' && /\/blobs\/uploads\//.test(path) && call.res.statusCode === 201 && settings.advancePerUploadMs > 0) {
      tokens.clock.advance(settings.advancePerUploadMs);
    }
  };

  const page = <T>(call: EmulatorCall, items: T[]) => {
    const size = Math.min(Number(call.url.searchParams.get('page_size') ?? 10) || 10, opts.maxPageSize ?? 100);
    const n = Number(call.url.searchParams.get('page') ?? 1) || 1;
    call.json(200, items.slice((n - 1) * size, n * size), { 'x-total-count': String(items.length) });
  };

  const api = async (call: EmulatorCall): Promise<void> => {
    const path = call.url.pathname.slice('/api/v2.0'.length);
    const user = basicUser(call);
    if (user === undefined) return call.error(401, 'UNAUTHORIZED', 'invalid credentials');
    if (path === '/projects' && call.method === 'HEAD') {
      return void call.res.writeHead(projects.has(call.url.searchParams.get('project_name') ?? '') ? 200 : 404).end();
    }
    if (path === '/projects' && call.method === 'POST') {
      if (user === '') return call.error(401, 'UNAUTHORIZED', 'unauthorized');
      if (!users[user]?.admin) return call.error(403, 'FORBIDDEN', 'forbidden');
      const body = JSON.parse((await call.body()).toString('utf8')) as { project_name?: string };
      if (!body.project_name) return call.error(400, 'BAD_REQUEST', 'project_name is required');
      if (projects.has(body.project_name)) return call.error(409, 'CONFLICT', `project ${body.project_name} already exists`);
      projects.add(body.project_name);
      return void call.res.writeHead(201, { location: `/api/v2.0/projects/${body.project_name}` }).end();
    }
    if (path === '/projects' && call.method === 'GET') return page(call, [...projects].sort().map((name) => ({ name })));
    const repos = /^\/projects\/([^/]+)\/repositories$/.exec(path);
    if (repos && call.method === 'GET') {
      const p = decodeURIComponent(repos[1]!);
      if (!projects.has(p)) return call.error(404, 'NOT_FOUND', `project ${p} not found`);
      const all = (await upstreamRepositories(upstream)).filter((r) => r.startsWith(`${p}/`)).sort();
      return page(call, all.map((name) => ({ name })));
    }
    // Path segments are matched on the raw path: the repository must arrive double-encoded,
    // so one decoding still leaves `%2F` where the name has '/'.
    const del = /^\/projects\/([^/]+)\/repositories\/([^/]+)\/artifacts\/([^/]+)\/tags\/([^/]+)$/.exec(path);
    if (del && call.method === 'DELETE') {
      const [p, r, , tag] = del.slice(1).map(decodeURIComponent) as [string, string, string, string];
      if (r.includes('/')) return call.error(404, 'NOT_FOUND', 'repository name must be double-encoded');
      if (!mayWrite(user, p)) return call.error(user === '' ? 401 : 403, 'FORBIDDEN', 'forbidden');
      const removed = await removeUpstreamTag(upstream, `${p}/${decodeURIComponent(r)}`, tag);
      return removed ? call.json(200, {}) : call.error(404, 'NOT_FOUND', `tag ${tag} not found`);
    }
    call.error(404, 'NOT_FOUND', 'no such API');
  };

  const emulator = await startEmulator({
    names: [host],
    ...(opts.upstream && { upstream: opts.upstream }),
    handler: (call) => {
      if (call.url.pathname === '/service/token') return token(call);
      if (call.url.pathname.startsWith('/api/v2.0/')) return api(call);
      return registry(call);
    },
  });
  upstream = emulator.upstream;
  return Object.assign(emulator, { host, projects, tokens, tokenMethods, settings });
}
