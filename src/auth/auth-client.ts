/**
 * The auth layer of the HTTP client, one per registry host (DESIGN principle 3, after oras-go
 * registry/remote/auth/client.go): attach what the known challenge asks for, send, and on 401
 * learn the challenge, get a fresh token and replay once.
 */
import { RegctlError, registerSecret } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Credential, CredentialProvider } from '../credentials/types.js';
import { readTextQuietly } from '../transport/read-body.js';
import { displayUrl } from '../transport/redirect.js';
import { headerAll, type HttpRequest, type HttpResponse, type HttpSender } from '../transport/types.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { formatRegistryErrors, parseRegistryErrors } from './registry-errors.js';
import { mergeScopes } from './scope.js';
import { fetchToken } from './token.js';
import { TokenCache, tokenCacheKey } from './token-cache.js';

/** Options of {@link RegistryAuth}. */
export interface RegistryAuthOptions {
  /** The plain client (retries, redirects); it also carries the token requests. */
  http: HttpSender;
  /** The credential key: `docker.io`, `127.0.0.1:5000`, ... */
  host: string;
  /** The registry's base URL is https (token realms must then be https too). */
  secure: boolean;
  credentials: CredentialProvider;
  logger?: Logger;
  /** Share one cache between clients; each gets its own otherwise. */
  cache?: TokenCache;
}

/** What to attach to one request. */
interface Attached {
  authorization?: string;
  /** A secret went into it (a password, identity token or registry token). */
  credentialSent: boolean;
  /** The token cache key used, to invalidate it when the registry rejects the token. */
  cacheKey?: string;
}

/** Authenticates requests to one registry host. */
export class RegistryAuth implements HttpSender {
  private readonly http: HttpSender;
  private readonly host: string;
  private readonly secure: boolean;
  private readonly credentials: CredentialProvider;
  private readonly log: Logger;
  private readonly cache: TokenCache;
  private challenge: Challenge | undefined;
  private credentialPromise: Promise<Credential | undefined> | undefined;
  /** The credential {@link credentialPromise} resolved to, to see when it expires. */
  private knownCredential: Credential | undefined;

  constructor(opts: RegistryAuthOptions) {
    this.http = opts.http;
    this.host = opts.host;
    this.secure = opts.secure;
    this.credentials = opts.credentials;
    this.log = opts.logger ?? silentLogger;
    this.cache = opts.cache ?? new TokenCache();
  }

  /**
   * Records the challenges of a 401 (typically the `GET /v2/` ping) so that later requests
   * authenticate up front: no 401 round trip per request, and one-shot uploads carry a token.
   */
  setChallenges(wwwAuthenticate: string[]): void {
    this.learn(parseChallenges(wwwAuthenticate));
  }

  /**
   * The credential for this host, looked up once; a short-lived one (with `expiresAt`, minted by
   * a cloud SDK) is looked up again in its last 30 seconds, and its provider hands out a fresh
   * one, so a copy that outlives it never sends an expired secret (ECR's 12-hour password,
   * REGISTRIES.md; RC#110).
   */
  credential(): Promise<Credential | undefined> {
    const expiresAt = this.knownCredential?.expiresAt;
    if (expiresAt !== undefined && Date.now() >= expiresAt - CREDENTIAL_RENEW_MS) this.forgetCredential();
    this.credentialPromise ??= this.credentials.get(this.host).then(
      (c) => {
        this.knownCredential = c;
        if (c) for (const s of [c.password, c.identityToken, c.registryToken]) registerSecret(s);
        if (c) this.log.debug(`auth: credential for ${this.host} from ${c.source ?? 'a credential provider'}`);
        return c;
      },
      (err: unknown) => {
        this.credentialPromise = undefined; // a failed lookup may succeed next time
        throw err;
      },
    );
    return this.credentialPromise;
  }

  private forgetCredential(): void {
    this.credentialPromise = undefined;
    this.knownCredential = undefined;
  }

