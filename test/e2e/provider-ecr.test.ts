import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { OCI_INDEX, OCI_MANIFEST, pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { startEcr, type EcrEmulator } from '../emulators/ecr.js';
import { WEB_IDENTITY } from '../emulators/ecr-identity.js';
import { ECR_PUBLIC, ECR_PUBLIC_ALIAS, startEcrPublic, type EcrPublicEmulator } from '../emulators/ecr-public.js';
import { upstreamTags } from '../emulators/proxy.js';

const MiB = 1024 * 1024;

/** The digest the registry behind the emulator serves for `repo:ref`, read without regctl. */
async function upstreamDigest(reg: RunningRegistry, repo: string, ref: string): Promise<string | undefined> {
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${ref}`, { method: 'HEAD', headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } });
  return res.status === 200 ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
}

// Users of ECR have AWS credentials (env vars, a profile, SSO, web identity, an instance role)
// and nothing else: regctl must log in from those alone, through the real AWS SDK pointed at the
// emulator's ECR API (AWS_ENDPOINT_URL_ECR).
describe('Amazon ECR (emulated)', () => {
  let src: RunningRegistry;
  let ecr: EcrEmulator;
  let cfg: TempDockerConfig;
  let home: string;
  let image: BuiltImage;
  const cli = (args: string[], env: Record<string, string> = ecr.awsEnv) =>
    runCli(['--ca-file', ecr.caFile, ...args], { env: { ...cfg.env, HOME: home, ...env }, timeoutMs: 45_000 });

  beforeAll(async () => {
    src = await startRegistry({ mode: 'anonymous' });
    ecr = await startEcr({ repositories: { 'existing/app': {}, 'locked/app': { immutable: true } }, describePageSize: 2 });
    cfg = await tempDockerConfig();
    home = await mkdtemp(join(tmpdir(), 'regctl-ecr-home-'));
    // One layer over ECR's 5 MiB part minimum, so the upload takes the chunked path with a
    // full-size chunk and a last chunk carried in the PUT.
    image = await pushImage(targetFor(src, 'app'), 'app', 'v1', { layers: 2, layerSize: 6 * MiB });
  });
  afterAll(async () => {
    await ecr?.close();
    await src?.stop();
    await cfg?.cleanup();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('copies to ECR with AWS env credentials, creating the repository and following its upload rules', async () => {
    const r = await cli(['copy', `${src.host}/app:v1`, `${ecr.host}/team/app:v1`]);
    // Besides the per-blob progress lines (stderr is a pipe), only the creation notice.
    expect(r.stderr.split('\n').filter((l) => !/^(copying|copied|skipped|mounted|pushed manifest) /.test(l)))
      .toEqual([`created ECR repository ${ecr.host}/team/app`, '']);
    expect(r.stderr).toContain(`pushed manifest ${image.digest} to ${ecr.host}/team/app:v1 as v1`);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${ecr.host}/team/app@${image.digest}`);
    expect(ecr.state.created).toEqual(['team/app']);
    expect(ecr.state.violations).toEqual([]);
    expect(ecr.state.calls.GetAuthorizationToken).toBeGreaterThanOrEqual(1);
    expect(await upstreamDigest(ecr.upstream, 'team/app', 'v1')).toBe(image.digest);
    // The 6 MiB layer went up in chunks: at least one PATCH (answered 201) before the PUT.
    expect(ecr.requests.some((q) => q.method === 'PATCH' && q.status === 201)).toBe(true);
  });

  it('copies from ECR, following blob redirects to S3 without sending Authorization there', async () => {
    const r = await cli(['-q', 'copy', `${ecr.host}/team/app:v1`, `${src.host}/back:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await upstreamDigest(src, 'back', 'v1')).toBe(image.digest);
    const s3 = ecr.requests.filter((q) => q.host === ecr.state.s3Host);
    expect(s3.length).toBeGreaterThanOrEqual(image.layers.length);
    expect(s3.every((q) => q.auth === undefined && q.status === 200)).toBe(true);
    expect(ecr.state.violations).toEqual([]);
  });

  it('tags, lists tags, and deletes one tag while another on the same digest stays', async () => {
    expect((await cli(['tag', `${ecr.host}/team/app:v1`, 'v2'])).code).toBe(0);
    const tags = await cli(['list', `${ecr.host}/team/app`]);
    expect(tags.stdout.trim().split('\n').sort()).toEqual(['v1', 'v2']);

    const del = await cli(['delete', `${ecr.host}/team/app:v1`]);
    expect(del.stderr).toBe('');
    expect(del.code).toBe(0);
    expect(ecr.state.apiCalls).toContain('BatchDeleteImage');
    expect([...(await upstreamTags(ecr.upstream, 'team/app')).keys()]).toEqual(['v2']);
    expect(await upstreamDigest(ecr.upstream, 'team/app', image.digest)).toBe(image.digest);

    const missing = await cli(['delete', `${ecr.host}/team/app:nope`]);
    expect(missing.code).toBe(4);
  });

  it('lists repositories through DescribeRepositories, across pages, and by namespace', async () => {
    const all = await cli(['list', ecr.host]);
    expect(all.stderr).toBe('');
    expect(all.stdout.trim().split('\n')).toEqual(['existing/app', 'locked/app', 'team/app']);
    const team = await cli(['list', `${ecr.host}/team/`]);
    expect(team.stdout.trim().split('\n')).toEqual(['team/app']);
  });

  it('with --no-create-repo leaves a missing repository missing and fails with NAME_UNKNOWN', async () => {
    const r = await cli(['copy', '--no-create-repo', `${src.host}/app:v1`, `${ecr.host}/nocreate/app:v1`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/does not exist/);
    expect(ecr.state.created).not.toContain('nocreate/app');
  });

  it('explains an immutable tag', async () => {
    expect((await cli(['copy', `${src.host}/app:v1`, `${ecr.host}/locked/app:v1`])).code).toBe(0);
    expect(ecr.state.created).not.toContain('locked/app');
    const other = await pushImage(targetFor(src, 'other'), 'other', 'v1', { layerSize: 512 });
    const r = await cli(['copy', `${src.host}/other:v1`, `${ecr.host}/locked/app:v1`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/immutable/);
    expect(await upstreamDigest(ecr.upstream, 'locked/app', 'v1')).toBe(image.digest);
    expect(other.digest).not.toBe(image.digest);
  });

  it('takes credentials from a profile in the shared credentials file', async () => {
    const file = join(home, 'aws-credentials');
    await writeFile(file, `[ci]\naws_access_key_id = ${ecr.accessKeyId}\naws_secret_access_key = ${ecr.secretAccessKey}\n`, { mode: 0o600 });
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...rest } = ecr.awsEnv;
    const r = await cli(['list', `${ecr.host}/team/app`], { ...rest, AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: join(home, 'none'), AWS_PROFILE: 'ci' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('v2');
  });

  it('takes credentials from a web identity token (GitHub OIDC) through STS', async () => {
    const tokenFile = join(home, 'web-identity-token');
    await writeFile(tokenFile, WEB_IDENTITY.token);
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...rest } = ecr.awsEnv;
    const r = await cli(['list', `${ecr.host}/team/app`], {
      ...rest, AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
      AWS_ROLE_ARN: WEB_IDENTITY.roleArn, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ENDPOINT_URL_STS: ecr.stsUrl, AWS_REGION: 'us-east-1',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('v2');
    expect(ecr.state.apiCalls).toContain('sts:AssumeRoleWithWebIdentity');
  });

  it('takes credentials from the EC2 instance role (IMDSv2)', async () => {
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, AWS_EC2_METADATA_DISABLED: _off, ...rest } = ecr.awsEnv;
    const r = await cli(['list', `${ecr.host}/team/app`], {
      ...rest, AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'), AWS_EC2_METADATA_SERVICE_ENDPOINT: ecr.imdsEndpoint,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('v2');
    expect(ecr.state.apiCalls).toContain('imds:credentials');
  });

  it('without AWS credentials says so, with exit code 3, and never leaks the secret key', async () => {
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...rest } = ecr.awsEnv;
    const none = await cli(['list', `${ecr.host}/team/app`], { ...rest, AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') });
    expect(none.code).toBe(3);
    const wrong = await cli(['--verbose', 'list', `${ecr.host}/team/app`], { ...ecr.awsEnv, AWS_SECRET_ACCESS_KEY: 'wrong-secret-key-123456' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/InvalidSignature|signature/i);
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-secret-key-123456');
  });
});

describe('Amazon ECR password expiring during a copy', () => {
  let src: RunningRegistry;
  let ecr: EcrEmulator;
  let home: string;

  beforeAll(async () => {
    src = await startRegistry({ mode: 'anonymous' });
    // Passwords live 2 s; every upload PATCH/PUT takes 0.4 s, one blob at a time: the copy
    // needs several passwords.
    ecr = await startEcr({ repositories: { slow: {} }, tokenTtlSeconds: 2, uploadDelayMs: 400 });
    home = await mkdtemp(join(tmpdir(), 'regctl-ecr-home-'));
  });
  afterAll(async () => {
    await ecr?.close();
    await src?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('fetches a new password from GetAuthorizationToken and finishes', async () => {
    const image = await pushImage(targetFor(src, 'big'), 'big', 'v1', { layers: 4, layerSize: 6 * MiB });
    const started = Date.now();
    const r = await runCli(['--ca-file', ecr.caFile, '-q', 'copy', '--concurrency', '1', `${src.host}/big:v1`, `${ecr.host}/slow:v1`], {
      env: { HOME: home, ...ecr.awsEnv },
      timeoutMs: 45_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(2 * 2000);
    expect(ecr.state.calls.GetAuthorizationToken).toBeGreaterThanOrEqual(2);
    expect(ecr.state.passwordsUsed.size).toBeGreaterThanOrEqual(2);
    expect(await upstreamDigest(ecr.upstream, 'slow', 'v1')).toBe(image.digest);
  });
});

describe('Amazon ECR Public (emulated)', () => {
  let src: RunningRegistry;
  let pub: EcrPublicEmulator;
  let home: string;
  const cli = (args: string[], env: Record<string, string>) => runCli(['--ca-file', pub.caFile, ...args], { env: { HOME: home, ...env }, timeoutMs: 45_000 });
  const noAws = () => {
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...rest } = pub.awsEnv;
    return { ...rest, AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') };
  };

  beforeAll(async () => {
    src = await startRegistry({ mode: 'anonymous' });
    pub = await startEcrPublic();
    home = await mkdtemp(join(tmpdir(), 'regctl-ecrpub-home-'));
  });
  afterAll(async () => {
    await pub?.close();
    await src?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('pulls anonymously without AWS credentials', async () => {
    const image = await pushImage(targetFor(pub.upstream, 'alias/tool'), 'alias/tool', 'v1');
    const r = await cli(['-q', 'copy', `${ECR_PUBLIC}/alias/tool:v1`, `${src.host}/tool:v1`], noAws());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await upstreamDigest(src, 'tool', 'v1')).toBe(image.digest);
    expect(pub.tokenRequests).toContain('anonymous');
    expect(pub.getAuthorizationTokenCalls).toBe(0);
  });

  it('pushes with an ecr-public GetAuthorizationToken login, and is refused without one', async () => {
    const image = await pushImage(targetFor(src, 'mine'), 'mine', 'v1');
    const denied = await cli(['copy', `${src.host}/mine:v1`, `${ECR_PUBLIC}/alias/mine:v1`], noAws());
    expect(denied.code).toBe(3);
    const r = await cli(['-q', 'copy', `${src.host}/mine:v1`, `${ECR_PUBLIC}/alias/mine:v1`], pub.awsEnv);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(pub.getAuthorizationTokenCalls).toBeGreaterThanOrEqual(1);
    expect(pub.tokenRequests).toContain('AWS');
    expect(await upstreamDigest(pub.upstream, 'alias/mine', 'v1')).toBe(image.digest);
  });

  it('lists the caller\'s repositories by alias through DescribeRepositories, across pages', async () => {
    await pushImage(targetFor(pub.upstream, 'alias/listed-a'), 'alias/listed-a', 'v1');
    await pushImage(targetFor(pub.upstream, 'alias/team/listed-b'), 'alias/team/listed-b', 'v1');
    await pushImage(targetFor(pub.upstream, 'stranger/app'), 'stranger/app', 'v1');
    const before = pub.apiCalls.filter((c) => c === 'DescribeRepositories').length;
    const r = await cli(['list', `${ECR_PUBLIC}/${ECR_PUBLIC_ALIAS}/`], pub.awsEnv);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const names = r.stdout.trim().split('\n');
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['alias/listed-a', 'alias/team/listed-b']));
    expect(names.every((n) => n.startsWith('alias/'))).toBe(true);
    // One repository a page: three or more repositories take three or more calls.
    expect(pub.apiCalls.filter((c) => c === 'DescribeRepositories').length - before).toBeGreaterThanOrEqual(3);
    const team = await cli(['list', `${ECR_PUBLIC}/alias/team/`], pub.awsEnv);
    expect(team.stdout.trim().split('\n')).toEqual(['alias/team/listed-b']);
  });

  it('deletes one of two tags on a digest through BatchDeleteImage, leaving the other', async () => {
    const image = await pushImage(targetFor(pub.upstream, 'alias/del'), 'alias/del', 'v1');
    expect((await cli(['tag', `${ECR_PUBLIC}/alias/del:v1`, 'v2'], pub.awsEnv)).code).toBe(0);
    const del = await cli(['delete', `${ECR_PUBLIC}/alias/del:v1`], pub.awsEnv);
    expect(del.stderr).toBe('');
    expect(del.code).toBe(0);
    expect(pub.apiCalls).toContain('BatchDeleteImage');
    expect([...(await upstreamTags(pub.upstream, 'alias/del')).keys()]).toEqual(['v2']);
    expect(await upstreamDigest(pub.upstream, 'alias/del', 'v2')).toBe(image.digest);

    const missing = await cli(['delete', `${ECR_PUBLIC}/alias/del:nope`], pub.awsEnv);
    expect(missing.code).toBe(4);
    // Another registry's alias: the API would act on the caller's own `del`, so regctl refuses.
    const foreign = await cli(['delete', `${ECR_PUBLIC}/stranger/del:v2`], pub.awsEnv);
    expect(foreign.code).toBe(3);
    expect(foreign.stderr).toContain('not in your ECR Public registry');
    expect([...(await upstreamTags(pub.upstream, 'alias/del')).keys()]).toEqual(['v2']);
  });
});
