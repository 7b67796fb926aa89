import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { OCI_INDEX, OCI_MANIFEST, pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { ACR_HOST, NULL_GUID, acrPassword, startAcr, type AcrEmulator } from '../emulators/acr.js';
import { upstreamTags } from '../emulators/proxy.js';

async function upstreamDigest(reg: RunningRegistry, repo: string, ref: string): Promise<string | undefined> {
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${ref}`, { method: 'HEAD', headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } });
  return res.status === 200 ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
}

const lines = (s: string) => s.trim().split('\n').filter(Boolean);

// Azure users have an Entra identity (a service principal in env vars, workload identity in CI,
// a managed identity, the Azure CLI) or an `az acr login --expose-token` refresh token, or the
// registry's admin user or a repository-scoped token: each must work alone.
describe('Azure Container Registry (emulated)', () => {
  let src: RunningRegistry;
  let acr: AcrEmulator;
  let cfg: TempDockerConfig;
  let home: string;
  let image: BuiltImage;
  const admin = acrPassword();
  const puller = acrPassword();
  const cli = (args: string[], env: Record<string, string> = acr.azureEnv) =>
    runCli(['--ca-file', acr.caFile, ...args], { env: { ...cfg.env, HOME: home, ...env }, timeoutMs: 45_000 });
  /** The emulator's connect-to rules and CA only: no Azure identity at all. */
  const bare = () => ({ ...acr.env, NODE_EXTRA_CA_CERTS: acr.caFile, AZURE_AUTHORITY_HOST: acr.authorityHost });

  beforeAll(async () => {
    src = await startRegistry({ mode: 'anonymous' });
    acr = await startAcr({
      users: { myreg: { password: admin }, puller: { password: puller, scope: [{ repo: 'team/app', actions: ['pull'] }] } },
      catalogPageSize: 2,
    });
    cfg = await tempDockerConfig();
    home = await mkdtemp(join(tmpdir(), 'regctl-acr-home-'));
    image = await pushImage(targetFor(src, 'app'), 'app', 'v1', { layers: 2, layerSize: 200_000 });
  });
  afterAll(async () => {
    await acr?.close();
    await src?.stop();
    await cfg?.cleanup();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('copies to ACR with a service principal from env vars (DefaultAzureCredential) and back', async () => {
    const r = await cli(['-q', 'copy', `${src.host}/app:v1`, `${ACR_HOST}/team/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${ACR_HOST}/team/app@${image.digest}`);
    expect(acr.entra.grants).toContainEqual({ kind: 'client_secret', scope: 'https://management.azure.com/.default' });
    expect(acr.calls).toContain('exchange');
    expect(acr.calls).toContain('refresh_token');
    expect(await upstreamDigest(acr.upstream, 'team/app', 'v1')).toBe(image.digest);

    const back = await cli(['-q', 'copy', `${ACR_HOST}/team/app:v1`, `${src.host}/from-acr:v1`]);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    expect(await upstreamDigest(src, 'from-acr', 'v1')).toBe(image.digest);
  });

  it('tags, and untags one tag through the ACR API while another on the same digest stays', async () => {
    expect((await cli(['tag', `${ACR_HOST}/team/app:v1`, 'v2'])).code).toBe(0);
    const listed = await cli(['list', `${ACR_HOST}/team/app`]);
    expect(listed.stderr).toBe('');
    expect(lines(listed.stdout)).toEqual(['v1', 'v2']);
    const del = await cli(['delete', `${ACR_HOST}/team/app:v1`]);
    expect(del.stderr).toBe('');
    expect(del.code).toBe(0);
    expect(acr.calls).toContain('untag');
    expect([...(await upstreamTags(acr.upstream, 'team/app')).keys()]).toEqual(['v2']);
    expect(await upstreamDigest(acr.upstream, 'team/app', image.digest)).toBe(image.digest);
    expect((await cli(['delete', `${ACR_HOST}/team/app:v1`])).code).toBe(4);
  });

  it('lists the catalog across pages', async () => {
    for (const repo of ['a/one', 'b/two', 'c/three']) await pushImage(targetFor(acr.upstream, repo), repo, 'v1', { layerSize: 64 });
    const r = await cli(['list', ACR_HOST]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['a/one', 'b/two', 'c/three', 'team/app']);
  });

  it('uses workload identity (a federated token file, as GitHub OIDC sets it up)', async () => {
    const file = join(home, 'federated-token');
    await writeFile(file, acr.entra.federatedToken);
    const r = await cli(['list', `${ACR_HOST}/team/app`], {
      ...bare(), AZURE_TENANT_ID: acr.entra.tenantId, AZURE_CLIENT_ID: acr.entra.clientId, AZURE_FEDERATED_TOKEN_FILE: file,
    });
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['v2']);
    expect(acr.entra.grants.map((g) => g.kind)).toContain('client_assertion');
  });

  it('logs in with an `az acr login --expose-token` refresh token under the null GUID', async () => {
    const c = await tempDockerConfig();
    try {
      const token = acr.exposeToken();
      const env = { ...bare(), ...c.env, HOME: home };
      const login = await runCli(['--ca-file', acr.caFile, 'login', ACR_HOST, '-u', NULL_GUID, '--password-stdin'], { env, input: token });
      expect(login.stderr).not.toMatch(/error/i); // it may warn about where the login is saved
      expect(login.code).toBe(0);
      const before = acr.calls.filter((x) => x === 'refresh_token').length;
      const tags = await runCli(['--ca-file', acr.caFile, 'list', `${ACR_HOST}/team/app`], { env });
      expect(tags.stderr).toBe('');
      expect(lines(tags.stdout)).toEqual(['v2']);
      expect(acr.calls.filter((x) => x === 'refresh_token').length).toBeGreaterThan(before);
      expect(login.stdout + login.stderr + tags.stderr).not.toContain(token);
    } finally {
      await c.cleanup();
    }
  });

  it('logs in as the admin user and with a repository-scoped token through Basic', async () => {
    const c = await tempDockerConfig();
    try {
      const env = { ...bare(), ...c.env, HOME: home };
      const run = (args: string[], input?: string) => runCli(['--ca-file', acr.caFile, ...args], { env, ...(input !== undefined && { input }) });
      expect((await run(['login', ACR_HOST, '-u', 'myreg', '--password-stdin'], admin)).code).toBe(0);
      const copy = await run(['-q', 'copy', `${src.host}/app:v1`, `${ACR_HOST}/admin/app:v1`]);
      expect(copy.stderr).toBe('');
      expect(copy.code).toBe(0);

      expect((await run(['login', ACR_HOST, '-u', 'puller', '--password-stdin'], puller)).code).toBe(0);
      expect(lines((await run(['list', `${ACR_HOST}/team/app`])).stdout)).toEqual(['v2']);
      // Scoped tokens cannot list the catalog, nor push (REGISTRIES.md).
      expect((await run(['list', ACR_HOST])).code).toBe(3);
      expect((await run(['copy', `${src.host}/app:v1`, `${ACR_HOST}/team/app:v9`])).code).toBe(3);
    } finally {
      await c.cleanup();
    }
  });

  it('without any credential is refused with exit code 3', async () => {
    const r = await cli(['list', `${ACR_HOST}/team/app`], { ...bare(), AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential' });
    expect(r.code).toBe(3);
  });
});

describe('ACR tokens expiring during a copy', () => {
  let src: RunningRegistry;
  let acr: AcrEmulator;
  let home: string;

  beforeAll(async () => {
    src = await startRegistry({ mode: 'anonymous' });
    // Access tokens live 2 s, refresh tokens 4 s; each blob PUT takes 0.5 s, one at a time.
    acr = await startAcr({ accessTokenTtlSeconds: 2, refreshTokenTtlSeconds: 4, uploadDelayMs: 500 });
    home = await mkdtemp(join(tmpdir(), 'regctl-acr-home-'));
  });
  afterAll(async () => {
    await acr?.close();
    await src?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('refreshes access tokens and exchanges for new refresh tokens, and finishes', async () => {
    const image = await pushImage(targetFor(src, 'big'), 'big', 'v1', { layers: 12, layerSize: 50_000 });
    const started = Date.now();
    const r = await runCli(['--ca-file', acr.caFile, '-q', 'copy', '--concurrency', '1', `${src.host}/big:v1`, `${ACR_HOST}/slow:v1`], {
      env: { HOME: home, ...acr.azureEnv },
      timeoutMs: 45_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(5000);
    expect(acr.calls.filter((c) => c === 'exchange').length).toBeGreaterThanOrEqual(2);
    expect(acr.calls.filter((c) => c === 'refresh_token').length).toBeGreaterThanOrEqual(3);
    expect(await upstreamDigest(acr.upstream, 'slow', 'v1')).toBe(image.digest);
  });
});
