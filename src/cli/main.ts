/**
 * `plugin-apply`: the ops CLI. Lists applications and agrees to, refuses or deletes them over HTTPS with the
 * plugin's appid and AppSecret from the environment. A thin adapter: decisions go through `decideMany`, so they
 * get the cloud functions' validation, idempotent outcomes and retries. Built to dist/plugin-apply.js.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Walk } from '../core/applicationList';
import { readAllPages } from '../core/applicationList';
import { WECHAT_API_BASE_URL } from '../core/config';
import type { Deadline } from '../core/deadline';
import { DeadlineExceeded, remainingMs } from '../core/deadline';
import type { ApplyError } from '../core/errorTable';
import { ownError, wechatError } from '../core/errorTable';
import type { DecisionAction, StatusName } from '../core/eventSchema';
import { APPID_PATTERN, PAGE_SIZE_MAX, parseDecision, parseListEvent, REASON_MAX_CHARS } from '../core/eventSchema';
import { createHttpsClient } from '../wechat/httpsTransport';
import type { LogSink } from '../core/log';
import type { PluginApplyClient } from '../core/wechatClient';
import { WeChatApiError } from '../core/wechatClient';
import type { DecisionResult } from '../core/decisions';
import { BATCH_CONCURRENCY, decideMany } from '../core/decisions';
import type { CliContext } from './output';
import {
  countResults,
  createProgressBar,
  CREDENTIAL_CODES,
  describeError,
  forCli,
  formatApplicationsTable,
  formatDecisionLine,
  formatDryRunLine,
  formatHints,
  formatSummary,
  jsonText,
  printable,
} from './output';

/** 0: every decision succeeded (unchanged counts); 1: something failed; 2: bad usage or configuration. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** How long a whole command may take unless `--timeout` says otherwise: generous, it is not a cloud function. */
const DEFAULT_TIMEOUT_S = 600;

/** The longest `--timeout`: a day is past any real batch, and far below where setTimeout overflows (24.8 days). */
const MAX_TIMEOUT_S = 86_400;

/** Exit codes after a stop signal: 128 + the signal's number, as shells report a process it ended. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;

/** How long, after a stop signal, the calls already sent may take to answer before the report is printed anyway. */
const INTERRUPT_GRACE_MS = 3000;

/** An AppSecret as mp.weixin.qq.com shows it. */
const APPSECRET_PATTERN = /^[0-9a-f]{32}$/i;

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

const COMMON_HELP = `  --base-url URL     where WeChat's API is (default ${WECHAT_API_BASE_URL}), e.g. the local cloud
  --json             print JSON on stdout instead of text
  --timeout SECONDS  give up after this long (default ${DEFAULT_TIMEOUT_S}, at most ${MAX_TIMEOUT_S})
  --verbose          write the core's log records (retries…) to stderr as JSON lines
  -h, --help         show this help`;

const DECISION_HELP = `  -f, --file F       read appids from F (repeatable)
  --dry-run          validate everything, call nothing
${COMMON_HELP}`;

const APPIDS_HELP = `Appids ("wx" + 16 lowercase hex characters) come from the arguments, from --file F (one a line, or separated
by blanks or commas; # starts a comment) and from stdin: "-", or piped in when no other appids are given.
A malformed appid fails on its own (INVALID_EVENT); the others still proceed.`;

const FOOTER = `Environment:
  PLUGIN_APPID, PLUGIN_APPSECRET  required: the plugin's appid and AppSecret (mp.weixin.qq.com → 开发管理 → 开发设置)
  WECHAT_API_BASE_URL             optional: like --base-url
Exit codes: 0 every decision succeeded (already so counts) · 1 something failed · 2 usage or configuration error`;

const GENERAL_HELP = `plugin-apply: decide on applications to use your mini-program plugin (WeChat /wxa/devplugin).

Usage:
  plugin-apply list [--status pending|approved|refused|expired] [--json]
  plugin-apply agree APPID… [--file F] [--dry-run] [--json]
  plugin-apply refuse --reason TEXT APPID… [--file F] [--dry-run] [--json]
  plugin-apply delete APPID… [--file F] [--dry-run] [--json]

Run "plugin-apply COMMAND -h" for a command's options.

${FOOTER}
`;

