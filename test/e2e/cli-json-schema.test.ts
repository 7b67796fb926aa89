/**
 * Every command's `--json` output, from real runs against real registries, validated against
 * its documented schema (docs/schema/<command>.json, described in docs/json.md).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { pushImage, pushIndex, targetFor } from '../harness/images.js';
import { validate } from '../harness/json-schema.js';
import { freePort, startRegistry, type RunningRegistry } from '../harness/registry.js';

const SCHEMA_DIR = fileURLToPath(new URL('../../docs/schema/', import.meta.url));
const schemas = Object.fromEntries(readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json'))
  .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8')) as Record<string, unknown>]));

describe('--json output matches docs/schema', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let docker: TempDockerConfig;
  let home: string;
  let env: Record<string, string>;
  const checked = new Set<string>();

  /** Runs a command with --json, checks the exit code, validates stdout against the schema. */
  const check = async (schema: string, args: string[], code = 0, input?: string) => {
    const r = await runCli(['--json', ...args], { env, ...(input !== undefined && { input }) });
    expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(code);
    const value = JSON.parse(r.stdout) as unknown;
    expect(validate(value, schemas[schema]!), `${args.join(' ')} -> ${r.stdout}`).toEqual([]);
    checked.add(schema);
    return value as any;
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
    await pushIndex(targetFor(a, 'src/multi'), 'src/multi', '1.0', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }], { layers: 1, layerSize: 1024 });
    await pushImage(targetFor(a, 'src/img'), 'src/img', '1.0', { layers: 2, layerSize: 1024 });
    docker = await tempDockerConfig();
    home = await mkdtemp(join(tmpdir(), 'regctl-schema-'));
    await mkdir(join(home, 'regctl'), { recursive: true });
    await writeFile(join(home, 'regctl', 'config.yaml'), [
      'concurrency: 4',
      'hosts:',
      `  ${b.host}:`,
      '    tls: disabled',
      `    mirrors: ["${a.host}/mirror"]`,
      '    credentialHelper: none-installed',
      '    chunkSize: 8MiB',
      '    requestsPerSecond: 50',
      `    caFile: ${a.certs.caCert}`,
      `    clientCert: ${a.certs.clientCert}`,
      `    clientKey: ${a.certs.clientKey}`,
    ].join('\n'));
    env = { ...docker.env, XDG_CONFIG_HOME: home };
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await docker?.cleanup();
    await rm(home, { recursive: true, force: true });
  });

  it('the checker itself finds violations', () => {
    expect(validate({ reference: 'x' }, schemas.digest!)).toEqual(['$: missing required digest']);
    expect(validate({ reference: 'x', digest: 'nope', extra: 1 }, schemas.digest!).sort()).toEqual([
      '$.digest: "nope" does not match ^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$', '$: unexpected property extra',
    ]);
    expect(validate([{ destination: 'd', ok: true }], schemas.copy!)[0]).toMatch(/oneOf/);
  });

  it('inspect (an index, an image, an image with its platform), digest, tag, list', async () => {
    const idx = await check('inspect', ['inspect', `${a.host}/src/multi:1.0`]);
    expect(idx.manifests).toHaveLength(2);
    expect((await check('inspect', ['inspect', `${a.host}/src/img:1.0`])).layers).toHaveLength(2);
    await check('inspect', ['inspect', '--platform', 'linux/arm64', `${a.host}/src/multi:1.0`]);
    const d = await check('digest', ['digest', `${a.host}/src/multi:1.0`]);
    expect(d.digest).toBe(idx.digest);
    await check('tag', ['tag', `${a.host}/src/img:1.0`, '1.1', 'latest']);
    expect((await check('list', ['list', `${a.host}/src/img`])).tags.sort()).toEqual(['1.0', '1.1', 'latest']);
    expect((await check('list', ['list', a.host])).repositories).toEqual(['src/img', 'src/multi']);
  });

  it('copy: one destination, a dry run, and a fan-out where one destination fails', async () => {
    const [one] = await check('copy', ['copy', `${a.host}/src/multi:1.0`, `${b.host}/dst/multi:1.0`]);
    expect(one).toMatchObject({ ok: true, exitCode: 0, skipped: false });
    const [plan] = await check('copy', ['copy', '--dry-run', `${a.host}/src/img:1.0`, `${b.host}/dst/img:1.0`]);
    expect(plan.plan.blobs.length).toBe(3);
    const dead = `127.0.0.1:${await freePort()}`;
    const out = await check('copy', ['copy', `${a.host}/src/img:1.0`, `${b.host}/dst/img:1.0`, `${dead}/x/img:1.0`], 1);
    expect(out.map((o: { ok: boolean }) => o.ok)).toEqual([true, false]);
  });

  it('delete a tag and a manifest', async () => {
    expect(await check('delete', ['delete', `${a.host}/src/img:latest`])).toMatchObject({ kind: 'tag' });
    const d = await check('digest', ['digest', `${b.host}/dst/img:1.0`]);
    expect(await check('delete', ['delete', `${b.host}/dst/img@${d.digest}`])).toMatchObject({ kind: 'manifest' });
  });

  it('login, login --show, logout', async () => {
    await check('login', ['login', a.host, '-u', 'someone', '--password-stdin', '--no-keychain'], 0, 'pa55-word');
    expect(await check('login', ['login', '--show', a.host])).toMatchObject({ kind: 'password', username: 'someone' });
    expect(await check('logout', ['logout', a.host])).toMatchObject({ removed: true });
  });

  it('config, with and without a registry', async () => {
    const all = await check('config', ['config']);
    expect(all.hosts).toEqual([b.host]);
    const one = await check('config', ['config', b.host]);
    expect(one.host.chunkSize).toEqual({ value: 8 << 20, from: join(home, 'regctl', 'config.yaml') });
  });

  it('completion', async () => {
    expect((await check('completion', ['completion', 'fish'])).script).toContain('complete -c regctl');
  });

  it('errors, with their exit codes', async () => {
    expect((await check('error', ['inspect', `${a.host}/src/nope:1.0`], 4)).error.code).toMatch(/MANIFEST_UNKNOWN|NAME_UNKNOWN/);
    expect((await check('error', ['digest', 'Not A Reference'], 2)).error.code).toBe('INVALID_REFERENCE');
  });

  it('every schema was checked against real output', () => {
    expect([...checked].sort()).toEqual(Object.keys(schemas).sort());
  });
});
