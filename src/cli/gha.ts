/**
 * GitHub Actions integration, active only under `GITHUB_ACTIONS=true`. Errors are also written
 * as `::error::` workflow commands, which the runner turns into annotations on the run page.
 * They go to stderr with the rest of the diagnostics, so stdout stays the result: the runner
 * parses workflow commands on both streams (actions/runner,
 * src/Runner.Worker/Handlers/ScriptHandler.cs hands stdout and stderr to an OutputManager each).
 */
import { appendFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { RegctlError } from '../errors.js';

/** True inside a GitHub Actions step. */
export function inGitHubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** Escapes a workflow command's message (`%`, CR, LF), as @actions/core does. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command's property value (also `:` and `,`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** The `::error::` line for an error: titled with its code, the hint on a second line. */
export function errorAnnotation(err: unknown, text: string, code: string = err instanceof RegctlError ? err.code : 'INTERNAL'): string {
  return `::error title=${escapeProperty(`regctl: ${code}`)}::${escapeData(text.replace(/^error: /, ''))}\n`;
}

/**
 * Appends step outputs to `$GITHUB_OUTPUT` (a later step reads `steps.<id>.outputs.<name>`).
 * Multi-line values use a random heredoc delimiter, as @actions/core does. Nothing happens
 * outside Actions or when the file is not set.
 */
export async function setStepOutputs(outputs: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = env.GITHUB_OUTPUT;
  if (!inGitHubActions(env) || !file) return;
  const lines = Object.entries(outputs).map(([name, value]) => {
    const delimiter = `ghadelimiter_${randomUUID()}`;
    return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  });
  await appendFile(file, lines.join(''), 'utf8');
}