interface Command {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
  /** Absent for `list`. */
  action?: DecisionAction;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  list: {
    usage: `Usage: plugin-apply list [--status pending|approved|refused|expired] [--json]

Lists every application (all pages) as a table, or with --json as an array of normalised items.

Options:
  --status S         only applications with this status
${COMMON_HELP}

${FOOTER}
`,
    options: { ...COMMON_OPTIONS, status: { type: 'string' } },
  },
  agree: {
    usage: `Usage: plugin-apply agree APPID… [--file F] [--dry-run] [--json]

Agrees to pending applications. One already approved counts as success ("unchanged").

${APPIDS_HELP}

Options:
${DECISION_HELP}

${FOOTER}
`,
    options: DECISION_OPTIONS,
    action: 'dev_agree',
  },
  refuse: {
    usage: `Usage: plugin-apply refuse --reason TEXT APPID… [--file F] [--dry-run] [--json]

Refuses pending applications with a reason the applicant sees. One already refused counts as success ("unchanged").

${APPIDS_HELP}

Options:
  --reason TEXT      required: why, at most ${REASON_MAX_CHARS} characters
${DECISION_HELP}

${FOOTER}
`,
    options: { ...DECISION_OPTIONS, reason: { type: 'string' } },
    action: 'dev_refuse',
  },
  delete: {
    usage: `Usage: plugin-apply delete APPID… [--file F] [--dry-run] [--json]

Deletes refused or timed-out applications from the list. One already gone counts as success ("unchanged").

${APPIDS_HELP}

Options:
${DECISION_HELP}

${FOOTER}
`,
    options: DECISION_OPTIONS,
    action: 'dev_delete',
  },
};

/** The command called `name`; undefined for anything else (`toString` included). */
function commandNamed(name: string | undefined): Command | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

/** A problem with the command line: printed with a pointer to --help, exit code 2. */
class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

/** A problem with the environment (credentials, base URL): exit code 2, and --help would not help. */
class ConfigError extends UsageError {
  override readonly name = 'ConfigError';
}

