/**
 * Amazon ECR emulator: the registry `<account>.dkr.ecr.<region>.amazonaws.com`, the ECR JSON API
 * for the real AWS SDK (`AWS_ENDPOINT_URL_ECR=https://127.0.0.1:<port>`), and an "S3" host for
 * blob downloads, on one TLS port in front of a real distribution registry. Each behaviour
 * follows REGISTRIES.md, "Amazon ECR (private)":
 * - `Basic realm="https://<host>/",service="ecr.amazonaws.com"`; the password is the one
 *   GetAuthorizationToken issued (12 h, or `tokenTtlSeconds`), refused once expired;
 * - a repository must exist before a push or pull (`NAME_UNKNOWN ... does not exist in the
 *   registry`), CreateRepository makes it;
 * - chunked uploads: every chunk but the last >= 5 MiB (`LayerPartTooSmallException`), PATCH
 *   answers 201, `Range` stops updating after the second PATCH, an empty closing PUT after
 *   PATCHes answers 500; blob mounts are ignored (BLOB_MOUNTING is opt-in);
 * - blob GETs redirect (307) to a presigned S3 URL, and S3 refuses a request that also carries
 *   `Authorization` ("Only one auth mechanism allowed", renovate#3877, opa#6580);
 * - immutable repositories refuse to overwrite a tag (`TAG_INVALID ... immutable`);
 * - BatchDeleteImage untags (deleting the image with its last tag), DescribeRepositories lists;
 * - AWS identities for the SDK's chain besides env vars: STS web identity and EC2 instance
 *   metadata (ecr-identity.ts).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RunningRegistry } from '../harness/registry.js';
import { handleEcrApi } from './ecr-api.js';
import { forward, handleUpload, reply } from './ecr-upload.js';
import { handleSts, startImds } from './ecr-identity.js';
import type { EcrState } from './ecr-state.js';
import { startEmulator, upstreamTags, v2Access, type Emulator, type EmulatorCall } from './proxy.js';

export type { EcrState } from './ecr-state.js';

/** Options of {@link startEcr}. */
export interface EcrOptions {
  account?: string;
  region?: string;
  /** Repositories that exist from the start (name -> immutable tags?). */
  repositories?: Record<string, { immutable?: boolean }>;
  /** Password lifetime; default 43200 s (12 h) as ECR's. */
  tokenTtlSeconds?: number;
  /** DescribeRepositories page size; default 100. */
  describePageSize?: number;
  /** Delay before each upload PATCH or PUT is answered. */
  uploadDelayMs?: number;
  upstream?: RunningRegistry;
}

/** A running ECR emulator. */
export interface EcrEmulator extends Emulator {
  state: EcrState;
  host: string;
  /** `AWS_ENDPOINT_URL_ECR` for the SDK. */
  apiUrl: string;
  /** `AWS_ENDPOINT_URL_STS`: AssumeRoleWithWebIdentity (ecr-identity.ts). */
  stsUrl: string;
  /** `AWS_EC2_METADATA_SERVICE_ENDPOINT`: an IMDSv2 server with an instance role. */
  imdsEndpoint: string;
  /** The AWS access key pair the emulator accepts. */
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * Environment for a CLI run with AWS credentials in env vars: connect-to rules, the SDK
   * endpoint, the CA for the SDK (NODE_EXTRA_CA_CERTS), no instance metadata probing.
   */
  awsEnv: Record<string, string>;
}

async function handleManifestPut(call: EmulatorCall, s: EcrState, repo: string, reference: string): Promise<void> {
  const body = await call.body();
  if (!reference.startsWith('sha256:') && s.repositories.get(repo)?.immutable && (await upstreamTags(s.upstream, repo)).has(reference)) {
    return call.error(400, 'TAG_INVALID', `The image tag '${reference}' already exists in the '${repo}' repository and cannot be overwritten because the tag is immutable.`);
  }
  const res = await forward(s.upstream, s.host, 'PUT', call.url.pathname + call.url.search, call.req.headers, body);
  return reply(call, res.status, res.headers, res.body);
}

