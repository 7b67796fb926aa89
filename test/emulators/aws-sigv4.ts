/**
 * Checks AWS Signature Version 4 on requests the real AWS SDK sends to an emulated AWS API, with
 * the secret the test handed the SDK: the emulator then knows the SDK found exactly those
 * credentials in its chain and signed for the right region and service. Follows the SigV4 spec
 * (AWS General Reference, "Create a signed AWS API request"); the emulated APIs (ECR, STS) use
 * the path `/` and no query, so only those canonical forms are covered.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A signed request, as the emulator received it. */
export interface SignedRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Who signed, when the signature is right. */
export interface SigV4Identity {
  accessKeyId: string;
  region: string;
  service: string;
  /** `x-amz-security-token`, for temporary credentials. */
  sessionToken?: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .map((p) => p.split('='))
    .map(([k = '', v = '']) => [decodeURIComponent(k), decodeURIComponent(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

/**
 * Verifies `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request,
 * SignedHeaders=..., Signature=...` against `secrets` (access key id -> secret key). Returns the
 * identity, or a reason string when anything is off.
 */
export function verifySigV4(req: SignedRequest, secrets: ReadonlyMap<string, string>): SigV4Identity | string {
  const auth = req.headers.authorization;
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth ?? '');
  if (!m) return 'missing or malformed SigV4 Authorization';
  const [, akid, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const secret = secrets.get(akid!);
  if (secret === undefined) return `unknown access key ${akid}`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!)) return 'x-amz-date does not match the credential scope';
  const names = signedHeaders!.split(';');
  if (!names.includes('host')) return 'host is not signed';
  const canonicalHeaders = names.map((n) => {
    const v = req.headers[n];
    const value = Array.isArray(v) ? v.join(',') : (v ?? '');
    return `${n}:${value.trim().replace(/\s+/g, ' ')}\n`;
  }).join('');
  const [path = '/', query = ''] = req.path.split('?');
  const payloadHash = typeof req.headers['x-amz-content-sha256'] === 'string' ? req.headers['x-amz-content-sha256'] : sha256(req.body);
  const canonicalRequest = [req.method, path, canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  const expected = hmac(key, stringToSign);
  if (!timingSafeEqual(expected, Buffer.from(signature!, 'hex'))) return 'signature does not match';
  const token = req.headers['x-amz-security-token'];
  return { accessKeyId: akid!, region: region!, service: service!, ...(typeof token === 'string' && { sessionToken: token }) };
}