/** The parsed flags, typed loosely: each command's option table decides which are allowed. */
interface Flags {
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

/** Runs the CLI with `argv` (without node and the script) and resolves its exit code. */
async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? commandNamed(rest[0]) : undefined;
    (name === undefined ? process.stderr : process.stdout).write(topic?.usage ?? GENERAL_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commandNamed(name);
  if (command === undefined) throw new UsageError(`unknown command "${name}": use list, agree, refuse or delete`);
  let parsed: { values: Flags; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (thrown) {
    throw new UsageError(thrown instanceof Error ? thrown.message : String(thrown));
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(command.usage);
    return EXIT.ok;
  }
  const timeoutMs = parseTimeout(values.timeout);
  const baseUrl = parseBaseUrl(values['base-url'] ?? env.WECHAT_API_BASE_URL);
  const log: LogSink = values.verbose === true ? (record) => process.stderr.write(`${JSON.stringify(record)}\n`) : () => undefined;
  if (command.action === undefined) {
    if (positionals.length > 0) throw new UsageError(`list takes no appids (got "${positionals[0]}")`);
    const status = parseStatus(values.status);
    const client = createHttpsClient({ ...readCredentials(env), baseUrl });
    const context: CliContext = { command: 'list', baseUrl, timeoutS: timeoutMs / 1000 };
    return listCommand(client, status, { json: values.json === true, deadline: deadlineIn(timeoutMs), log, context });
  }
  const reason = command.action === 'dev_refuse' ? parseReason(values.reason) : undefined;
  // --timeout bounds the whole command, waiting for appids on stdin included.
  const deadline = deadlineIn(timeoutMs);
  const appids = await readAppids(positionals, values.file ?? [], deadline);
  const events = appids.map((appid) => ({ action: command.action, appid, ...(reason === undefined ? {} : { reason }) }));
  // A dry run calls nothing, so it needs no credentials: it can check a file before they are at hand.
  if (values['dry-run'] === true) return dryRun(appids, events, values.json === true);
  const client = createHttpsClient({ ...readCredentials(env), baseUrl });
  const context: CliContext = { command: 'decide', baseUrl, timeoutS: timeoutMs / 1000 };
  return decideCommand(client, command.action, appids, events, { json: values.json === true, deadline, log, context });
}

/** The plugin's credentials, only ever from the environment (a flag would land in shell history). */
function readCredentials(env: NodeJS.ProcessEnv): { appid: string; secret: string } {
  const appid = env.PLUGIN_APPID?.trim() ?? '';
  const secret = env.PLUGIN_APPSECRET?.trim() ?? '';
  const missing = [appid === '' ? 'PLUGIN_APPID' : null, secret === '' ? 'PLUGIN_APPSECRET' : null].filter((n): n is string => n !== null);
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set. Set PLUGIN_APPID (the plugin's appid) and ` +
        'PLUGIN_APPSECRET (its AppSecret) in the environment; both are at mp.weixin.qq.com → 开发管理 → 开发设置 ' +
        '(Development → Development settings). They are read only from the environment, never from flags, so they stay out of shell history.',
    );
  }
  if (!APPID_PATTERN.test(appid)) {
    throw new ConfigError('PLUGIN_APPID must be the plugin\'s appid: "wx" followed by 16 lowercase hex characters (mp.weixin.qq.com → 开发管理 → 开发设置).');
  }
  if (!APPSECRET_PATTERN.test(secret)) {
    // Only its length is shown: the value is a credential even when it is a wrong one.
    throw new ConfigError(
      `PLUGIN_APPSECRET is malformed: an AppSecret is 32 hexadecimal characters, this one has ${[...secret].length} characters` +
        `${/^[0-9a-f]*$/i.test(secret) ? '' : ' and not only hexadecimal ones'}. Copy it again from mp.weixin.qq.com → 开发管理 → 开发设置 (Development → Development settings).`,
    );
  }
  return { appid, secret };
}

function parseBaseUrl(value: string | undefined): string {
  const url = value?.trim() || WECHAT_API_BASE_URL;
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new UsageError(`the base URL must be an http(s) URL, e.g. ${WECHAT_API_BASE_URL} (got "${url}")`);
  return url;
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_S * 1000;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_S) {
    throw new UsageError(`--timeout must be a number of seconds above 0 and at most ${MAX_TIMEOUT_S} (a day) (got "${value}")`);
  }
  return seconds * 1000;
}

/** The status filter, checked by the list function's own schema. */
function parseStatus(value: string | undefined): StatusName | undefined {
  if (value === undefined) return undefined;
  const parsed = parseListEvent({ status: value });
  if (!parsed.ok) throw new UsageError(`--status: ${parsed.issues.map((issue) => issue.messageEn).join('; ')}`);
  return parsed.value.status;
}

/** The refusal reason, checked once by the decision schema rather than failing every item alike. */
function parseReason(value: string | undefined): string {
  if (value === undefined) throw new UsageError('refuse needs --reason TEXT: the applicant sees it');
  const parsed = parseDecision({ action: 'dev_refuse', reason: value });
  if (!parsed.ok) throw new UsageError(`--reason: ${parsed.issues.map((issue) => issue.messageEn).join('; ')}`);
  return value;
}

/**
 * Appids from the arguments, `--file`s and stdin (for "-", or when stdin is piped and nothing else was given),
 * in order, each once. They are not validated here: a bad one is that item's INVALID_EVENT.
 */
async function readAppids(positionals: readonly string[], files: readonly string[], deadline: Deadline): Promise<string[]> {
  const words: string[] = [];
  const wantsStdin = positionals.includes('-') || (positionals.length === 0 && files.length === 0 && process.stdin.isTTY !== true);
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
  if (wantsStdin) words.push(...splitAppids(await readStdin(deadline)));
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
async function readStdin(deadline: Deadline): Promise<string> {
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
    for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  })();
  try {
    return await Promise.race([read, tooLate]);
  } finally {
    clearTimeout(timer);
  }
}

