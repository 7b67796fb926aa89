/**
 * `regctl completion <shell>`: the bash script parses (`bash -n`) and, loaded into a real bash
 * with `regctl` on PATH, completes commands, flags, flag values and the registries of the
 * config. zsh and fish are not installed on the test machines; their scripts are checked for
 * the calls they must make.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cliEnv, runCli } from '../harness/cli.js';

let dir: string;
let env: Record<string, string>;

function bash(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { env: cliEnv(env), cwd: dir, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** What bash offers for `line` (the cursor at its end), through the loaded completion function. */
async function completeLine(line: string): Promise<string[]> {
  const r = await bash(`
    source "${dir}/regctl.bash"
    COMP_LINE=${JSON.stringify(line)}
    COMP_POINT=\${#COMP_LINE}
    read -r -a COMP_WORDS <<< "$COMP_LINE"
    [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
    _regctl
    printf '%s\\n' "\${COMPREPLY[@]}"
  `);
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter((l) => l !== '');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regctl-completion-'));
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'xdg', 'regctl'), { recursive: true });
  await writeFile(join(dir, 'bin', 'regctl'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_BIN)} "$@"\n`);
  await chmod(join(dir, 'bin', 'regctl'), 0o755);
  await writeFile(join(dir, 'xdg', 'regctl', 'config.yaml'), 'hosts:\n  registry.example.com: {}\n  localhost:5000:\n    tls: disabled\n');
  await writeFile(join(dir, 'ca-bundle.pem'), '');
  env = { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, XDG_CONFIG_HOME: join(dir, 'xdg') };
  const script = await runCli(['completion', 'bash'], { env });
  expect(script.code).toBe(0);
  await writeFile(join(dir, 'regctl.bash'), script.stdout);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('bash completion', () => {
  it('parses (bash -n)', async () => {
    expect(await bash(`bash -n "${dir}/regctl.bash"`)).toMatchObject({ code: 0, stderr: '' });
  });

  it.each([
    ['regctl li', ['list']],
    ['regctl co', ['completion', 'config', 'copy']],
    ['regctl copy --pla', ['--plain-http', '--platform']],
    ['regctl copy --platform linux/arm', ['linux/arm/v7', 'linux/arm64']],
    ['regctl --json inspect --r', ['--raw']],
    ['regctl completion ', ['bash', 'fish', 'zsh']],
    ['regctl list reg', ['registry.example.com/']],
    ['regctl copy registry.example.com/app:1 loc', ['localhost:5000/']],
    // bash splits words at ":"; the reply must replace only what follows it.
    ['regctl ls localhost:5', ['5000/']],
    ['regctl login ', ['localhost:5000', 'registry.example.com']],
    ['regctl --config ca-', ['ca-bundle.pem']],
  ])('%j', async (line, want) => {
    expect((await completeLine(line)).sort()).toEqual(want);
  });
});

describe('zsh and fish scripts', () => {
  it('ask regctl __complete for candidates and fall back to file names', async () => {
    const zsh = await runCli(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef regctl/);
    expect(zsh.stdout).toContain('regctl __complete "${(@)words[2,CURRENT]}"');
    expect(zsh.stdout).toContain('_files');
    expect(zsh.stdout).toContain('compdef _regctl regctl');
    const fish = await runCli(['completion', 'fish']);
    expect(fish.stdout).toContain('regctl __complete $words[2..-1]');
    expect(fish.stdout).toContain("complete -c regctl -f -a '(__regctl_complete)'");
  });

  it('refuses an unknown shell', async () => {
    const r = await runCli(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no completion for "tcsh"; choose one of bash, zsh, fish');
  });
});
