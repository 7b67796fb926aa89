/**
 * A credential for one registry host. At most one of the three forms is normally set:
 * username+password (Basic, or Basic to a token service), an OAuth2 refresh token
 * (`identitytoken` in docker's config), or a ready bearer token (`registrytoken`).
 */
export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token, sent in the token service's POST form. */
  identityToken?: string;
  /** A bearer token to send to the registry as is. */
  registryToken?: string;
  /** Where it came from, for `--verbose` and `login --show`; never the secret itself. */
  source?: string;
  /**
   * When the secret stops working (epoch ms), for short-lived credentials minted by a cloud SDK
   * (ECR's 12 h password, a Google access token, an ACR refresh token). The auth layer asks its
   * credential provider again before then, so a long copy never sends an expired secret.
   */
  expiresAt?: number;
}

/** Finds the credential for a registry host (`docker.io`, `localhost:5000`, ...). */
export interface CredentialProvider {
  get(host: string): Promise<Credential | undefined>;
}
