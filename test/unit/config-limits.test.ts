import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractConfigFlag } from '../../src/cli/config-flag.js';
import { makeContext, type CommandContext } from '../../src/cli/context.js';
import { TransferLimits } from '../../src/copy/limits.js';

/** The most blob transfers `limits` lets run at once for `host`. */
async function peak(limits: TransferLimits, host: string): Promise<number> {
  let active = 0;
  let most = 0;
  await Promise.all(Array.from({ length: 12 }, () => limits.blobs(host)(async () => {
    most = Math.max(most, ++active);
    await new Promise((r) => setTimeout(r, 5));
    active--;
  }, 1)));
  return most;
}

describe('concurrency from the config: --concurrency, then the host, then the global default', () => {
  let dir: string;
  const contexts: CommandContext[] = [];
  const context = async (argv: string[]) => {
    const program = new Command('regctl').exitOverride();
    let ctx: CommandContext | undefined;
    program.command('copy').option('--concurrency <n>').action(async (_o, cmd: Command) => { ctx = await makeContext(cmd); });
    await program.parseAsync(['copy', ...argv], { from: 'user' });
    contexts.push(ctx!);
    return ctx!;
  };

  const saved = process.env.REGCTL_CONFIG;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regctl-limits-'));
    await writeFile(join(dir, 'c.yaml'), 'concurrency: 3\nhosts:\n  slow.example.com:\n    concurrency: 1\n');
    // What `--config <file>` becomes (src/cli/config-flag.ts).
    process.env.REGCTL_CONFIG = join(dir, 'c.yaml');
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.REGCTL_CONFIG;
    else process.env.REGCTL_CONFIG = saved;
    await Promise.all(contexts.map((c) => c.client().close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the host\'s own limit, else the global one', async () => {
    const ctx = await context([]);
    const limits = new TransferLimits(ctx.limits());
    expect(await peak(limits, 'slow.example.com')).toBe(1);
    expect(await peak(limits, 'fast.example.com')).toBe(3);
  });

  it('lets --concurrency override both', async () => {
    const ctx = await context([]);
    const limits = new TransferLimits(ctx.limits(5));
    expect(await peak(limits, 'slow.example.com')).toBe(5);
    expect(await peak(limits, 'fast.example.com')).toBe(5);
  });
});

describe('the global --config flag (src/cli/config-flag.ts)', () => {
  const program = () => {
    const p = new Command('regctl').option('--format <t>').option('--json');
    p.command('inspect <ref>').option('--config').option('--platform <p>');
    p.command('copy <src> <dst...>').option('--platform <p>');
    return p;
  };
  it.each([
    [['--config', 'a.yaml', 'inspect', 'r'], ['inspect', 'r'], 'a.yaml'],
    [['--config=a.yaml', 'copy', 's', 'd'], ['copy', 's', 'd'], 'a.yaml'],
    [['copy', 's', 'd', '--config', 'b.yaml', '--json'], ['copy', 's', 'd', '--json'], 'b.yaml'],
    [['copy', '--platform', 'inspect', 's', 'd', '--config', 'b.yaml'], ['copy', '--platform', 'inspect', 's', 'd'], 'b.yaml'],
    [['--format', 'inspect', 'inspect', '--config', 'r'], ['--format', 'inspect', 'inspect', '--config', 'r'], undefined],
    [['--config', 'c.yaml', 'inspect', '--config', '--platform', 'linux/amd64', 'r'], ['inspect', '--config', '--platform', 'linux/amd64', 'r'], 'c.yaml'],
    [['copy', 's', '--', '--config', 'x'], ['copy', 's', '--', '--config', 'x'], undefined],
  ])('%j', (args, rest, config) => {
    expect(extractConfigFlag(program(), args)).toEqual({ args: rest, ...(config !== undefined && { config }) });
  });

  it('wants a value', () => {
    expect(() => extractConfigFlag(program(), ['copy', '--config'])).toThrow(/--config <file>' argument missing/);
  });
});