  /**
   * Sends `req` authenticated for `scopes` (e.g. `repository:library/alpine:pull`). Returns any
   * response but 401 (403 included: the caller maps it). Throws `UNAUTHORIZED` when the replay
   * is refused too, or when a one-shot request meets a 401.
   */
  async send(req: HttpRequest, scopes: string[] = []): Promise<HttpResponse> {
    const cred = await this.credential();
    const first = this.challenge ? await this.attach(this.challenge, scopes, cred) : { credentialSent: false };
    const res = await this.http.send(withAuthorization(req, first.authorization));
    if (res.status !== 401) return res;

    const fresh = parseChallenges(headerAll(res, 'www-authenticate'));
    // gcr.io may answer 401 without WWW-Authenticate: reuse the ping's challenge (REGISTRIES.md).
    // Harbor answers a refused (expired) Bearer token with `Basic realm="harbor"`: a fresh token
    // is the answer there, not Basic, which an anonymous client cannot send (REGISTRIES.md).
    const picked = pickChallenge(fresh);
    const challenge = picked?.scheme === 'basic' && this.challenge?.scheme === 'bearer' ? this.challenge : picked ?? this.challenge;
    this.learn(fresh);
    if (!challenge) return this.fail(res, req, first.credentialSent);
    if (req.replayable === false) {
      return this.fail(res, req, first.credentialSent, 'the request body cannot be re-sent; authenticate with a replayable request first');
    }
    await res.body.dump();

    // The old token was refused: drop it. `attach` merges the 401's own scope (insufficient_scope).
    if (first.cacheKey) this.cache.invalidate(first.cacheKey);
    // A refused short-lived credential may have expired early (clock skew, revocation): ask its
    // provider again before the replay.
    let replayCred = cred;
    if (first.credentialSent && cred?.expiresAt !== undefined) {
      this.forgetCredential();
      replayCred = await this.credential();
    }
    const second = await this.attach(challenge, scopes, replayCred, true);
    if (!second.authorization) return this.fail(undefined, req, false);
    this.log.debug(`auth: replaying ${req.method} ${displayUrl(req.url)} with ${challenge.scheme} credentials`);
    const replay = await this.http.send(withAuthorization(req, second.authorization));
    if (replay.status !== 401) return replay;
    return this.fail(replay, req, second.credentialSent);
  }

  /** Stores the challenge to use up front from now on. */
  private learn(challenges: Challenge[]): void {
    const picked = pickChallenge(challenges);
    if (!picked) return;
    // Harbor answers `Basic realm="harbor"` to a request that already carried a Bearer token
    // (REGISTRIES.md): that must not replace the Bearer challenge for every later request.
    if (picked.scheme === 'basic' && this.challenge?.scheme === 'bearer') return;
    // A challenge's scope belongs to the request that got it; later requests ask for their own.
    const { scope: _scope, error: _error, ...params } = picked.params;
    this.challenge = { scheme: picked.scheme, params };
  }

  /** Builds the Authorization header a challenge asks for, fetching a token when needed. */
  private async attach(challenge: Challenge, scopes: string[], cred: Credential | undefined, fresh = false): Promise<Attached> {
    if (cred?.registryToken) {
      // docker's `registrytoken`: a ready bearer token, sent as is (REGISTRIES.md, docker config).
      return { authorization: `Bearer ${cred.registryToken}`, credentialSent: true };
    }
    if (challenge.scheme === 'basic') {
      if (!cred?.username || !cred.password) return { credentialSent: false };
      const basic = Buffer.from(`${cred.username}:${cred.password}`).toString('base64');
      return { authorization: `Basic ${basic}`, credentialSent: true };
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return { credentialSent: false };
    const realm = challenge.params.realm;
    const service = challenge.params.service;
    // A 401's own scope is what the registry wants (error="insufficient_scope" names the added
    // action; Harbor space-joins several): merge it with what the caller asked for.
    const all = mergeScopes(challenge.params.scope ? [...scopes, challenge.params.scope] : scopes);
    const key = tokenCacheKey({ realm, scopes: all, ...(service && { service }), ...(cred?.username && { account: cred.username }) });
    if (fresh) this.cache.invalidate(key);
    const token = await this.cache.get(key, () => {
      this.log.debug(`auth: fetching a token from ${displayUrl(realm)} for ${all.join(' ') || 'no scope'}`);
      return fetchToken(this.http, {
        realm,
        scopes: all,
        registrySecure: this.secure,
        host: this.host,
        ...(service && { service }),
        ...(cred && { credential: cred }),
      });
    });
    return {
      authorization: `Bearer ${token.token}`,
      credentialSent: Boolean(cred?.identityToken || (cred?.username && cred.password)),
      cacheKey: key,
    };
  }

  /** Throws the UNAUTHORIZED error for a refused request, quoting the registry's error body. */
  private async fail(res: HttpResponse | undefined, req: HttpRequest, credentialSent: boolean, why?: string): Promise<never> {
    const errors = res ? parseRegistryErrors(await readTextQuietly(res.body)) : undefined;
    const base = credentialSent ? `authentication failed for ${this.host}` : `${this.host} requires authentication`;
    const detail = [why, errors && formatRegistryErrors(errors)].filter(Boolean).join('; ');
    throw new RegctlError('UNAUTHORIZED', `${base} (${req.method} ${displayUrl(req.url)})${detail ? `: ${detail}` : ''}`, {
      status: 401,
      ...(errors && { registryErrors: errors }),
      hint: `regctl login ${this.host}`,
    });
  }
}

/** How long before its `expiresAt` a short-lived credential is looked up again. */
const CREDENTIAL_RENEW_MS = 30_000;

/** Bearer when offered (with a realm), else Basic; other schemes are not supported. */
function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ?? challenges.find((c) => c.scheme === 'basic');
}

function withAuthorization(req: HttpRequest, authorization: string | undefined): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) if (k.toLowerCase() !== 'authorization') headers[k] = v;
  if (authorization) headers.authorization = authorization;
  return { ...req, headers };
}
