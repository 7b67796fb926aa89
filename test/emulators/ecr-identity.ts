/**
 * AWS identity sources the SDK's credential chain reaches in CI and on EC2, for the ECR
 * emulator: STS `AssumeRoleWithWebIdentity` (what `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`
 * trigger; GitHub's OIDC token in CI), reached with `AWS_ENDPOINT_URL_STS`, and the EC2 instance
 * metadata service (IMDSv2: `PUT /latest/api/token`, then the role's credentials), reached with
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT`. Both hand out temporary keys that the ECR API then
 * accepts with their session token. Shapes follow the STS API reference and the EC2 user guide.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EcrState } from './ecr-state.js';
import type { EmulatorCall } from './proxy.js';

/** Temporary credentials, as STS and IMDS return them. */
function temporaryKey(s: EcrState): { id: string; secret: string; token: string; expiration: string } {
  const id = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secret = randomBytes(20).toString('base64');
  s.secrets.set(id, secret);
  return { id, secret, token: randomBytes(32).toString('base64'), expiration: new Date(Date.now() + 3600_000).toISOString() };
}

/** The role and OIDC token the emulated STS trusts. */
export const WEB_IDENTITY = { roleArn: 'arn:aws:iam::123456789012:role/github-ci', token: `eyJ${randomBytes(24).toString('base64url')}.e30.sig` };

/**
 * `POST /` on the STS endpoint, `Action=AssumeRoleWithWebIdentity` (query protocol: a form body,
 * an XML answer). The call is not signed: the web identity token is the credential.
 */
export async function handleSts(call: EmulatorCall, s: EcrState): Promise<void> {
  const form = new URLSearchParams((await call.body()).toString('utf8'));
  const xml = (status: number, body: string) => {
    call.res.writeHead(status, { 'content-type': 'text/xml' });
    call.res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  if (form.get('Action') !== 'AssumeRoleWithWebIdentity') {
    return xml(400, '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>unsupported action</Message></Error></ErrorResponse>');
  }
  if (form.get('RoleArn') !== WEB_IDENTITY.roleArn || form.get('WebIdentityToken') !== WEB_IDENTITY.token) {
    return xml(403, '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>');
  }
  s.apiCalls.push('sts:AssumeRoleWithWebIdentity');
  const k = temporaryKey(s);
  xml(200, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials><AccessKeyId>${k.id}</AccessKeyId><SecretAccessKey>${k.secret}</SecretAccessKey><SessionToken>${k.token}</SessionToken><Expiration>${k.expiration}</Expiration></Credentials>
    <AssumedRoleUser><Arn>${WEB_IDENTITY.roleArn}/${form.get('RoleSessionName') ?? 'session'}</Arn><AssumedRoleId>AROAEMULATOR:session</AssumedRoleId></AssumedRoleUser>
    <SubjectFromWebIdentityToken>repo:org/app:ref:refs/heads/main</SubjectFromWebIdentityToken>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`);
}

/** An IMDSv2 server on 127.0.0.1 (plain http, as the real one) with one instance role. */
export async function startImds(s: EcrState): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sessions = new Set<string>();
  const role = 'ec2-ecr-push';
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    };
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return send(400, 'missing ttl');
      const token = randomBytes(24).toString('base64');
      sessions.add(token);
      return send(200, token);
    }
    // IMDSv2 only: every GET needs the session token.
    if (!sessions.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''))) return send(401, '');
    if (req.url === '/latest/meta-data/iam/security-credentials/') return send(200, role);
    if (req.url === `/latest/meta-data/iam/security-credentials/${role}`) {
      s.apiCalls.push('imds:credentials');
      const k = temporaryKey(s);
      return send(200, JSON.stringify({ Code: 'Success', LastUpdated: new Date().toISOString(), Type: 'AWS-HMAC', AccessKeyId: k.id, SecretAccessKey: k.secret, Token: k.token, Expiration: k.expiration }));
    }
    return send(404, '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