/** The registry host: ECR's Basic auth, repository existence, uploads, S3 redirects. */
async function handleRegistry(call: EmulatorCall, s: EcrState): Promise<boolean | void> {
  const a = call.authorization;
  const expiry = a?.scheme === 'basic' && a.user === 'AWS' ? s.passwords.get(a.password) : undefined;
  const challenge = { 'www-authenticate': `Basic realm="https://${s.host}/",service="ecr.amazonaws.com"` };
  if (expiry === undefined) return call.error(401, 'DENIED', 'Not Authorized', challenge);
  if (Date.now() >= expiry) {
    s.expiredRefused++;
    return call.error(401, 'DENIED', 'Your authorization token has expired. Reauthenticate and try again.', challenge);
  }
  s.passwordsUsed.add((a as { password: string }).password);
  const path = call.url.pathname;
  if (path === '/v2/' || path === '/v2') return false;
  const access = v2Access(call.method, path);
  if (!access) return call.error(404, 'NOT_FOUND', 'not supported by this emulator');
  if (!s.repositories.has(access.repo)) {
    return call.error(404, 'NAME_UNKNOWN', `The repository with name '${access.repo}' does not exist in the registry with id '${s.account}'`);
  }
  const rest = path.slice(`/v2/${access.repo}/`.length);
  if (rest.startsWith('blobs/uploads')) return handleUpload(call, s, access.repo);
  const blob = /^blobs\/(sha256:[0-9a-f]{64})$/.exec(rest);
  if (blob && call.method === 'GET') {
    // A presigned S3 URL: the signature is the only credential there.
    const signature = createHmac('sha256', s.account).update(`${access.repo}@${blob[1]}@${randomBytes(4).toString('hex')}`).digest('hex');
    s.presigned.set(signature, { repo: access.repo, digest: blob[1]! });
    const q = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `ASIAEMULATOR/20250101/${s.region}/s3/aws4_request`,
      'X-Amz-Date': '20250101T000000Z',
      'X-Amz-Expires': '3600',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': signature,
    });
    call.res.writeHead(307, { location: `https://${s.s3Host}/${s.account}/${blob[1]!.replace(':', '/')}?${q}`, 'content-length': '0' });
    call.res.end();
    return;
  }
  const manifest = /^manifests\/(.+)$/.exec(rest);
  if (manifest && call.method === 'PUT') return handleManifestPut(call, s, access.repo, decodeURIComponent(manifest[1]!));
  return false;
}

/** The "S3" bucket: presigned GETs only, and never together with an Authorization header. */
async function handleS3(call: EmulatorCall, s: EcrState): Promise<void> {
  const xml = (status: number, code: string, message: string) => {
    call.res.writeHead(status, { 'content-type': 'application/xml' });
    call.res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
  };
  if (call.req.headers.authorization) {
    s.violations.push('Authorization sent to S3');
    return xml(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
  }
  const grant = s.presigned.get(call.url.searchParams.get('X-Amz-Signature') ?? '');
  if (!grant || (call.method !== 'GET' && call.method !== 'HEAD')) return xml(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  const headers: IncomingHttpHeaders = {};
  if (call.req.headers.range) headers.range = call.req.headers.range;
  const res = await forward(s.upstream, s.host, call.method, `/v2/${grant.repo}/blobs/${grant.digest}`, headers);
  const out: IncomingHttpHeaders = { 'content-type': 'application/octet-stream' };
  for (const h of ['content-range', 'etag', 'accept-ranges']) if (res.headers[h]) out[h] = res.headers[h];
  reply(call, res.status, out, res.body);
}

/** Starts the emulator. */
export async function startEcr(opts: EcrOptions = {}): Promise<EcrEmulator> {
  const account = opts.account ?? '123456789012';
  const region = opts.region ?? 'us-east-1';
  const host = `${account}.dkr.ecr.${region}.amazonaws.com`;
  const s3Host = `prod-${region}-starport-layer-bucket.s3.${region}.amazonaws.com`;
  const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(20).toString('base64');
  const state = {} as EcrState;
  const emulator = await startEmulator({
    names: [host, s3Host],
    ...(opts.upstream && { upstream: opts.upstream }),
    handler: (call) => {
      if (call.host === host) return handleRegistry(call, state);
      if (call.host === s3Host) return handleS3(call, state);
      if (call.host === '127.0.0.1') return call.url.pathname.startsWith('/sts') ? handleSts(call, state) : handleEcrApi(call, state);
      return call.error(404, 'NOT_FOUND', `unknown host ${call.host}`);
    },
  });
  Object.assign(state, {
    account, region, host, s3Host,
    upstream: emulator.upstream,
    repositories: new Map(Object.entries(opts.repositories ?? {}).map(([k, v]) => [k, { immutable: v.immutable ?? false }])),
    passwords: new Map(),
    secrets: new Map([[accessKeyId, secretAccessKey]]),
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 43200,
    describePageSize: opts.describePageSize ?? 100,
    uploadDelayMs: opts.uploadDelayMs ?? 0,
    uploads: new Map(),
    presigned: new Map(),
    calls: {},
    apiCalls: [],
    created: [],
    violations: [],
    passwordsUsed: new Set(),
    expiredRefused: 0,
  } satisfies EcrState);
  const apiUrl = `https://127.0.0.1:${emulator.port}`;
  const imds = await startImds(state);
  return {
    ...emulator,
    state,
    host,
    apiUrl,
    stsUrl: `${apiUrl}/sts`,
    imdsEndpoint: imds.endpoint,
    close: async () => {
      await imds.close();
      await emulator.close();
    },
    accessKeyId,
    secretAccessKey,
    awsEnv: {
      ...emulator.env,
      AWS_ENDPOINT_URL_ECR: apiUrl,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      NODE_EXTRA_CA_CERTS: emulator.caFile,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  };
}
