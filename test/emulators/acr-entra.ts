/**
 * Microsoft Entra ID (AAD), as `@azure/identity` reaches it through `AZURE_AUTHORITY_HOST`: the
 * OpenID configuration MSAL reads first, and the v2.0 token endpoint with the client-credentials
 * grant by client secret (EnvironmentCredential) or by a federated assertion
 * (WorkloadIdentityCredential with `AZURE_FEDERATED_TOKEN_FILE`, as GitHub OIDC sets it up).
 * Access tokens are JWTs carrying `tid` and `aud`, which ACR's `/oauth2/exchange` checks.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorCall } from './proxy.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A JWT-shaped token (the emulator keeps what it issued; the signature is opaque). */
export function jwt(claims: Record<string, unknown>): string {
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.${randomBytes(32).toString('base64url')}`;
}

/** The claims of a JWT-shaped token, or undefined. */
export function claimsOf(token: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The Entra tenant, its app registration and the tokens it issued. */
export class EntraTenant {
  readonly tenantId = '72f988bf-0000-4000-8000-00000000c0de';
  readonly clientId = 'a1b2c3d4-0000-4000-8000-0000000000aa';
  readonly clientSecret = `Q~${randomBytes(18).toString('base64url')}`;
  /** The OIDC token a federated credential trusts (GitHub's, in CI). */
  readonly federatedToken = `eyJ${randomBytes(24).toString('base64url')}.e30.sig`;
  /** Access token -> expiry (epoch ms). */
  readonly issued = new Map<string, number>();
  /** Grants seen: `client_secret` or `client_assertion`, with the scope asked for. */
  readonly grants: Array<{ kind: string; scope: string }> = [];

  constructor(private readonly origin: () => string, public accessTokenTtlSeconds = 3600) {}

  /** Answers the authority's requests; false when the path is not the authority's. */
  async handle(call: EmulatorCall): Promise<boolean | void> {
    const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(call.url.pathname);
    if (!m || m[1] !== this.tenantId) return call.json(400, { error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${m?.[1]}' not found.` });
    const base = `${this.origin()}/${this.tenantId}`;
    if (m[2]!.startsWith('v2.0')) {
      return call.json(200, {
        issuer: `${base}/v2.0`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (call.method !== 'POST') return call.json(405, { error: 'invalid_request' });
    const form = new URLSearchParams((await call.body()).toString('utf8'));
    const scope = form.get('scope') ?? '';
    const bad = (code: string, description: string) => call.json(401, { error: code, error_description: description });
    if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== this.clientId) return bad('invalid_client', 'AADSTS700016: unknown application');
    let kind: string;
    if (form.get('client_secret') !== null) {
      if (form.get('client_secret') !== this.clientSecret) return bad('invalid_client', 'AADSTS7000215: Invalid client secret provided.');
      kind = 'client_secret';
    } else if (form.get('client_assertion') !== null) {
      if (form.get('client_assertion') !== this.federatedToken) return bad('invalid_client', 'AADSTS70021: No matching federated identity record found.');
      kind = 'client_assertion';
    } else return bad('invalid_client', 'AADSTS7000218: credentials missing');
    if (!scope.endsWith('/.default')) return call.json(400, { error: 'invalid_scope' });
    this.grants.push({ kind, scope });
    const now = Math.floor(Date.now() / 1000);
    const token = jwt({ aud: scope.replace(/\/\.default$/, ''), iss: `${base}/v2.0`, tid: this.tenantId, appid: this.clientId, oid: randomBytes(8).toString('hex'), iat: now, exp: now + this.accessTokenTtlSeconds });
    this.issued.set(token, Date.now() + this.accessTokenTtlSeconds * 1000);
    return call.json(200, { token_type: 'Bearer', expires_in: this.accessTokenTtlSeconds, ext_expires_in: this.accessTokenTtlSeconds, access_token: token });
  }

  /** True for a live access token this tenant issued for `audience`. */
  check(token: string, audience: string): boolean {
    const exp = this.issued.get(token);
    return exp !== undefined && Date.now() < exp && claimsOf(token)?.aud === audience;
  }
}
