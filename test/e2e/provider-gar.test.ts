import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { OCI_INDEX, OCI_MANIFEST, pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { AR_HOST, GCR_HOST, startGar, type GarEmulator } from '../emulators/gar.js';
import { upstreamTags } from '../emulators/proxy.js';

async function upstreamDigest(reg: RunningRegistry, repo: string, ref: string): Promise<string | undefined> {
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${ref}`, { method: 'HEAD', headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } });
  return res.status === 200 ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
}

const lines = (s: string) => s.trim().split('\n').filter(Boolean);

// Users of Google Cloud have Application Default Credentials (a service-account key file,
// gcloud's ADC file, the metadata server, workload identity federation) or a `_json_key` login:
// each must work alone, through the real google-auth-library reaching the emulator.
describe('Google Artifact Registry and gcr.io (emulated)', () => {
  let src: RunningRegistry;
  let gar: GarEmulator;
  let cfg: TempDockerConfig;
  let home: string;
  let keyFile: string;
  let image: BuiltImage;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(['--ca-file', gar.caFile, ...args], { env: { ...cfg.env, HOME: home, ...gar.googleEnv, ...env }, timeoutMs: 45_000 });
  const withKeyFile = () => ({ GOOGLE_APPLICATION_CREDENTIALS: keyFile });

  beforeAll(async () => {
    src = await startRegistry({ mode: 'anonymous' });
    gar = await startGar({
      repositories: [
        { project: 'proj', location: 'us', id: 'docker' },
        { project: 'proj', location: 'us', id: 'tools' },
        { project: 'proj', location: 'us', id: 'jars', format: 'MAVEN' },
        { project: 'gproj', location: 'us', id: 'gcr.io' },
      ],
      maxPageSize: 1,
    });
    cfg = await tempDockerConfig();
    home = await mkdtemp(join(tmpdir(), 'regctl-gar-home-'));
    keyFile = join(home, 'key.json');
    const sa = gar.identity.addServiceAccount('ci@proj.iam.gserviceaccount.com', 'proj');
    await writeFile(keyFile, JSON.stringify(sa.keyFile), { mode: 0o600 });
    image = await pushImage(targetFor(src, 'app'), 'app', 'v1', { layers: 2, layerSize: 300_000 });
  });
  afterAll(async () => {
    await gar?.close();
    await src?.stop();
    await cfg?.cleanup();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('copies to Artifact Registry with a service-account key file, in monolithic uploads, and back', async () => {
    const r = await cli(['-q', 'copy', `${src.host}/app:v1`, `${AR_HOST}/proj/docker/app:v1`], withKeyFile());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${AR_HOST}/proj/docker/app@${image.digest}`);
    expect(gar.identity.grants).toContain('jwt-bearer');
    expect(gar.tokenRequests).toContain('oauth2accesstoken');
    expect(gar.violations).toEqual([]);
    expect(await upstreamDigest(gar.upstream, 'proj/docker/app', 'v1')).toBe(image.digest);

    const back = await cli(['-q', 'copy', `${AR_HOST}/proj/docker/app:v1`, `${src.host}/from-gar:v1`], withKeyFile());
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    expect(await upstreamDigest(src, 'from-gar', 'v1')).toBe(image.digest);
  });

  it('refuses a push to an Artifact Registry repository that does not exist', async () => {
    const r = await cli(['copy', `${src.host}/app:v1`, `${AR_HOST}/proj/missing/app:v1`], withKeyFile());
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not found/);
  });

  it('tags, and deletes one tag while another on the same digest stays', async () => {
    expect((await cli(['tag', `${AR_HOST}/proj/docker/app:v1`, 'v2', 'v3'], withKeyFile())).code).toBe(0);
    expect(lines((await cli(['list', `${AR_HOST}/proj/docker/app`], withKeyFile())).stdout)).toEqual(['v1', 'v2', 'v3']);
    const del = await cli(['delete', `${AR_HOST}/proj/docker/app:v1`], withKeyFile());
    expect(del.stderr).toBe('');
    expect(del.code).toBe(0);
    expect([...(await upstreamTags(gar.upstream, 'proj/docker/app')).keys()].sort()).toEqual(['v2', 'v3']);
    expect(await upstreamDigest(gar.upstream, 'proj/docker/app', image.digest)).toBe(image.digest);
  });

  it('deletes a tagged manifest by digest by untagging it first', async () => {
    const r = await cli(['delete', `${AR_HOST}/proj/docker/app@${image.digest}`], withKeyFile());
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/untagging/);
    expect((await upstreamTags(gar.upstream, 'proj/docker/app')).size).toBe(0);
    expect(await upstreamDigest(gar.upstream, 'proj/docker/app', image.digest)).toBeUndefined();
  });

  it('lists a project through the Artifact Registry API, across pages and Docker repositories only', async () => {
    await pushImage(targetFor(gar.upstream, 'proj/docker/web'), 'proj/docker/web', 'v1');
    await pushImage(targetFor(gar.upstream, 'proj/tools/ci/runner'), 'proj/tools/ci/runner', 'v1');
    await pushImage(targetFor(gar.upstream, 'other/docker/x'), 'other/docker/x', 'v1');
    const all = await cli(['list', `${AR_HOST}/proj/`], withKeyFile());
    expect(all.stderr).toBe('');
    expect(lines(all.stdout)).toEqual(['proj/docker/web', 'proj/tools/ci/runner']);
    const one = await cli(['list', `${AR_HOST}/proj/tools/`], withKeyFile());
    expect(lines(one.stdout)).toEqual(['proj/tools/ci/runner']);
  });

  it('copies to gcr.io with the metadata server, whose 401s carry no challenge', async () => {
    const r = await cli(['-q', 'copy', `${src.host}/app:v1`, `${GCR_HOST}/gproj/app:v1`], { GCE_METADATA_HOST: gar.metadataHost, METADATA_SERVER_DETECTION: 'ping-only' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(gar.identity.grants).toContain('metadata');
    expect(await upstreamDigest(gar.upstream, 'gproj/app', 'v1')).toBe(image.digest);
    const list = await cli(['list', `${GCR_HOST}/gproj/`], { GCE_METADATA_HOST: gar.metadataHost, METADATA_SERVER_DETECTION: 'ping-only' });
    expect(list.stderr).toBe('');
    expect(lines(list.stdout)).toEqual(['gproj/app']);
  });

  it('uses gcloud\'s ADC file (CLOUDSDK_CONFIG)', async () => {
    const dir = join(home, 'gcloud');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'application_default_credentials.json'), JSON.stringify({ type: 'authorized_user', ...gar.identity.user }), { mode: 0o600 });
    const r = await cli(['list', `${GCR_HOST}/gproj/app`], { CLOUDSDK_CONFIG: dir });
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['v1']);
    expect(gar.identity.grants).toContain('refresh_token');
  });

  it('uses workload identity federation (an external_account file with a file-sourced OIDC token)', async () => {
    const oidc = join(home, 'oidc-token');
    await writeFile(oidc, gar.identity.wif.subjectToken);
    const creds = join(home, 'wif.json');
    await writeFile(creds, JSON.stringify({
      type: 'external_account',
      audience: gar.identity.wif.audience,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: 'https://sts.googleapis.com/v1/token',
      credential_source: { file: oidc },
    }));
    const r = await cli(['list', `${GCR_HOST}/gproj/app`], { GOOGLE_APPLICATION_CREDENTIALS: creds });
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['v1']);
    expect(gar.identity.grants).toContain('token-exchange');
  });

  it('logs in with _json_key and _json_key_base64, without ADC', async () => {
    const key = JSON.stringify(gar.identity.serviceAccounts.get('ci@proj.iam.gserviceaccount.com')!.keyFile);
    for (const [user, secret] of [['_json_key', key], ['_json_key_base64', Buffer.from(key).toString('base64')]] as const) {
      const c = await tempDockerConfig();
      try {
        const env = { ...c.env };
        const login = await runCli(['--ca-file', gar.caFile, 'login', GCR_HOST, '-u', user, '--password-stdin'], { env: { HOME: home, ...gar.googleEnv, ...env }, input: secret });
        expect(login.stderr).not.toMatch(/error/i); // it may warn about where the login is saved
        expect(login.code).toBe(0);
        const tags = await runCli(['--ca-file', gar.caFile, 'list', `${GCR_HOST}/gproj/app`], { env: { HOME: home, ...gar.googleEnv, ...env } });
        expect(lines(tags.stdout)).toEqual(['v1']);
        const repos = await runCli(['--ca-file', gar.caFile, 'list', `${GCR_HOST}/gproj/`], { env: { HOME: home, ...gar.googleEnv, ...env } });
        expect(repos.stderr).toBe('');
        expect(lines(repos.stdout)).toEqual(['gproj/app']);
        expect(gar.tokenRequests).toContain(user);
        expect(login.stdout + login.stderr + tags.stderr + repos.stderr).not.toContain('PRIVATE KEY');
      } finally {
        await c.cleanup();
      }
    }
  });

  it('without any Google credentials is refused with exit code 3', async () => {
    const r = await cli(['list', `${AR_HOST}/proj/docker/app`]);
    expect(r.code).toBe(3);
  });
});

