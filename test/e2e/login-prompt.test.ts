/**
 * How `regctl login` takes a password: a hidden prompt on a terminal (a real pseudo-terminal
 * from util-linux `script`), `--password-stdin`, and `-p`, which is refused when stdin is not a
 * terminal unless `--force`.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cliEnv, runCli, tempDockerConfig, type TempDockerConfig } from '../harness/cli.js';
import { startRegistry, type RunningRegistry } from '../harness/registry.js';

let reg: RunningRegistry;
let user: string;
let password: string;

beforeAll(async () => {
  reg = await startRegistry({ mode: 'basic' });
  [user, password] = Object.entries(reg.users)[0]!;
});
afterAll(async () => {
  await reg?.stop();
});

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs regctl on a pseudo-terminal and answers its prompts: each `[prompt, answer]` is typed
 * once `prompt` has appeared, never before (typed-ahead input would be echoed by the terminal
 * before regctl turns echo off). Resolves to the whole terminal transcript and the exit code.
 */
function onTerminal(args: string[], env: Record<string, string>, answers: Array<[string, string]>): Promise<{ code: number; transcript: string }> {
  const command = [process.execPath, CLI_BIN, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: cliEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let transcript = '';
    let next = 0;
    let searchFrom = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`regctl on a terminal did not finish; transcript so far: ${JSON.stringify(transcript)}`));
    }, 30_000);
    const onData = (d: Buffer) => {
      transcript += d.toString('utf8');
      const pending = answers[next];
      const at = pending ? transcript.indexOf(pending[0], searchFrom) : -1;
      if (pending && at >= 0) {
        searchFrom = at + pending[0].length;
        next++;
        child.stdin.write(pending[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, transcript });
    });
  });
}

describe('login on a terminal', () => {
  let cfg: TempDockerConfig;
  beforeAll(async () => {
    cfg = await tempDockerConfig();
  });
  afterAll(async () => {
    await cfg?.cleanup();
  });

  it('prompts for the user name and for the password without echoing it', async () => {
    const r = await onTerminal(['--ca-file', reg.caFile!, 'login', reg.host], cfg.env, [
      ['Username: ', `${user}\r`],
      // A typo fixed with backspace: readline redraws the line then, which must stay hidden too.
      ['Password: ', `${password}x\u007f\r`],
    ]);
    expect(r.transcript).toContain('Login Succeeded');
    expect(r.code).toBe(0);
    expect(r.transcript).toContain(user);
    expect(r.transcript).not.toContain(password);
    expect((await cfg.read()).auths[reg.host]).toEqual({ auth: Buffer.from(`${user}:${password}`).toString('base64') });
  });

  it('accepts -p on a terminal with a warning', async () => {
    const r = await onTerminal(['--ca-file', reg.caFile!, 'login', reg.host, '-u', user, '-p', password], cfg.env, []);
    expect(r.code).toBe(0);
    expect(r.transcript).toMatch(/warning: a password on the command line is visible to other processes/);
  });

  it('Ctrl-C at the password prompt cancels with a usage error and saves nothing', async () => {
    const other = await tempDockerConfig();
    try {
      const r = await onTerminal(['--ca-file', reg.caFile!, 'login', reg.host, '-u', user], other.env, [['Password: ', 'typed-then-cancelled\u0003']]);
      expect(r.code).toBe(2);
      expect(r.transcript).toContain('error: no password entered');
      expect(r.transcript).not.toContain('typed-then-cancelled');
      expect(await other.read()).toBeUndefined();
    } finally {
      await other.cleanup();
    }
  });
});

describe('login without a terminal', () => {
  let cfg: TempDockerConfig;
  beforeAll(async () => {
    cfg = await tempDockerConfig();
  });
  afterAll(async () => {
    await cfg?.cleanup();
  });
  const login = (args: string[], input?: string) => runCli(['--ca-file', reg.caFile!, 'login', reg.host, ...args], { env: cfg.env, ...(input !== undefined && { input }) });

  it('refuses -p unless --force, and never echoes the password in the refusal', async () => {
    const refused = await login(['-u', user, '-p', password]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing -p\/--password when stdin is not a terminal/);
    expect(refused.stderr).toMatch(/--password-stdin/);
    expect(refused.stdout + refused.stderr).not.toContain(password);
    expect(await cfg.read()).toBeUndefined();

    const forced = await login(['-u', user, '-p', password, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/^warning: a password on the command line/);
  });

  it('takes --password-stdin, and cannot prompt for what is missing', async () => {
    expect((await login(['-u', user, '--password-stdin'], `${password}\n`)).code).toBe(0);
    const noUser = await login(['--password-stdin'], `${password}\n`);
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toMatch(/cannot prompt for the username because stdin is not a terminal/);
    const noPassword = await login(['-u', user]);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/cannot prompt for the password because stdin is not a terminal/);
    expect((await login(['-u', user, '-p', 'x', '--password-stdin'], 'y')).stderr).toMatch(/mutually exclusive/);
  });
});
