/** Where the appids of a decision command come from: the arguments, `--file`s and stdin. */
import { readFileSync } from 'node:fs';
import type { Deadline } from '../core/deadline';
import { remainingMs } from '../core/deadline';
import { UsageError } from './arguments';

/** Standard input as the CLI reads it: chunks until it closes, and whether it is a terminal. */
export interface Stdin extends AsyncIterable<Buffer | string> {
  isTTY?: boolean;
}

/**
 * Appids from the arguments, `--file`s and stdin (for "-", or when stdin is piped and nothing else was given),
 * in order, each once. They are not validated here: a bad one is that item's INVALID_EVENT.
 */
export async function readAppids(positionals: readonly string[], files: readonly string[], deadline: Deadline, stdin: Stdin): Promise<string[]> {
  const words: string[] = [];
  const wantsStdin = positionals.includes('-') || (positionals.length === 0 && files.length === 0 && stdin.isTTY !== true);
  for (const positional of positionals) if (positional !== '-') words.push(...splitAppids(positional));
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (thrown) {
      throw new UsageError(`cannot read --file ${file}: ${(thrown as NodeJS.ErrnoException).code ?? String(thrown)}`);
    }
    words.push(...splitAppids(text));
  }
  if (wantsStdin) words.push(...splitAppids(await readStdin(stdin, deadline)));
  if (words.length === 0) throw new UsageError('no appids given: pass them as arguments, with --file F, or on stdin ("-")');
  return [...new Set(words)];
}

/** Appids separated by blanks, commas or line breaks; `#` starts a comment that runs to the end of the line. */
function splitAppids(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(/[\s,，]+/))
    .filter((word) => word !== '');
}

/** Everything on stdin, or a usage error when stdin is still open at the deadline (a parent that never closes it). */
async function readStdin(stdin: Stdin, deadline: Deadline): Promise<string> {
  const chunks: Buffer[] = [];
  let timer: NodeJS.Timeout | undefined;
  const tooLate = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new UsageError(
          `stdin was still open when --timeout ran out (${chunks.length === 0 ? 'no appids had arrived' : 'the appids had not ended'}): ` +
            'close stdin after the appids (e.g. pipe a file in), or pass them as arguments or with --file F',
        ),
      );
    }, remainingMs(deadline));
  });
  const read = (async (): Promise<string> => {
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  })();
  try {
    return await Promise.race([read, tooLate]);
  } finally {
    clearTimeout(timer);
  }
}
