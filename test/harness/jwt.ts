/**
 * Minimal RS256 JWT signing and decoding for the test token server, in the shape CNCF
 * distribution's `auth.token` verifier accepts (registry/auth/token/token.go): the signing
 * certificate travels in the `x5c` header and must chain to `rootcertbundle`.
 */
import { X509Certificate, createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';

/** One entry of the `access` claim: what the bearer may do on one resource. */
export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

/** The claims the harness signs. */
export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: AccessEntry[];
}

/** Signs claims with an RSA key; holds the parsed key and the cert's DER once. */
export class JwtSigner {
  private readonly key: KeyObject;
  private readonly x5c: string;

  constructor(signingKeyPem: string, signingCertPem: string) {
    this.key = createPrivateKey(signingKeyPem);
    // x5c entries are standard base64 (not base64url) DER, per RFC 7515 section 4.1.6.
    this.x5c = new X509Certificate(signingCertPem).raw.toString('base64');
  }

  /** Builds and signs a token for `sub` with the given access list, valid `ttl` seconds. */
  issue(opts: { iss: string; aud: string; sub: string; access: AccessEntry[]; ttl: number }): string {
    const now = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      iss: opts.iss,
      sub: opts.sub,
      aud: opts.aud,
      exp: now + opts.ttl,
      // Back-dated a little so a token minted in the same second is never "not yet valid".
      nbf: now - 1,
      iat: now,
      jti: randomUUID(),
      access: opts.access,
    };
    const header = { typ: 'JWT', alg: 'RS256', x5c: [this.x5c] };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), this.key);
    return `${signingInput}.${signature.toString('base64url')}`;
  }
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

/** Decodes (without verifying) a JWT's claims; for assertions in tests. */
export function decodeJwtClaims(token: string): TokenClaims {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as TokenClaims;
}
