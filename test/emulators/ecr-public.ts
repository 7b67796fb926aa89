/**
 * Amazon ECR Public emulator: `public.ecr.aws` with its token service, and the ecr-public JSON
 * API (`X-Amz-Target: SpencerFrontendService.<Op>`: GetAuthorizationToken here, DescribeRepositories
 * and BatchDeleteImage in ecr-public-api.ts; SigV4 service `ecr-public`,
 * us-east-1 only) for the real `@aws-sdk/client-ecr-public` at `AWS_ENDPOINT_URL_ECR_PUBLIC`, in
 * front of a real distribution registry. REGISTRIES.md, "ECR Public":
 * `Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws"`; anonymous callers get
 * pull tokens; Basic `AWS:<password>` from GetAuthorizationToken gets push too.
 */
import { randomBytes } from 'node:crypto';
import { verifySigV4 } from './aws-sigv4.js';
import { ecrPublicOps, type EcrPublicRegistry } from './ecr-public-api.js';
import { startEmulator, v2Access, type Emulator, type EmulatorCall } from './proxy.js';
import { TokenIssuer, allows, parseScopes } from './tokens.js';

export const ECR_PUBLIC = 'public.ecr.aws';

/** The alias of the registry the emulated AWS credentials own (`public.ecr.aws/alias/...`). */
export const ECR_PUBLIC_ALIAS = 'alias';

const TARGET_PREFIX = 'SpencerFrontendService.';

/** A running ECR Public emulator. */
export interface EcrPublicEmulator extends Emulator {
  accessKeyId: string;
  secretAccessKey: string;
  /** Token requests: `anonymous` or `AWS`. */
  tokenRequests: string[];
  getAuthorizationTokenCalls: number;
  /** The ecr-public API operations called, in order. */
  apiCalls: string[];
  /** Environment for the CLI with AWS credentials in env vars. */
  awsEnv: Record<string, string>;
}

/** Starts the emulator. */
export async function startEcrPublic(): Promise<EcrPublicEmulator> {
  const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(20).toString('base64');
  const passwords = new Set<string>();
  const tokens = new TokenIssuer('ecrpub');
  const tokenRequests: string[] = [];
  const counters = { getAuthorizationToken: 0 };
  const apiCalls: string[] = [];
  let own: EcrPublicRegistry | undefined;

  const api = async (call: EmulatorCall) => {
    const body = await call.body();
    const id = verifySigV4({ method: call.method, path: call.url.pathname, headers: call.req.headers, body }, new Map([[accessKeyId, secretAccessKey]]));
    const fail = (type: string, message: string) => call.json(400, { __type: type, message }, { 'content-type': 'application/x-amz-json-1.1' });
    if (typeof id === 'string') return fail('InvalidSignatureException', id);
    if (id.service !== 'ecr-public' || id.region !== 'us-east-1') return fail('InvalidSignatureException', `scope ${id.region}/${id.service}`);
    const target = String(call.req.headers['x-amz-target'] ?? '');
    const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    apiCalls.push(op);
    const other = ecrPublicOps[op];
    if (other && own) return other(call, own, JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>);
    if (op !== 'GetAuthorizationToken') return fail('UnknownOperationException', `unknown operation ${target}`);
    counters.getAuthorizationToken++;
    const password = randomBytes(24).toString('base64url');
    passwords.add(password);
    // ecr-public returns one authorizationData object, not a list (API reference).
    return call.json(200, { authorizationData: { authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'), expiresAt: Date.now() / 1000 + 43200 } }, { 'content-type': 'application/x-amz-json-1.1' });
  };

  const registry = (call: EmulatorCall): boolean | void => {
    if (call.url.pathname === '/token/' || call.url.pathname === '/token') {
      const a = call.authorization;
      let push = false;
      if (a) {
        if (a.scheme !== 'basic' || a.user !== 'AWS' || !passwords.has(a.password)) return call.json(401, { errors: [{ code: 'DENIED', message: 'Your authorization token is invalid.' }] });
        push = true;
      }
      tokenRequests.push(push ? 'AWS' : 'anonymous');
      const access = parseScopes(call.url.searchParams.getAll('scope')).map((s) => ({ repo: s.repo, actions: push ? s.actions : s.actions.filter((x) => x === 'pull') }));
      const { token } = tokens.issue(push ? 'AWS' : '', access, 300);
      return call.json(200, { token });
    }
    const challenge = (scope = '') => ({ 'www-authenticate': `Bearer realm="https://${ECR_PUBLIC}/token/",service="${ECR_PUBLIC}"${scope}` });
    const grant = call.authorization?.scheme === 'bearer' ? tokens.check(call.authorization.token) : undefined;
    if (call.url.pathname === '/v2/' || call.url.pathname === '/v2') return grant ? call.json(200, {}) : call.error(401, 'UNAUTHORIZED', 'Not Authorized', challenge());
    const access = v2Access(call.method, call.url.pathname);
    if (!access) return call.error(404, 'NOT_FOUND', 'not found');
    if (!grant || !allows(grant, access.repo, access.action)) {
      return call.error(401, 'DENIED', 'Not Authorized', challenge(`,scope="repository:${access.repo}:${access.action}"`));
    }
    return false;
  };

  const emulator = await startEmulator({
    names: [ECR_PUBLIC],
    handler: (call) => (call.host === ECR_PUBLIC ? registry(call) : call.host === '127.0.0.1' ? api(call) : call.error(404, 'NOT_FOUND', 'unknown host')),
  });
  own = { account: '123456789012', alias: ECR_PUBLIC_ALIAS, upstream: emulator.upstream, pageSize: 1 };
  return {
    ...emulator,
    apiCalls,
    accessKeyId,
    secretAccessKey,
    tokenRequests,
    get getAuthorizationTokenCalls() {
      return counters.getAuthorizationToken;
    },
    awsEnv: {
      ...emulator.env,
      AWS_ENDPOINT_URL_ECR_PUBLIC: `https://127.0.0.1:${emulator.port}`,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      NODE_EXTRA_CA_CERTS: emulator.caFile,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  };
}