describe('Google tokens expiring during a copy', () => {
  let src: RunningRegistry;
  let gar: GarEmulator;
  let home: string;

  beforeAll(async () => {
    src = await startRegistry({ mode: 'anonymous' });
    // Access tokens live 3 s of real time; each blob PUT takes 0.5 s and, once done, moves the
    // registry's clock past its tokens' lifetime.
    gar = await startGar({
      repositories: [{ project: 'proj', location: 'us', id: 'docker' }],
      accessTokenTtlSeconds: 3,
      registryTokenTtlSeconds: 300,
      advancePerUploadMs: 301_000,
      uploadDelayMs: 500,
    });
    home = await mkdtemp(join(tmpdir(), 'regctl-gar-home-'));
  });
  afterAll(async () => {
    await gar?.close();
    await src?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('gets new access and registry tokens and finishes', async () => {
    const sa = gar.identity.addServiceAccount('ci@proj.iam.gserviceaccount.com', 'proj');
    const keyFile = join(home, 'key.json');
    await writeFile(keyFile, JSON.stringify(sa.keyFile));
    const image = await pushImage(targetFor(src, 'big'), 'big', 'v1', { layers: 6, layerSize: 100_000 });
    const r = await runCli(['--ca-file', gar.caFile, '-q', 'copy', '--concurrency', '1', `${src.host}/big:v1`, `${AR_HOST}/proj/docker/big:v1`], {
      env: { HOME: home, ...gar.googleEnv, GOOGLE_APPLICATION_CREDENTIALS: keyFile },
      timeoutMs: 45_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(gar.tokens.expiredSeen).toBeGreaterThan(0);
    expect(gar.identity.grants.filter((g) => g === 'jwt-bearer').length).toBeGreaterThanOrEqual(2);
    expect(await upstreamDigest(gar.upstream, 'proj/docker/big', 'v1')).toBe(image.digest);
  });
});
