import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cliEnv } from '../harness/cli.js';
import { pushImage, targetFor } from '../harness/images.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';
import { startEcr, type EcrEmulator } from '../emulators/ecr.js';

// An import trace, loaded with `node --import`: an ESM resolve hook (module.register) appends
// every resolved module URL to $IMPORT_TRACE_FILE, and at exit the main thread adds every
// CommonJS module in require.cache (packages that require() their internals).
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.IMPORT_TRACE_FILE, r.url + '\\n');
  return r;
}`;
const TRACER = `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));
const require = createRequire(process.execPath);
process.on('exit', () => appendFileSync(process.env.IMPORT_TRACE_FILE, Object.keys(require.cache).join('\\n') + '\\n'));
`;

const CLOUD_SDKS = /@aws-sdk|@smithy|google-auth-library|gcp-metadata|@azure\/|msal/;

/** Runs the CLI under the import trace; returns the exit code and every module it loaded. */
async function traced(dir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string; modules: string[] }> {
  const file = join(dir, `trace-${Math.random().toString(36).slice(2)}.txt`);
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(TRACER)}`, CLI_BIN, ...args], {
    env: cliEnv({ ...env, IMPORT_TRACE_FILE: file }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.resume();
  const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? 1)));
  const modules = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  return { code, stderr, modules };
}

// The cloud SDKs are big and slow to load: `regctl --help` and copies between other registries
// must never import them (issue 4 acceptance); an ECR host loads the AWS SDK and nothing else.
describe('cloud SDKs load only for their registries', () => {
  let dir: string;
  let a: RunningRegistry;
  let b: RunningRegistry;
  let ecr: EcrEmulator;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regctl-trace-'));
    [a, b, ecr] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' }), startEcr({ repositories: { app: {} } })]);
    await pushImage(targetFor(a, 'app'), 'app', 'v1');
    await pushImage(targetFor(ecr.upstream, 'app'), 'app', 'v1');
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), ecr?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('regctl --help imports none', async () => {
    const r = await traced(dir, ['--help']);
    expect(r.code).toBe(0);
    expect(r.modules.some((m) => m.includes('/dist/cli/main.js'))).toBe(true);
    expect(r.modules.filter((m) => CLOUD_SDKS.test(m))).toEqual([]);
  });

  it('a copy between two non-cloud registries imports none', async () => {
    const r = await traced(dir, ['-q', 'copy', `${a.host}/app:v1`, `${b.host}/app:v1`], { HOME: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.modules.some((m) => m.includes('/dist/providers/index.js'))).toBe(true);
    expect(r.modules.filter((m) => CLOUD_SDKS.test(m))).toEqual([]);
  });

  it('an ECR registry imports the AWS SDK, and no other cloud SDK', async () => {
    const r = await traced(dir, ['--ca-file', ecr.caFile, 'list', `${ecr.host}/app`], { HOME: dir, ...ecr.awsEnv });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.modules.some((m) => m.includes('@aws-sdk/client-ecr'))).toBe(true);
    expect(r.modules.filter((m) => /google-auth-library|@azure\//.test(m))).toEqual([]);
  });
});
