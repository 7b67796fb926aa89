/**
 * Logins shared with skopeo through one auth file, both ways, and identity tokens: a token
 * service that hands out refresh tokens at login gets the refresh token saved (docker's
 * `identitytoken`), and regctl and skopeo both use it afterwards.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';
import { startRegistry, type RegistryMode, type RunningRegistry } from '../harness/registry.js';
import { skopeo, skopeoFlags, skopeoRaw } from '../harness/skopeo.js';

describe.each<RegistryMode>(['basic', 'token'])('sharing logins with skopeo (%s registry)', (mode) => {
  let reg: RunningRegistry;
  let image: BuiltImage;
  let user: string;
  let password: string;
  let cfg: TempDockerConfig;
  const access = () => skopeoFlags({ tlsVerify: reg.caFile !== undefined, ...(reg.caFile && { certDir: reg.certs.caCertDir }) });
  const tls = () => (reg.caFile ? ['--ca-file', reg.caFile] : []);
  // No HOME of the developer's: skopeo must find the login in --authfile only.
  const skopeoEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cfg.dir });

  beforeAll(async () => {
    reg = await startRegistry({ mode });
    [user, password] = Object.entries(reg.users)[0]!;
    image = await pushImage(targetFor(reg, 'team/app'), 'team/app', 'v1');
  });
  afterAll(async () => {
    await reg?.stop();
    await cfg?.cleanup();
  });

  it('skopeo inspects and copies with the file regctl login wrote', async () => {
    cfg = await tempDockerConfig({ HttpHeaders: { 'X-Keep': '1' } });
    // --no-keychain: the login is shared through the file itself, as with tools that cannot run
    // docker-credential-regctl.
    const login = await runCli([...tls(), 'login', '--no-keychain', reg.host, '-u', user, '--password-stdin'], { env: cfg.env, input: `${password}\n` });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    const saved = (await cfg.read()).auths[reg.host];
    if (mode === 'token') {
      // The test token service answers `offline_token=true` with a refresh token (token.md).
      expect(login.stdout).toContain('identity token saved');
      expect(saved).toEqual({ auth: Buffer.from(`${user}:`).toString('base64'), identitytoken: expect.stringMatching(/^[0-9a-f]{48}$/) });
    } else {
      expect(saved).toEqual({ auth: Buffer.from(`${user}:${password}`).toString('base64') });
    }

    const authfile = join(cfg.dir, 'config.json');
    const grants = () => reg.tokenServer?.requests.filter((r) => r.grantType === 'refresh_token' && r.authorized).length ?? 0;
    const before = grants();
    const raw = await skopeoRaw(['inspect', '--raw', '--authfile', authfile, ...access(), `docker://${reg.host}/team/app:v1`], { env: skopeoEnv() });
    expect(raw.equals(image.manifest)).toBe(true);
    await skopeo(
      ['copy', '--authfile', authfile, ...access().map((f) => f.replace(/^--/, '--src-')), ...access().map((f) => f.replace(/^--/, '--dest-')),
        `docker://${reg.host}/team/app:v1`, `docker://${reg.host}/mirror/app:v1`],
      { env: skopeoEnv() },
    );
    // skopeo authenticated with the identity token: the OAuth2 refresh-token grant, not the password.
    if (mode === 'token') expect(grants()).toBeGreaterThan(before);
    const afterSkopeo = grants();
    const list = await runCli([...tls(), 'list', `${reg.host}/mirror/app`], { env: cfg.env });
    expect(list.stdout.trim()).toBe('v1');
    if (mode === 'token') expect(grants()).toBeGreaterThan(afterSkopeo);
  });

  it('regctl uses the file skopeo login wrote, as docker config and as podman auth file', async () => {
    const skopeoCfg = await tempDockerConfig();
    try {
      const authfile = join(skopeoCfg.dir, 'config.json');
      await skopeo(['login', '--authfile', authfile, ...access(), '-u', user, '-p', password, reg.host], { env: skopeoEnv() });
      expect(Object.keys((await skopeoCfg.read()).auths)).toEqual([reg.host]);

      const viaDocker = await runCli([...tls(), 'list', `${reg.host}/team/app`], { env: skopeoCfg.env });
      expect(viaDocker.stdout.trim()).toBe('v1');
      const empty = await tempDockerConfig();
      try {
        const viaPodman = await runCli([...tls(), 'list', `${reg.host}/team/app`], { env: { ...empty.env, REGISTRY_AUTH_FILE: authfile } });
        expect(viaPodman.stdout.trim()).toBe('v1');
        const show = await runCli(['login', '--show', reg.host], { env: { ...empty.env, REGISTRY_AUTH_FILE: authfile } });
        expect(show.stdout.trim()).toBe(`${reg.host}: password for ${user} from podman auth file ${authfile}`);
      } finally {
        await empty.cleanup();
      }
    } finally {
      await skopeoCfg.cleanup();
    }
  });
});
