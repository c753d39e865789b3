/**
 * What `plugin-apply` was asked to do: the command, its flags and their values, checked before anything is read
 * or sent. A problem is a `UsageError` (exit 2, with a pointer to --help).
 */
import { parseArgs } from 'node:util';
import { WECHAT_API_BASE_URL } from '../core/config';
import type { DecisionAction } from '../core/eventSchema';
import type { StatusName } from '../core/status';
import { parseDecision, parseListEvent } from '../core/eventSchema';
import { COMMAND_HELP, DEFAULT_TIMEOUT_S, GENERAL_HELP, MAX_TIMEOUT_S } from './help';

/** A problem with the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

/** A problem with the environment (credentials, base URL): exit code 2, and --help would not help. */
export class ConfigError extends UsageError {
  override readonly name = 'ConfigError';
}

type OptionTable = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

const COMMON_OPTIONS = {
  'base-url': { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Where the decision trail is (the cloud environment), and who the CLI's records name. */
const TRAIL_OPTIONS = {
  env: { type: 'string' },
  by: { type: 'string' },
} as const;

const DECISION_OPTIONS = {
  ...COMMON_OPTIONS,
  ...TRAIL_OPTIONS,
  file: { type: 'string', short: 'f', multiple: true },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
} as const;

/** A command: its options and, for a decision command, the action it sends. */
interface Command {
  name: CommandName;
  options: OptionTable;
  /** The decision it sends (`apply`: each line's own); absent for `list` and `watch`. */
  action?: DecisionAction | 'apply';
}

/** The commands, by name. */
export type CommandName = keyof typeof COMMAND_HELP;

const COMMANDS: Readonly<Record<CommandName, Command>> = {
  list: { name: 'list', options: { ...COMMON_OPTIONS, status: { type: 'string' }, 'from-page': { type: 'string' } } },
  agree: { name: 'agree', options: DECISION_OPTIONS, action: 'dev_agree' },
  refuse: { name: 'refuse', options: { ...DECISION_OPTIONS, reason: { type: 'string' } }, action: 'dev_refuse' },
  delete: { name: 'delete', options: DECISION_OPTIONS, action: 'dev_delete' },
  apply: { name: 'apply', options: { ...DECISION_OPTIONS, reason: { type: 'string' } }, action: 'apply' },
  history: { name: 'history', options: { ...COMMON_OPTIONS, env: { type: 'string' }, num: { type: 'string' } } },
  watch: {
    name: 'watch',
    options: { ...COMMON_OPTIONS, webhook: { type: 'string' }, state: { type: 'string' }, 'dry-run': { type: 'boolean' }, env: { type: 'string' } },
  },
};

/** The command called `name`; undefined for anything else (`toString` included). */
export function commandNamed(name: string | undefined): Command | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name as CommandName] : undefined;
}

/** The parsed flags, typed loosely: each command's option table decides which are allowed. */
export interface Flags {
  'base-url'?: string;
  json?: boolean;
  timeout?: string;
  verbose?: boolean;
  help?: boolean;
  file?: string[];
  'dry-run'?: boolean;
  reason?: string;
  status?: string;
  yes?: boolean;
  'from-page'?: string;
  env?: string;
  by?: string;
  num?: string;
  webhook?: string;
  state?: string;
}

/** What the command line asks for: a help text (on stdout or, when nothing was asked, stderr) or a command to run. */
export type CommandLine = { kind: 'help'; text: string; toStderr: boolean } | { kind: 'run'; command: Command; values: Flags; positionals: string[] };

/** `history --num`: how many records, 1–1000 (the database's largest read), default 20. */
export function parseNum(value: string | undefined): number {
  if (value === undefined) return 20;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) throw new UsageError(`--num must be a whole number from 1 to 1000 (got "${value}")`);
  return Number(value);
}

/** Parses `argv` (without node and the script); throws UsageError. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? commandNamed(rest[0]) : undefined;
    return { kind: 'help', text: topic === undefined ? GENERAL_HELP : COMMAND_HELP[topic.name], toStderr: name === undefined };
  }
  const command = commandNamed(name);
  if (command === undefined) throw new UsageError(unknownCommandMessage(name));
  checkOptionNames(command, rest);
  let parsed: { values: Flags; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (thrown) {
    throw new UsageError(parserMessage(thrown));
  }
  if (parsed.values.help === true) return { kind: 'help', text: COMMAND_HELP[command.name], toStderr: false };
  return { kind: 'run', command, values: parsed.values, positionals: parsed.positionals };
}

/** Words people type for a command, and the command they mean. */
const COMMAND_SYNONYMS: Readonly<Record<string, CommandName>> = {
  approve: 'agree',
  accept: 'agree',
  reject: 'refuse',
  deny: 'refuse',
  decline: 'refuse',
  remove: 'delete',
  rm: 'delete',
  del: 'delete',
  ls: 'list',
  show: 'list',
};

