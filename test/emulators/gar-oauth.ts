/**
 * Google's identity endpoints, as google-auth-library uses them for Application Default
 * Credentials: the OAuth2 token endpoint (`oauth2.googleapis.com/token`: the service-account
 * JWT-bearer grant, gcloud's refresh-token grant), the STS token exchange of workload identity
 * federation (`sts.googleapis.com/v1/token`), and the GCE metadata server
 * (`/computeMetadata/v1/...`, `Metadata-Flavor: Google`, REGISTRIES.md). Access tokens are
 * opaque, live `accessTokenTtlSeconds` of real time, and are what the registry and the Artifact
 * Registry API accept.
 */
import { createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorCall } from './proxy.js';

/** A service account the emulator knows, and its key file as Google issues it. */
export interface ServiceAccount {
  email: string;
  keyFile: Record<string, string>;
  publicKey: KeyObject;
}

/** What the identity side knows and issued. */
export class GoogleIdentity {
  /** Access token -> expiry (epoch ms) and who it is for. */
  readonly accessTokens = new Map<string, { expiresAt: number; subject: string }>();
  readonly serviceAccounts = new Map<string, ServiceAccount>();
  /** Grants seen, by kind: `jwt-bearer`, `refresh_token`, `token-exchange`, `metadata`. */
  readonly grants: string[] = [];
  /** gcloud's ADC user (`gcloud auth application-default login`). */
  readonly user = { client_id: 'emulated-client.apps.googleusercontent.com', client_secret: randomBytes(12).toString('hex'), refresh_token: `1//${randomBytes(24).toString('base64url')}` };
  /** The workload identity pool audience and the OIDC token it accepts (GitHub's, in CI). */
  readonly wif = { audience: '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/github', subjectToken: `eyJ${randomBytes(24).toString('base64url')}` };

  constructor(public accessTokenTtlSeconds: number) {}

  /** Creates a service account with an RSA key, returning its JSON key file. */
  addServiceAccount(email: string, project: string): ServiceAccount {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyId = randomBytes(20).toString('hex');
    const sa: ServiceAccount = {
      email,
      publicKey,
      keyFile: {
        type: 'service_account',
        project_id: project,
        private_key_id: keyId,
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: email,
        client_id: '1234567890',
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: 'https://oauth2.googleapis.com/token',
      },
    };
    this.serviceAccounts.set(email, sa);
    return sa;
  }

  /** Issues an access token. */
  issue(subject: string): { access_token: string; expires_in: number; token_type: 'Bearer' } {
    const token = `ya29.${randomBytes(30).toString('base64url')}`;
    this.accessTokens.set(token, { expiresAt: Date.now() + this.accessTokenTtlSeconds * 1000, subject });
    return { access_token: token, expires_in: this.accessTokenTtlSeconds, token_type: 'Bearer' };
  }

  /** The subject of a live access token, or undefined. */
  check(token: string): string | undefined {
    const t = this.accessTokens.get(token);
    return t && Date.now() < t.expiresAt ? t.subject : undefined;
  }

  /** True for a `_json_key` login whose key is a known service account's. */
  checkJsonKey(json: string): string | undefined {
    try {
      const key = JSON.parse(json) as Record<string, string>;
      const sa = this.serviceAccounts.get(key.client_email ?? '');
      return sa && sa.keyFile.private_key === key.private_key ? sa.email : undefined;
    } catch {
      return undefined;
    }
  }

  /** `POST https://oauth2.googleapis.com/token`. */
  async oauthToken(call: EmulatorCall): Promise<void> {
    const form = new URLSearchParams((await call.body()).toString('utf8'));
    const grant = form.get('grant_type');
    const bad = (why: string) => call.json(400, { error: 'invalid_grant', error_description: why });
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const email = this.verifyAssertion(form.get('assertion') ?? '');
      if (typeof email !== 'string' || email.startsWith('!')) return bad(String(email).slice(1));
      this.grants.push('jwt-bearer');
      return call.json(200, this.issue(email));
    }
    if (grant === 'refresh_token') {
      const u = this.user;
      if (form.get('client_id') !== u.client_id || form.get('client_secret') !== u.client_secret || form.get('refresh_token') !== u.refresh_token) {
        return bad('Bad Request');
      }
      this.grants.push('refresh_token');
      return call.json(200, { ...this.issue('user@example.com'), scope: 'https://www.googleapis.com/auth/cloud-platform' });
    }
    return call.json(400, { error: 'unsupported_grant_type' });
  }

  /** Checks a service account's signed JWT (RS256, iss, aud, scope, exp); the email or `!reason`. */
  private verifyAssertion(jwt: string): string {
    const [h, p, sig] = jwt.split('.');
    if (!h || !p || !sig) return '!not a JWT';
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string; kid?: string };
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { iss?: string; aud?: string; scope?: string; exp?: number };
    const sa = this.serviceAccounts.get(claims.iss ?? '');
    if (!sa || header.alg !== 'RS256') return '!unknown service account';
    if (header.kid !== undefined && header.kid !== sa.keyFile.private_key_id) return '!unknown key id';
    const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(sa.publicKey, Buffer.from(sig, 'base64url'));
    if (!ok) return '!Invalid JWT Signature.';
    if (claims.aud !== 'https://oauth2.googleapis.com/token') return '!bad audience';
    if (!claims.scope?.split(' ').includes('https://www.googleapis.com/auth/cloud-platform')) return '!scope missing';
    if (!claims.exp || claims.exp * 1000 < Date.now()) return '!Invalid JWT: Token must be a short-lived token';
    return sa.email;
  }

  /** `POST https://sts.googleapis.com/v1/token`: workload identity federation's token exchange. */
  async stsToken(call: EmulatorCall): Promise<void> {
    const form = new URLSearchParams((await call.body()).toString('utf8'));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange') return call.json(400, { error: 'unsupported_grant_type' });
    if (form.get('audience') !== this.wif.audience || form.get('subject_token') !== this.wif.subjectToken) {
      return call.json(400, { error: 'invalid_grant', error_description: 'The audience or subject token is invalid.' });
    }
    this.grants.push('token-exchange');
    const t = this.issue('principal://iam.googleapis.com/ci');
    return call.json(200, { ...t, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' });
  }

  /** A GCE metadata server on 127.0.0.1 (plain http, as the real one), for GCE_METADATA_HOST. */
  async startMetadataServer(project: string): Promise<{ host: string; server: Server }> {
    const server = createServer((req, res) => {
      // The server refuses requests without the header (REGISTRIES.md, metadata server).
      if (req.headers['metadata-flavor'] !== 'Google') {
        res.writeHead(403, { 'content-type': 'text/plain' });
        return res.end('Missing Metadata-Flavor:Google header');
      }
      const path = (req.url ?? '').split('?')[0];
      const send = (status: number, body: string, type = 'application/text') => {
        res.writeHead(status, { 'metadata-flavor': 'Google', 'content-type': type });
        res.end(body);
      };
      if (path === '/computeMetadata/v1/instance' || path === '/computeMetadata/v1/instance/') return send(200, '{}', 'application/json');
      if (path === '/computeMetadata/v1/project/project-id') return send(200, project);
      if (path === '/computeMetadata/v1/instance/service-accounts/default/token') {
        this.grants.push('metadata');
        return send(200, JSON.stringify(this.issue(`vm@${project}.iam.gserviceaccount.com`)), 'application/json');
      }
      return send(404, 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }
}