/** A deadline `ms` from now. */
function deadlineIn(ms: number): Deadline {
  return { at: Date.now() + ms, now: Date.now };
}

/** `list`: every page, filtered by status, as a table or JSON. */
async function listCommand(
  client: PluginApplyClient,
  status: StatusName | undefined,
  opts: { json: boolean; deadline: Deadline; log: LogSink; context: CliContext },
): Promise<number> {
  const onRetry = (thrown: WeChatApiError, attempt: number): void =>
    opts.log({ level: 'warn', event: 'retry', action: 'dev_apply_list', errCode: thrown.errCode, attempt });
  let walk: Walk;
  try {
    // Each page is retried on its own inside the walk.
    walk = await readAllPages(client, opts.deadline, { num: PAGE_SIZE_MAX, onRetry });
  } catch (thrown) {
    const error = forCli(errorOf(thrown), opts.context);
    process.stderr.write(`✗ list failed: ${describeError(error)}\n${formatHints([error])}`);
    return CREDENTIAL_CODES.has(error.code) ? EXIT.usage : EXIT.failed;
  }
  const items = walk.items.filter((item) => status === undefined || item.statusName === status);
  process.stdout.write(opts.json ? `${jsonText(items)}\n` : formatApplicationsTable(items, status));
  if (!walk.complete) {
    const why =
      walk.cutReason ??
      (walk.stoppedBy === undefined ? 'the time limit ran out while reading pages; raise --timeout' : `page ${walk.nextPage ?? '?'} failed: ${describeError(errorOf(walk.stoppedBy))}`);
    // Running again would only meet a repeating page again; the other cuts may pass.
    process.stderr.write(`✗ the list is incomplete: ${why}${walk.cutReason === undefined ? '; run again' : ''}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

/** A thrown WeChat or deadline failure as the error table's entry. */
function errorOf(thrown: unknown): ApplyError {
  if (thrown instanceof WeChatApiError) return wechatError(thrown.errCode, thrown.errMsg, thrown.httpStatus);
  if (thrown instanceof DeadlineExceeded) return ownError('TIMEOUT');
  throw thrown;
}

/** `--dry-run`: each event checked by the cloud functions' schema; nothing is sent. */
function dryRun(appids: readonly string[], events: readonly object[], json: boolean): number {
  const problems = events.map((event) => {
    const parsed = parseDecision(event);
    return parsed.ok ? null : ownError('INVALID_EVENT', { issues: parsed.issues });
  });
  const invalid = problems.filter((problem) => problem !== null).length;
  if (json) {
    const results = appids.map((appid, i) => ({ appid, ok: problems[i] === null, ...(problems[i] ? { error: problems[i] } : {}) }));
    process.stdout.write(`${jsonText({ dryRun: true, results, summary: { valid: appids.length - invalid, invalid } })}\n`);
  } else {
    const lines = appids.map((appid, i) => formatDryRunLine(appid, problems[i] ?? null));
    process.stdout.write(`${lines.join('\n')}\ndry run: ${appids.length - invalid} valid, ${invalid} invalid; nothing was sent\n`);
  }
  return invalid === 0 ? EXIT.ok : EXIT.failed;
}

/**
 * Decides every appid through the core. After an account-wide refusal (credentials, IP whitelist, quota) the
 * core starts no new item, since each would meet it again: it reports the rest SKIPPED. A first SIGINT or SIGTERM
 * starts no new item either, gives the calls already sent a moment to answer, and reports what was applied, what
 * was still in flight and what was not attempted; a second one exits at once.
 */
async function decideCommand(
  client: PluginApplyClient,
  action: DecisionAction,
  appids: readonly string[],
  events: readonly object[],
  opts: { json: boolean; deadline: Deadline; log: LogSink; context: CliContext },
): Promise<number> {
  const progress = createProgressBar(process.stderr, events.length);
  const settledSoFar: Array<DecisionResult | undefined> = new Array<DecisionResult | undefined>(events.length).fill(undefined);
  let settled = 0;
  let failed = 0;
  const onSettled = (index: number, result: DecisionResult): void => {
    settledSoFar[index] = result;
    settled += 1;
    if (!result.ok) failed += 1;
    progress.update(settled, failed);
  };
  const stop = watchStopSignals();
  // Which decisions were sent: after a stop, an unsettled item is in flight only if its call went out.
  const sent = new Set<string>();
  const recordingClient: PluginApplyClient = {
    listApplications: (page, num) => client.listApplications(page, num),
    setApplyStatus: (request) => {
      if (request.appid !== undefined) sent.add(request.appid);
      return client.setApplyStatus(request);
    },
  };
  const batch = decideMany(
    events,
    { client: recordingClient, deadline: opts.deadline, log: opts.log, requestId: null },
    { concurrency: BATCH_CONCURRENCY, onSettled, shouldStart: () => stop.received() === null },
  );
  const first = await Promise.race([batch, stop.stopped]);
  let decided: ReadonlyArray<DecisionResult | undefined>;
  const signal = stop.received();
  if (Array.isArray(first)) {
    decided = first;
  } else {
    const grace = Math.max(0, Math.min(INTERRUPT_GRACE_MS, remainingMs(opts.deadline)));
    decided = (await Promise.race([batch, pause(grace)])) ?? [...settledSoFar];
  }
  stop.dispose();
  progress.clear();
  if (signal !== null) return reportInterrupted(action, appids, decided, sent, signal, opts);
  const results = decided.map((result) => forCliResult(result as DecisionResult, opts.context));
  const counts = countResults(results);
  if (opts.json) {
    const withAppids = results.map((result, i) => ({ ...result, appid: appids[i] }));
    process.stdout.write(`${jsonText({ results: withAppids, summary: counts })}\n`);
  } else {
    const lines = results.map((result, i) => formatDecisionLine(appids[i] ?? '', result));
    process.stdout.write(`${lines.join('\n')}\n${formatSummary(action, counts)}\n`);
  }
  const errors = results.flatMap((result) => (result.ok ? [] : [result.error]));
  process.stderr.write(formatHints(errors));
  // WeChat refusing the appid or AppSecret is the configuration's fault, like a missing one: exit 2, not 1.
  if (errors.some((error) => CREDENTIAL_CODES.has(error.code))) return EXIT.usage;
  return counts.failed + counts.notAttempted + counts.skipped === 0 ? EXIT.ok : EXIT.failed;
}

function forCliResult(result: DecisionResult, context: CliContext): DecisionResult {
  return result.ok ? result : { ...result, error: forCli(result.error, context) };
}

/**
 * The report of a batch stopped by a signal: every settled result, the appids whose call was sent but not answered
 * (outcome unknown) and those never sent, in text or JSON; exits with the signal's conventional code.
 */
function reportInterrupted(
  action: DecisionAction,
  appids: readonly string[],
  decided: ReadonlyArray<DecisionResult | undefined>,
  sent: ReadonlySet<string>,
  signal: StopSignal,
  opts: { json: boolean; context: CliContext },
): number {
  const results: DecisionResult[] = [];
  const inFlight: string[] = [];
  const notAttempted: string[] = [];
  decided.forEach((result, i) => {
    const appid = appids[i] ?? '';
    if (result === undefined) (sent.has(appid) ? inFlight : notAttempted).push(appid);
    // NOT_ATTEMPTED here is the signal's doing, not the time limit's, whatever the core's text says.
    else if (!result.ok && result.error.code === 'NOT_ATTEMPTED') notAttempted.push(appid);
    else results.push({ ...forCliResult(result, opts.context), appid } as DecisionResult);
  });
  const counts = { ...countResults(results), total: appids.length, inFlight: inFlight.length, notAttempted: notAttempted.length };
  if (opts.json) {
    process.stdout.write(`${jsonText({ interrupted: signal, results, inFlight, notAttempted, summary: counts })}\n`);
  } else {
    const lines = [
      ...results.map((result) => formatDecisionLine((result as { appid?: string }).appid ?? '', result)),
      ...inFlight.map((appid) => `? ${printable(appid)} sent, no answer before the stop: outcome unknown (check with plugin-apply list)`),
      ...notAttempted.map((appid) => `- ${printable(appid)} not attempted: the run was stopped first`),
    ];
    const summary =
      `${commandOf(action)} stopped by ${signal}: ${appids.length} appids — ${counts.changed} ${doneWord(action)}, ${counts.unchanged} unchanged, ` +
      `${counts.failed} failed, ${inFlight.length} in flight (outcome unknown), ${notAttempted.length} not attempted`;
    process.stdout.write(`${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${summary}\n`);
  }
  process.stderr.write(formatHints(results.flatMap((result) => (result.ok ? [] : [result.error]))));
  return SIGNAL_EXIT[signal];
}

function commandOf(action: DecisionAction): string {
  return action.replace(/^dev_/, '');
}

function doneWord(action: DecisionAction): string {
  return { dev_agree: 'agreed', dev_refuse: 'refused', dev_delete: 'deleted' }[action];
}

function pause(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}

/**
 * Watches SIGINT and SIGTERM while a batch runs: the first resolves `stopped` (and is what `received` returns);
 * a second exits at once with the signal's code, for an operator who will not wait.
 */
function watchStopSignals(): { stopped: Promise<StopSignal>; received: () => StopSignal | null; dispose: () => void } {
  let received: StopSignal | null = null;
  let resolveStopped: (signal: StopSignal) => void = () => undefined;
  const stopped = new Promise<StopSignal>((resolve) => (resolveStopped = resolve));
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = (): void => {
      if (received !== null) {
        process.stderr.write(`\nplugin-apply: ${signal} again: exiting now; the report is lost\n`);
        process.exit(SIGNAL_EXIT[signal]);
      }
      received = signal;
      process.stderr.write(`\nplugin-apply: ${signal}: starting no new item; waiting up to ${INTERRUPT_GRACE_MS / 1000} s for the ones sent (${signal} again to exit now)\n`);
      resolveStopped(signal);
    };
    process.on(signal, handler);
    return { signal, handler };
  });
  return {
    stopped,
    received: () => received,
    dispose: () => handlers.forEach(({ signal, handler }) => process.off(signal, handler)),
  };
}

/**
 * Sets the exit code and exits once stdout and stderr have taken everything written. Exiting rather than letting
 * the event loop drain is what makes --timeout bound the process: a request still waiting on a server that never
 * answers, or a keep-alive socket, would otherwise keep it alive after the answer was printed.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let open = 2;
  let finalCode = code;
  const flushed = (): void => {
    open -= 1;
    if (open === 0) process.exit(finalCode);
  };
  process.stdout.write('', (error) => {
    const failure = error ?? stdoutFailure;
    // An answer that could not be written (disk full) is no answer: a script must not go on with it. A reader that
    // closed the pipe early (`| head -1`) took what it wanted, as with any Unix tool: no message, the code as it was.
    if (failure !== null && failure !== undefined && (failure as NodeJS.ErrnoException).code !== 'EPIPE') {
      process.stderr.write(`plugin-apply: could not write the answer to stdout: ${(failure as NodeJS.ErrnoException).code ?? failure.message}\n`);
      if (finalCode === EXIT.ok) finalCode = EXIT.failed;
    }
    flushed();
  });
  process.stderr.write('', flushed);
}

/** The first failed write to stdout: Node reports it as an event, and without a listener it would pass unseen. */
let stdoutFailure: Error | null = null;
process.stdout.on('error', (error: Error) => {
  stdoutFailure ??= error;
});

const argv = process.argv.slice(2);
main(argv, process.env).then(exitWhenFlushed, (thrown: unknown) => {
  if (thrown instanceof UsageError) {
    const command = commandNamed(argv[0]) === undefined ? '' : `${printable(argv[0] ?? '')} `;
    const pointer = thrown instanceof ConfigError ? '' : `Run "plugin-apply ${command}--help" for usage.\n`;
    process.stderr.write(`plugin-apply: ${printable(thrown.message)}\n${pointer}`);
    exitWhenFlushed(EXIT.usage);
    return;
  }
  process.stderr.write(`plugin-apply: unexpected error: ${printable(thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown))}\n`);
  exitWhenFlushed(EXIT.failed);
});