function unknownCommandMessage(name: string): string {
  const names = Object.keys(COMMANDS);
  const meant = Object.hasOwn(COMMAND_SYNONYMS, name) ? COMMAND_SYNONYMS[name] : nearest(name, names);
  return meant === undefined ? `unknown command "${name}": use ${names.join(', ')}` : `unknown command "${name}" (did you mean ${meant}?)`;
}

/**
 * Every option in `args` is one the command takes: otherwise a usage error that names the nearest one, rather than
 * Node's parser message (which suggests quoting it as a positional argument).
 */
function checkOptionNames(command: Command, args: readonly string[]): void {
  const longNames = Object.keys(command.options);
  const shortNames = Object.values(command.options).flatMap((option) => (option.short === undefined ? [] : [option.short]));
  for (const arg of args) {
    if (arg === '--') return;
    if (!arg.startsWith('-') || arg === '-') continue;
    const long = arg.startsWith('--');
    const optionName = long ? (arg.slice(2).split('=')[0] ?? '') : arg.slice(1, 2);
    if (long ? longNames.includes(optionName) : shortNames.includes(optionName)) continue;
    const meant = long ? nearest(optionName, longNames) : undefined;
    const elsewhere = Object.values(COMMANDS)
      .filter((other) => Object.hasOwn(other.options, optionName))
      .map((other) => other.name);
    const shown = long ? `--${optionName}` : `-${optionName}`;
    if (meant !== undefined) throw new UsageError(`unknown option ${shown} (did you mean --${meant}?)`);
    if (elsewhere.length > 0) throw new UsageError(`${command.name} takes no ${shown} (${elsewhere.join(' and ')} ${elsewhere.length === 1 ? 'does' : 'do'})`);
    throw new UsageError(`unknown option ${shown} for ${command.name}`);
  }
}

/** Node's parser message for what checkOptionNames lets through (a missing value, a value given to a switch), in our words. */
function parserMessage(thrown: unknown): string {
  // Read as a field, not by instanceof: under a test runner the error may come from another realm.
  const field = (thrown as { message?: unknown } | null)?.message;
  const message = typeof field === 'string' ? field : String(thrown);
  const missing = /^Option '(-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
  if (missing !== null) return `${missing[2] ?? 'the option'} needs a value`;
  const switched = /^Option '(--[\w-]+)' does not take an argument/.exec(message);
  if (switched !== null) return `${switched[1] ?? 'the option'} takes no value`;
  return message;
}

/** The candidate closest to `word` in edit distance, when close enough to be a typo (at most a third of it, and 2 or more allowed). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const allowed = Math.max(2, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** `--base-url`, else WECHAT_API_BASE_URL, else WeChat's own. */
export function parseBaseUrl(value: string | undefined): string {
  const url = value?.trim() || WECHAT_API_BASE_URL;
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new UsageError(`the base URL must be an http(s) URL, e.g. ${WECHAT_API_BASE_URL} (got "${url}")`);
  return url;
}

/** `--timeout` in milliseconds. */
export function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_S * 1000;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_S) {
    throw new UsageError(`--timeout must be a number of seconds above 0 and at most ${MAX_TIMEOUT_S} (a day) (got "${value}")`);
  }
  return seconds * 1000;
}

/** `--from-page N`: where a list walk starts (after one that was cut). */
export function parseFromPage(value: string | undefined): number {
  if (value === undefined) return 1;
  const page = Number(value);
  if (!Number.isInteger(page) || page < 1) throw new UsageError(`--from-page must be a page number, 1 or more (got "${value}")`);
  return page;
}

/** The status filter, checked by the list function's own schema. */
export function parseStatus(value: string | undefined): StatusName | undefined {
  if (value === undefined) return undefined;
  const parsed = parseListEvent({ status: value });
  if (!parsed.ok) throw new UsageError(`--status: ${parsed.issues.map((issue) => issue.messageEn).join('; ')}`);
  return parsed.value.status;
}

/** The refusal reason, checked once by the decision schema rather than failing every item alike. */
export function parseReason(value: string | undefined): string {
  if (value === undefined) throw new UsageError('refuse needs --reason TEXT: the applicant sees it');
  const parsed = parseDecision({ action: 'dev_refuse', reason: value });
  if (!parsed.ok) throw new UsageError(`--reason: ${parsed.issues.map((issue) => issue.messageEn).join('; ')}`);
  return value;
}
