import type { Command } from 'commander';
import { RegctlError } from '../../errors.js';
import { SHELLS } from '../completion.js';
import { completionScript } from '../completion-scripts.js';
import { makeOutput, type GlobalOptions } from '../context.js';

/** `regctl completion <shell>`: the completion script for bash, zsh or fish. */
export function registerCompletion(program: Command): void {
  program
    .command('completion <shell>')
    .summary('print the completion script for bash, zsh or fish')
    .description('print the shell completion script for bash, zsh or fish: commands, flags, and the registries of your config for list, copy and the other image commands. bash: source <(regctl completion bash); zsh: source <(regctl completion zsh); fish: regctl completion fish | source')
    .action(async (shell: string, _opts: unknown, cmd: Command) => {
      if (!(SHELLS as readonly string[]).includes(shell)) throw new RegctlError('USAGE', `no completion for ${JSON.stringify(shell)}; choose one of ${SHELLS.join(', ')}`);
      const out = await makeOutput(cmd.optsWithGlobals<GlobalOptions>());
      const script = completionScript(shell as (typeof SHELLS)[number]);
      out.result({ shell, script }, { lines: () => [script] });
    });
}
