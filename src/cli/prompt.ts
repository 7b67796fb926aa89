import { createInterface } from 'node:readline';
import { RegctlError } from '../errors.js';

/** Reads all of stdin (for `--password-stdin`), without the trailing newline. */
export async function readStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** True when stdin is a terminal a person can answer prompts on. */
export function stdinIsTerminal(stdin: NodeJS.ReadStream = process.stdin): boolean {
  return stdin.isTTY === true;
}

/**
 * Asks a question on the terminal (the question goes to stderr, so stdout stays for results).
 * With `hidden`, typed characters are not echoed: a password never appears on screen or in a
 * terminal recording. Ctrl-C or Ctrl-D cancels with a `USAGE` error.
 */
export async function prompt(question: string, hidden = false): Promise<string> {
  const what = question.replace(/[:\s(].*$/, '').toLowerCase();
  if (!stdinIsTerminal()) throw new RegctlError('USAGE', `cannot prompt for the ${what} because stdin is not a terminal`);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    // readline writes every echo and line refresh (after a backspace it redraws the prompt
    // *with the typed text*) through _writeToOutput: silence it all, and show the question here.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
    process.stderr.write(question);
  }
  try {
    return await new Promise<string>((resolve, reject) => {
      const cancel = () => reject(new RegctlError('USAGE', `no ${what} entered`));
      rl.once('SIGINT', cancel);
      rl.once('close', cancel);
      rl.question(hidden ? '' : question, (answer) => {
        rl.removeListener('close', cancel);
        resolve(answer);
      });
    });
  } finally {
    if (hidden) process.stderr.write('\n');
    rl.close();
  }
}
