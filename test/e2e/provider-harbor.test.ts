import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarbor, type HarborEmulator } from '../emulators/harbor.js';
import { upstreamTags } from '../emulators/proxy.js';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

const HOST = 'harbor.example.com';
const ROBOT = 'robot$library+ci';
const ROBOT_SECRET = 'Robot-Secret-0123456789abc';
const ADMIN_PW = 'Harbor-Admin-Pw-98765';

// regctl against an emulated Harbor on a self-hosted name (recognised by its challenge, not its
// host name), with a robot account's login, and a plain local registry for the other side.
describe('Harbor (emulated)', () => {
  let harbor: HarborEmulator;
  let local: RunningRegistry;
  let robot: TempDockerConfig;
  let admin: TempDockerConfig;
  let app: BuiltImage;
  let base: BuiltImage;
  const run = (cfg: TempDockerConfig, args: string[], input?: string) =>
    runCli(['--ca-file', harbor.caFile, ...args], { env: { ...cfg.env, ...harbor.env }, ...(input !== undefined && { input }) });
  const cli = (...args: string[]) => run(robot, args);

  beforeAll(async () => {
    local = await startRegistry({ mode: 'anonymous' });
    // 20 emulated minutes per uploaded blob: the 30-minute token expires during a copy.
    harbor = await startHarbor({
      host: HOST,
      users: { [ROBOT]: { password: ROBOT_SECRET }, admin: { password: ADMIN_PW, admin: true } },
      advancePerUploadMs: 20 * 60_000,
      maxPageSize: 2,
    });
    [robot, admin] = await Promise.all([tempDockerConfig(), tempDockerConfig()]);
    app = await pushImage(targetFor(local, 'team/app'), 'team/app', '1', { layers: 3, layerSize: 2048 });
    base = await pushImage(targetFor(harbor.upstream, 'library/base'), 'library/base', '1');
  });
  afterAll(async () => {
    await harbor?.close();
    await local?.stop();
    await Promise.all([robot?.cleanup(), admin?.cleanup()]);
  });

  it('logs in with a robot account and the GET-only token service', async () => {
    // --no-keychain: the robot name with its `$` must survive docker's base64 entry.
    const r = await run(robot, ['login', '--no-keychain', HOST, '-u', ROBOT, '--password-stdin'], `${ROBOT_SECRET}\n`);
    expect(r.stderr).toBe('');
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.from((await robot.read()).auths[HOST].auth, 'base64').toString()).toBe(`${ROBOT}:${ROBOT_SECRET}`);
    expect((await run(admin, ['login', HOST, '-u', 'admin', '--password-stdin'], ADMIN_PW)).code).toBe(0);
    expect(harbor.tokenMethods.length).toBeGreaterThan(0);
    expect(harbor.tokenMethods.every((m) => m === 'GET')).toBe(true);
  });

  it('copies into a nested repository through a token expiry, and back out', async () => {
    const expired = harbor.tokens.expiredSeen;
    const r = await cli('-q', 'copy', '--concurrency', '1', `${local.host}/team/app:1`, `${HOST}/library/team/app:1`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`${HOST}/library/team/app@${app.digest}`);
    expect(harbor.tokens.expiredSeen).toBeGreaterThan(expired);
    harbor.settings.advancePerUploadMs = 0;
    const back = await cli('copy', `${HOST}/library/base:1`, `${local.host}/from-harbor/base:1`);
    expect(back.stdout.trim()).toBe(`${local.host}/from-harbor/base@${base.digest}`);
  });

  it('tags, and lists tags, a project and every project', async () => {
    expect((await cli('tag', `${HOST}/library/team/app:1`, 'keep')).code).toBe(0);
    expect((await cli('list', `${HOST}/library/team/app`)).stdout.trim().split('\n').sort()).toEqual(['1', 'keep']);
    const project = await cli('list', `${HOST}/library/`);
    expect(project.code, project.stderr).toBe(0);
    expect(project.stdout.trim().split('\n').sort()).toEqual(['library/base', 'library/team/app']);
    // The catalog needs system rights on Harbor: listing the registry goes through the API.
    expect((await cli('list', HOST)).stdout.trim().split('\n').sort()).toEqual(['library/base', 'library/team/app']);
    expect(harbor.requests.some((q) => q.path.startsWith('/v2/_catalog'))).toBe(false);
  });

  it('deletes one tag through the Harbor API with a double-encoded name; the other tag stays', async () => {
    const r = await cli('--json', 'delete', `${HOST}/library/team/app:1`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ method: 'provider-api' });
    expect(harbor.requests.some((q) => q.method === 'DELETE' && q.path.includes('/repositories/team%252Fapp/artifacts/1/tags/1'))).toBe(true);
    expect([...(await upstreamTags(harbor.upstream, 'library/team/app')).keys()]).toEqual(['keep']);
    expect((await cli('digest', `${HOST}/library/team/app:keep`)).stdout.trim()).toBe(app.digest);
  });

  it('stops with a clear error when the project is missing, and creates it when asked', async () => {
    const missing = await cli('copy', `${local.host}/team/app:1`, `${HOST}/newproj/app:1`);
    expect(missing.code, missing.stderr).toBe(4);
    expect(missing.stderr).toMatch(/Harbor project "newproj" does not exist on harbor\.example\.com/);
    expect(missing.stderr).toMatch(/--create-repo/);
    expect(harbor.projects.has('newproj')).toBe(false);

    const denied = await cli('copy', '--create-repo', `${local.host}/team/app:1`, `${HOST}/newproj/app:1`);
    expect(denied.code, denied.stderr).toBe(3);
    expect(denied.stdout + denied.stderr).not.toContain(ROBOT_SECRET);

    const created = await run(admin, ['copy', '--create-repo', `${local.host}/team/app:1`, `${HOST}/newproj/app:1`]);
    expect(created.stderr).toMatch(/creating Harbor project newproj/);
    expect(created.code, created.stderr).toBe(0);
    expect(harbor.projects.has('newproj')).toBe(true);
    expect((await upstreamTags(harbor.upstream, 'newproj/app')).get('1')).toBe(app.digest);
  });

  it('--no-create-repo never creates a project, even for an admin', async () => {
    const r = await run(admin, ['copy', '--no-create-repo', `${local.host}/team/app:1`, `${HOST}/nothere/app:1`]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/Harbor project "nothere" does not exist/);
    expect(harbor.projects.has('nothere')).toBe(false);
  });
});
