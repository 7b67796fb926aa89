/**
 * Amazon ECR registry host names, parsed for the account and region that GetAuthorizationToken
 * needs. Pure: no I/O, no SDK.
 *
 *     <12 digits>.dkr.ecr[-fips].<region>.<suffix>        the classic endpoint
 *     <12 digits>.dkr-ecr[-fips].<region>.on.aws          the dual-stack (IPv6) endpoint
 *
 * with suffix one of amazonaws.com, amazonaws.com.cn (China), amazonaws.eu (European Sovereign
 * Cloud), on.aws, on.amazonwebservices.com.cn (dual-stack), sc2s.sgov.gov, c2s.ic.gov,
 * cloud.adc-e.uk, csp.hci.ic.gov (ISO partitions). The list and its shape follow
 * amazon-ecr-credential-helper ecr-login/api/client.go `ecrPattern` and kubernetes
 * cloud-provider-aws cmd/ecr-credential-provider (REGISTRIES.md, "Amazon ECR (private)").
 */

/** What a private ECR host names. */
export interface EcrHost {
  /** The 12-digit AWS account id (the registry id). */
  account: string;
  region: string;
  /** The `-fips` endpoint: the API must be called on its FIPS endpoint too. */
  fips: boolean;
  /** The DNS suffix after the region, e.g. `amazonaws.com.cn`. */
  suffix: string;
}

const SUFFIXES = [
  'amazonaws.com',
  'amazonaws.com.cn',
  'amazonaws.eu',
  'on.aws',
  'on.amazonwebservices.com.cn',
  'sc2s.sgov.gov',
  'c2s.ic.gov',
  'cloud.adc-e.uk',
  'csp.hci.ic.gov',
];

const escape = (s: string) => s.replace(/[.]/g, '\\.');

// Anchored at both ends: `123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example` and
// `evil-123456789012.dkr.ecr...` are look-alikes that must never receive AWS credentials.
const ECR_PRIVATE = new RegExp(
  `^(\\d{12})\\.dkr[.-]ecr(-fips)?\\.([a-z0-9][a-z0-9-]*)\\.(${SUFFIXES.map(escape).join('|')})$`,
);

/** The ECR Public registry host (REGISTRIES.md, "ECR Public"). */
export const ECR_PUBLIC_HOST = 'public.ecr.aws';

/** ECR Public's API exists in us-east-1 only (REGISTRIES.md; ecr-login api/client.go). */
export const ECR_PUBLIC_REGION = 'us-east-1';

/**
 * Parses a private ECR registry host (as written in a reference, lower-case, no port), or
 * returns undefined for anything else, look-alikes included.
 */
export function parseEcrHost(host: string): EcrHost | undefined {
  const m = ECR_PRIVATE.exec(host);
  if (!m) return undefined;
  const [, account, fips, region, suffix] = m as unknown as [string, string, string | undefined, string, string];
  // Region names are letters, digits and single dashes (us-east-1, us-gov-west-1, cn-north-1).
  if (!/^[a-z]+(?:-[a-z0-9]+)+$/.test(region)) return undefined;
  return { account, region, fips: fips !== undefined, suffix };
}
