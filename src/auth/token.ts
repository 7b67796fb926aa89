/**
 * Fetching a bearer token from a registry's token service (distribution token spec and its
 * OAuth2 variant; REGISTRIES.md, generic protocol).
 */
import { RegctlError, registerSecret } from '../errors.js';
import type { Credential } from '../credentials/types.js';
import { readText, readTextQuietly } from '../transport/read-body.js';
import type { HttpResponse, HttpSender } from '../transport/types.js';
import { parseRegistryErrors } from './registry-errors.js';
import { mergeScopes } from './scope.js';
import { parseTokenReply, type Token } from './token-reply.js';

export type { Token } from './token-reply.js';

/** What {@link fetchToken} needs to know. */
export interface FetchTokenOptions {
  /** The challenge's `realm`: the token service URL. */
  realm: string;
  /** The challenge's `service`, when it has one (Artifact Registry sends none). */
  service?: string;
  scopes: string[];
  credential?: Credential;
  /** The registry itself is https: the realm must be too. */
  registrySecure: boolean;
  /** OAuth2 `client_id`; default `regctl`. */
  clientId?: string;
  /**
   * Ask for a refresh token too (`offline_token=true&client_id=..` on the Basic GET, token.md
   * "Requesting a Token"), as docker does at login to store an identity token instead of the password.
   */
  offline?: boolean;
  /** The registry host, for messages only. */
  host?: string;
  signal?: AbortSignal;
}

/** docker's convention for "the secret is an identity token, there is no user name". */
const TOKEN_USERNAME = '<token>';

/**
 * Gets a token. With an identity token: the OAuth2 refresh-token grant by POST, falling back to
 * GET on 404/405. With a user name and password: GET with Basic. Otherwise an anonymous GET.
 * Throws `INSECURE` for an http realm of an https registry, `UNAUTHORIZED` when the service
 * rejects the credentials, `INVALID_INPUT` for a malformed reply, `REGISTRY_ERROR` otherwise.
 */
export async function fetchToken(http: HttpSender, opts: FetchTokenOptions): Promise<Token> {
  const realm = checkRealm(opts);
  const scopes = mergeScopes(opts.scopes);
  const cred = opts.credential;
  let res: HttpResponse;
  if (cred?.identityToken) {
    registerSecret(cred.identityToken);
    res = await postRefreshGrant(http, realm, scopes, cred.identityToken, opts);
    if (res.status === 404 || res.status === 405) {
      // Harbor's token service is GET only and answers 405 on POST; ggcr bearer.go falls back
      // the same way (REGISTRIES.md).
      await res.body.dump();
      const user = cred.username || TOKEN_USERNAME;
      res = await getToken(http, realm, scopes, opts, basic(user, cred.identityToken), user !== TOKEN_USERNAME ? user : undefined);
    }
  } else if (cred?.username && cred.password) {
    registerSecret(cred.password);
    res = await getToken(http, realm, scopes, opts, basic(cred.username, cred.password), cred.username);
  } else {
    res = await getToken(http, realm, scopes, opts);
  }
  return readReply(res, realm, opts);
}

/** Refuses realms that would leak credentials: http when the registry is https, or non-http URLs. */
function checkRealm(opts: FetchTokenOptions): URL {
  let url: URL;
  try {
    url = new URL(opts.realm);
  } catch {
    throw new RegctlError('INVALID_INPUT', `the registry${opts.host ? ` ${opts.host}` : ''} announced an invalid token realm`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegctlError('INSECURE', `token realm ${url.origin} is neither https nor http`);
  }
  // DESIGN principle 4: credentials must not travel in clear text to a realm an https registry
  // points at (ggcr pkg/v1/remote/transport/bearer.go refuses the same downgrade).
  if (url.protocol === 'http:' && opts.registrySecure) {
    throw new RegctlError('INSECURE', `refusing plain http token realm ${url.origin} announced by an https registry${opts.host ? ` (${opts.host})` : ''}`);
  }
  return url;
}

function basic(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

async function postRefreshGrant(
  http: HttpSender,
  realm: URL,
  scopes: string[],
  refreshToken: string,
  opts: FetchTokenOptions,
): Promise<HttpResponse> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  if (opts.service) form.set('service', opts.service);
  form.set('client_id', opts.clientId ?? 'regctl');
  // The OAuth2 form joins scopes with spaces (RFC 6749 3.3), unlike the GET form which repeats them.
  if (scopes.length > 0) form.set('scope', scopes.join(' '));
  const body = form.toString();
  return http.send({
    method: 'POST',
    url: realm,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: () => body,
    ...(opts.signal && { signal: opts.signal }),
  });
}

async function getToken(
  http: HttpSender,
  realm: URL,
  scopes: string[],
  opts: FetchTokenOptions,
  authorization?: string,
  account?: string,
): Promise<HttpResponse> {
  const url = new URL(realm);
  if (opts.service) url.searchParams.set('service', opts.service);
  for (const s of scopes) url.searchParams.append('scope', s);
  // distribution and containers/image send the user name as `account` (REGISTRIES.md).
  if (account) url.searchParams.set('account', account);
  if (opts.offline && authorization) {
    url.searchParams.set('offline_token', 'true');
    url.searchParams.set('client_id', opts.clientId ?? 'regctl');
  }
  return http.send({
    method: 'GET',
    url,
    headers: { accept: 'application/json', ...(authorization && { authorization }) },
    ...(opts.signal && { signal: opts.signal }),
  });
}

async function readReply(res: HttpResponse, realm: URL, opts: FetchTokenOptions): Promise<Token> {
  const host = opts.host ?? 'the registry';
  if (res.status === 401 || res.status === 403) {
    const errors = parseRegistryErrors(await readTextQuietly(res.body));
    const sent = Boolean(opts.credential?.identityToken || opts.credential?.password);
    throw new RegctlError(
      'UNAUTHORIZED',
      sent
        ? `the token service at ${realm.origin} rejected the credentials for ${host}`
        : `the token service at ${realm.origin} refused an anonymous token for ${host}`,
      { status: res.status, ...(errors && { registryErrors: errors }), hint: `regctl login ${opts.host ?? '<registry>'}` },
    );
  }
  if (res.status !== 200) {
    const errors = parseRegistryErrors(await readTextQuietly(res.body));
    throw new RegctlError('REGISTRY_ERROR', `the token service at ${realm.origin} answered ${res.status}`, {
      status: res.status,
      ...(errors && { registryErrors: errors }),
    });
  }
  const text = await readText(res.body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RegctlError('INVALID_INPUT', `the token service at ${realm.origin} replied with invalid JSON`);
  }
  return parseTokenReply(json);
}
