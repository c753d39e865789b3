/** Where the appids of a single-action command come from: the arguments, `--file`s and stdin. */
import { readFileSync } from 'node:fs';
import type { Deadline } from '../core/deadline';
import { raceTimer, remainingMs } from '../core/deadline';
import { APPID_PATTERN } from '../core/eventSchema';
import { UsageError } from './arguments';

/** Standard input as the CLI reads it: chunks until it closes, and whether it is a terminal. */
export interface Stdin extends AsyncIterable<Buffer | string> {
  isTTY?: boolean;
}

/** Most bad words named in one usage error: past that, a count. */
const SHOWN_PROBLEMS = 10;

/** A word of input and where it came from, for an error that names the line. */
interface Word {
  text: string;
  where: string;
}

/**
 * Appids from the arguments, `--file`s and stdin (for "-", or when stdin is piped and nothing else was given),
 * in order, each once. All of it is read and checked before anything is sent: a word that is not an appid (a
 * mixed-action line such as `refuse wx… 资质不全` in a file given to `agree`) is a usage error naming its line.
 */
export async function readAppids(positionals: readonly string[], files: readonly string[], deadline: Deadline, stdin: Stdin): Promise<string[]> {
  const words: Word[] = [];
  const wantsStdin = positionals.includes('-') || (positionals.length === 0 && files.length === 0 && stdin.isTTY !== true);
  positionals.forEach((positional, i) => {
    if (positional !== '-') words.push(...splitAppids(positional, () => `argument ${i + 1}`));
  });
  for (const file of files) words.push(...splitAppids(readInputFile(file), (line) => `--file ${file} line ${line}`));
  if (wantsStdin) words.push(...splitAppids(await readStdin(stdin, deadline), (line) => `stdin line ${line}`));
  if (words.length === 0) throw new UsageError('no appids given: pass them as arguments, with --file F, or on stdin ("-")');
  const bad = words.filter((word) => !APPID_PATTERN.test(word.text));
  if (bad.length > 0) throw new UsageError(notAppidsMessage(bad));
  return [...new Set(words.map((word) => word.text))];
}

/** A usage error's text for the words that are not appids: one line per input line, then why nothing was sent. */
function notAppidsMessage(bad: readonly Word[]): string {
  const byLine = new Map<string, string[]>();
  for (const word of bad) byLine.set(word.where, [...(byLine.get(word.where) ?? []), JSON.stringify(word.text)]);
  const lines = [...byLine].map(([where, texts]) => `  ${where}: ${texts.join(', ')} ${texts.length === 1 ? 'is not an appid' : 'are not appids'}`);
  const shown = lines.length > SHOWN_PROBLEMS ? [...lines.slice(0, SHOWN_PROBLEMS), `  … and ${lines.length - SHOWN_PROBLEMS} more lines`] : lines;
  const actionWords = bad.some((word) => ['agree', 'refuse', 'delete'].includes(word.text));
  const apply = actionWords ? ['A file with an action on each line ("refuse wx… 理由") goes to plugin-apply apply --file F.'] : [];
  return ['every appid is "wx" and 16 lowercase hex characters; nothing was sent:', ...shown, ...apply].join('\n');
}

/** A `--file`'s text; a usage error when it cannot be read. */
export function readInputFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (thrown) {
    throw new UsageError(`cannot read --file ${file}: ${(thrown as NodeJS.ErrnoException).code ?? String(thrown)}`);
  }
}

/** Words separated by blanks, commas or line breaks; `#` starts a comment that runs to the end of the line. */
function splitAppids(text: string, where: (line: number) => string): Word[] {
  return text.split(/\r?\n/).flatMap((line, i) =>
    line
      .replace(/#.*/, '')
      .split(/[\s,，]+/)
      .filter((word) => word !== '')
      .map((word) => ({ text: word, where: where(i + 1) })),
  );
}

/** Everything on stdin, or a usage error when stdin is still open at the deadline (a parent that never closes it). */
export async function readStdin(stdin: Stdin, deadline: Deadline): Promise<string> {
  const chunks: Buffer[] = [];
  const read = (async (): Promise<string> => {
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  })();
  return raceTimer(read, remainingMs(deadline), () => {
    throw new UsageError(
      `stdin was still open when --timeout ran out (${chunks.length === 0 ? 'no appids had arrived' : 'the appids had not ended'}): ` +
        'close stdin after the appids (e.g. pipe a file in), or pass them as arguments or with --file F',
    );
  });
}
