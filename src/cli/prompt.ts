import { createInterface } from 'node:readline';
import { RegctlError } from '../errors.js';

/** Reads all of stdin (for `--password-stdin`), without the trailing newline. */
export async function readStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks a question on the terminal; with `hidden`, typed characters are not echoed. */
export async function prompt(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) throw new RegctlError('USAGE', `cannot prompt for ${question.replace(/:\s*$/, '').toLowerCase()}: stdin is not a terminal`);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    // Replace readline's echo of each keystroke with nothing; the question itself still shows.
    const echo = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
    echo._writeToOutput = (s: string) => { if (s.includes(question)) echo.output.write(s); };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    if (hidden) process.stderr.write('\n');
    rl.close();
  }
}
