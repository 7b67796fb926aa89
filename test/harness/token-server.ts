/**
 * A token server implementing the distribution token spec (docs/spec/auth/token.md and
 * oauth.md in distribution/distribution) for a real registry started with `auth.token`.
 * GET with optional Basic auth and repeated `scope`; POST form with the password and
 * refresh_token grants. Every request is recorded so tests can count token fetches.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readPem } from './certs.js';
import { JwtSigner, type AccessEntry } from './jwt.js';

/** One token request as the server saw it. */
export interface TokenRequestRecord {
  method: string;
  scopes: string[];
  account?: string;
  grantType?: string;
  /** True when the caller proved to be a known user (Basic, password or refresh grant). */
  authorized: boolean;
}

/** Options of {@link startTokenServer}. */
export interface TokenServerOptions {
  users: Record<string, string>;
  /** PEM text or path of the RSA signing key. */
  signingKey: string;
  /** PEM text or path of the certificate for `signingKey` (sent in `x5c`). */
  signingCert: string;
  service: string;
  issuer: string;
  /** Anonymous callers get `pull` on repositories (otherwise an empty access list). */
  anonymousPull?: boolean;
  /** Users granted only `pull`, whatever they ask for; for permission-denied tests. */
  readOnlyUsers?: string[];
  /** Lifetime of issued tokens in seconds; default 300. */
  expiresIn?: number;
}

/** A running token server. */
export interface TokenServer {
  url: string;
  /** `<url>/token`, the realm to configure in the registry. */
  realm: string;
  requests: TokenRequestRecord[];
  /** Signs a token granting exactly `scopes` (no policy applied), as `user` (default ''). */
  mint(scopes: string[], user?: string): string;
  setExpiresIn(seconds: number): void;
  close(): Promise<void>;
}

/** A scope string split into its parts; `null` when malformed. */
export function parseScope(scope: string): AccessEntry | null {
  // The name may contain ':' (host:port), so split at the first and the last colon only.
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return null;
  const actions = scope.slice(last + 1).split(',').filter(Boolean);
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

/** Starts the token server on 127.0.0.1 with an ephemeral port. */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const signer = new JwtSigner(await readPem(opts.signingKey), await readPem(opts.signingCert));
  let expiresIn = opts.expiresIn ?? 300;
  const requests: TokenRequestRecord[] = [];
  const refreshTokens = new Map<string, string>();
  const readOnly = new Set(opts.readOnlyUsers ?? []);

  const grant = (scopes: string[], user: string | undefined): AccessEntry[] => {
    const out: AccessEntry[] = [];
    for (const s of scopes) {
      const e = parseScope(s);
      if (!e) continue;
      const isRepo = e.type === 'repository';
      const isCatalog = e.type === 'registry' && e.name === 'catalog';
      if (user !== undefined && !readOnly.has(user) && (isRepo || isCatalog)) out.push(e);
      else if (isRepo && e.actions.includes('pull') && (user !== undefined || opts.anonymousPull)) {
        out.push({ ...e, actions: ['pull'] });
      }
    }
    return out;
  };
  const issue = (scopes: string[], user: string | undefined) =>
    signer.issue({ iss: opts.issuer, aud: opts.service, sub: user ?? '', access: grant(scopes, user), ttl: expiresIn });

  const reply = (res: ServerResponse, status: number, body: object, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...extra });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string) =>
    reply(res, status, { errors: [{ code, message }] },
      status === 401 ? { 'www-authenticate': `Basic realm="${opts.service}"` } : {});
  const success = (res: ServerResponse, token: string, refresh?: string) =>
    reply(res, 200, {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: new Date().toISOString(),
      ...(refresh ? { refresh_token: refresh } : {}),
    });
  const newRefreshToken = (user: string) => {
    const t = randomBytes(24).toString('hex');
    refreshTokens.set(t, user);
    return t;
  };
  const checkService = (res: ServerResponse, service: string | null): boolean => {
    // Omitting service is tolerated (GAR-style challenges carry none); a wrong one is not.
    if (service !== null && service !== opts.service) {
      fail(res, 400, 'INVALID_REQUEST', `unknown service "${service}"`);
      return false;
    }
    return true;
  };

  const handleGet = (req: IncomingMessage, res: ServerResponse, q: URLSearchParams) => {
    const scopes = q.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const record: TokenRequestRecord = { method: 'GET', scopes, authorized: false };
    if (q.has('account')) record.account = q.get('account')!;
    requests.push(record);
    if (!checkService(res, q.get('service'))) return;
    let user: string | undefined;
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Basic\s+(\S+)$/i.exec(auth);
      if (!m) return fail(res, 401, 'UNAUTHORIZED', 'only Basic credentials are accepted here');
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const name = decoded.slice(0, colon);
      if (colon < 0 || opts.users[name] !== decoded.slice(colon + 1)) {
        return fail(res, 401, 'UNAUTHORIZED', 'invalid username or password');
      }
      user = name;
      record.authorized = true;
    }
    // token.md: `offline_token=true` asks for a refresh token alongside the access token.
    const refresh = user !== undefined && q.get('offline_token') === 'true' ? newRefreshToken(user) : undefined;
    success(res, issue(scopes, user), refresh);
  };

  const handlePost = (res: ServerResponse, form: URLSearchParams) => {
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const grantType = form.get('grant_type') ?? '';
    const record: TokenRequestRecord = { method: 'POST', scopes, grantType, authorized: false };
    requests.push(record);
    if (!checkService(res, form.get('service'))) return;
    // oauth.md marks client_id as required; distribution's reference token server rejects its absence.
    if (!form.get('client_id')) return fail(res, 400, 'INVALID_REQUEST', 'missing client_id');
    let user: string;
    let refresh: string | undefined;
    if (grantType === 'password') {
      const name = form.get('username') ?? '';
      if (!(name in opts.users) || opts.users[name] !== form.get('password')) {
        return fail(res, 401, 'UNAUTHORIZED', 'invalid username or password');
      }
      user = name;
      record.account = name;
      refresh = newRefreshToken(user);
    } else if (grantType === 'refresh_token') {
      const known = refreshTokens.get(form.get('refresh_token') ?? '');
      if (known === undefined) return fail(res, 401, 'UNAUTHORIZED', 'invalid refresh token');
      user = known;
      record.account = known;
      if (form.get('access_type') === 'offline') refresh = form.get('refresh_token')!;
    } else {
      return fail(res, 400, 'UNSUPPORTED', `unsupported grant_type "${grantType}"`);
    }
    record.authorized = true;
    success(res, issue(scopes, user), refresh);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    if (url.pathname !== '/token') return fail(res, 404, 'NOT_FOUND', 'no such endpoint');
    if (req.method === 'GET') return handleGet(req, res, url.searchParams);
    if (req.method !== 'POST') return fail(res, 405, 'UNSUPPORTED', 'method not allowed');
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return fail(res, 400, 'INVALID_REQUEST', 'expected a form body');
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handlePost(res, new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    realm: `${url}/token`,
    requests,
    mint: (scopes, user = '') =>
      signer.issue({
        iss: opts.issuer,
        aud: opts.service,
        sub: user,
        access: scopes.map(parseScope).filter((e): e is AccessEntry => e !== null),
        ttl: expiresIn,
      }),
    setExpiresIn: (seconds) => {
      expiresIn = seconds;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
