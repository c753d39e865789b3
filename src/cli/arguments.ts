/**
 * What `plugin-apply` was asked to do: the command, its flags and their values, checked before anything is read
 * or sent. A problem is a `UsageError` (exit 2, with a pointer to --help).
 */
import { parseArgs } from 'node:util';
import { WECHAT_API_BASE_URL } from '../core/config';
import type { DecisionAction, StatusName } from '../core/eventSchema';
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

const DECISION_OPTIONS = {
  ...COMMON_OPTIONS,
  file: { type: 'string', short: 'f', multiple: true },
  'dry-run': { type: 'boolean' },
} as const;

/** A command: its options and, for a decision command, the action it sends. */
interface Command {
  name: CommandName;
  options: OptionTable;
  /** Absent for `list`. */
  action?: DecisionAction;
}

/** The commands, by name. */
export type CommandName = keyof typeof COMMAND_HELP;

const COMMANDS: Readonly<Record<CommandName, Command>> = {
  list: { name: 'list', options: { ...COMMON_OPTIONS, status: { type: 'string' } } },
  agree: { name: 'agree', options: DECISION_OPTIONS, action: 'dev_agree' },
  refuse: { name: 'refuse', options: { ...DECISION_OPTIONS, reason: { type: 'string' } }, action: 'dev_refuse' },
  delete: { name: 'delete', options: DECISION_OPTIONS, action: 'dev_delete' },
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
}

/** What the command line asks for: a help text (on stdout or, when nothing was asked, stderr) or a command to run. */
export type CommandLine =
  | { kind: 'help'; text: string; toStderr: boolean }
  | { kind: 'run'; command: Command; values: Flags; positionals: string[] };

/** Parses `argv` (without node and the script); throws UsageError. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? commandNamed(rest[0]) : undefined;
    return { kind: 'help', text: topic === undefined ? GENERAL_HELP : COMMAND_HELP[topic.name], toStderr: name === undefined };
  }
  const command = commandNamed(name);
  if (command === undefined) throw new UsageError(`unknown command "${name}": use list, agree, refuse or delete`);
  let parsed: { values: Flags; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (thrown) {
    throw new UsageError(thrown instanceof Error ? thrown.message : String(thrown));
  }
  if (parsed.values.help === true) return { kind: 'help', text: COMMAND_HELP[command.name], toStderr: false };
  return { kind: 'run', command, values: parsed.values, positionals: parsed.positionals };
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
