/**
 * `plugin-apply agree | refuse | delete | apply`: reads the list once for the applicants' nicknames (the same walk
 * settles "already done" answers), shows what it is about to do and, on a terminal, asks; then decides everything through the core's `decideMany` as one batch,
 * with a progress bar, one line per decision and a summary. A stop signal gets a report of what was and was not sent.
 */
import type { Application, Walk } from '../core/applicationList';
import { readAllPages } from '../core/applicationList';
import type { Deadline } from '../core/deadline';
import { raceTimer, remainingMs } from '../core/deadline';
import type { DecisionResult } from '../core/decisions';
import { BATCH_CONCURRENCY, decideMany } from '../core/batch';
import type { DecisionAction } from '../core/eventSchema';
import { PAGE_SIZE_MAX } from '../core/eventSchema';
import type { LogSink } from '../core/log';
import type { PluginApplyClient } from '../core/wechatClient';
import type { PlannedDecision } from './decisionFile';
import type { ReportTarget } from './decisionReport';
import { reportInterrupted, reportResults } from './decisionReport';
import type { SignalSource, TextSink } from './deps';
import { EXIT } from './exitCodes';
import type { CliContext } from './failures';
import { cliFailure } from './failures';
import type { Stdin } from './input';
import { commandOf, createProgressBar, describeError, jsonText, printable, statusLabel, whoLabel } from './output';
import type { StopWatch } from './stopSignals';
import type { TrailRecorder } from './trailRecording';
import { INTERRUPT_GRACE_MS, watchStopSignals } from './stopSignals';

/** What a decision command was asked for and where it reads and writes. */
export interface DecideOptions {
  /** A single action, or `apply` for a file that mixes them. */
  action: DecisionAction | 'apply';
  /** Makes the WeChat client; `onSend` is called as each request leaves. */
  connect(onSend: (request: { action: string; appid?: string }) => void): PluginApplyClient;
  json: boolean;
  /** `--yes`: do not ask, even on a terminal. */
  yes: boolean;
  deadline: Deadline;
  log: LogSink;
  context: CliContext;
  stdin: Stdin;
  stdout: TextSink;
  stderr: TextSink;
  signals: SignalSource;
  exitNow(code: number): void;
  /** Records the batch in the decision trail (or says it is not recorded); what it resolves goes into --json. */
  record?: TrailRecorder;
}

/** `--dry-run`: what would be sent, every line already checked; nothing is sent and no credentials are needed. */
export function dryRun(planned: readonly PlannedDecision[], action: DecisionAction | 'apply', json: boolean, stdout: TextSink): number {
  if (json) {
    const results = planned.map(({ action: what, appid, reason }) => ({ action: what, appid, ...(reason === undefined ? {} : { reason }), ok: true }));
    stdout.write(`${jsonText({ dryRun: true, results, summary: { valid: planned.length, invalid: 0 } })}\n`);
  } else {
    const lines = planned.map((decision) => `✓ ${action === 'apply' ? `${commandOf(decision.action)} ` : ''}${printable(decision.appid)} valid`);
    stdout.write(`${lines.join('\n')}\ndry run: ${planned.length} valid, 0 invalid; nothing was sent\n`);
  }
  return EXIT.ok;
}

/**
 * Decides every planned decision through the core. After an account-wide refusal (credentials, IP whitelist,
 * quota) the core starts no new item, since each would meet it again: it reports the rest SKIPPED. A first SIGINT
 * or SIGTERM starts no new item either, gives the requests already sent a moment to answer, and reports what was
 * applied, what was still in flight and what was not attempted; a second one exits at once.
 */
export async function decideCommand(planned: readonly PlannedDecision[], opts: DecideOptions): Promise<number> {
  const stop = watchStopSignals(opts.signals, opts.stderr, opts.exitNow);
  // Which decisions were sent: after a stop, an unsettled item is in flight only if its request left, which is
  // later than the core asking for it (the transport may still be waiting for an access token then).
  const sent = new Set<string>();
  const client = opts.connect((request) => {
    if (request.action !== 'dev_apply_list' && request.appid !== undefined) sent.add(request.appid);
  });
  try {
    const read = await untilStopped(readApplicants(client, opts), stop);
    const listed = read?.byAppid ?? null;
    const nicknames = new Map([...(listed ?? new Map<string, Application>())].map(([appid, item]) => [appid, item.nickname]));
    const target: ReportTarget = { action: opts.action, planned, nicknames, json: opts.json, context: opts.context, stdout: opts.stdout, stderr: opts.stderr };
    const signal = stop.received();
    if (signal !== null) return reportInterrupted([], sent, signal, target);
    if (opts.stdin.isTTY === true && !opts.yes) {
      opts.stderr.write(formatPlan(planned, listed, opts.action));
      const answer = await untilStopped(ask(opts.stdin, opts.stderr, planned.length), stop);
      const stopped = stop.received();
      if (stopped !== null) return reportInterrupted([], sent, stopped, target);
      if (answer !== true) {
        opts.stderr.write('nothing was sent\n');
        return EXIT.failed;
      }
    } else if (opts.action === 'apply' && !opts.json) {
      opts.stderr.write(formatPlan(planned, listed, opts.action));
    }
    return await runBatch(planned, { client, firstWalk: read?.walk }, sent, stop, target, opts);
  } finally {
    stop.dispose();
  }
}

/** The batch itself, with its progress bar; the report once it ends or a stop signal's grace runs out. */
async function runBatch(
  planned: readonly PlannedDecision[],
  { client, firstWalk }: { client: PluginApplyClient; firstWalk: Walk | undefined },
  sent: ReadonlySet<string>,
  stop: StopWatch,
  target: ReportTarget,
  opts: DecideOptions,
): Promise<number> {
  const events = planned.map(({ action, appid, reason }) => ({ action, appid, ...(reason === undefined ? {} : { reason }) }));
  const progress = createProgressBar(opts.stderr, events.length);
  const settledSoFar: Array<DecisionResult | undefined> = new Array<DecisionResult | undefined>(events.length).fill(undefined);
  let settled = 0;
  let failed = 0;
  const onSettled = (index: number, result: DecisionResult): void => {
    settledSoFar[index] = result;
    settled += 1;
    if (!result.ok) failed += 1;
    progress.update(settled, failed);
  };
  const batch = decideMany(
    events,
    { client, deadline: opts.deadline, log: opts.log, requestId: null },
    { concurrency: BATCH_CONCURRENCY, onSettled, shouldStart: () => stop.received() === null, firstWalk },
  );
  const first = await Promise.race([batch, stop.stopped]);
  let decided: ReadonlyArray<DecisionResult | undefined>;
  if (Array.isArray(first)) {
    decided = first;
  } else {
    const grace = Math.max(0, Math.min(INTERRUPT_GRACE_MS, remainingMs(opts.deadline)));
    decided = (await untilTimeout(batch, grace)) ?? [...settledSoFar];
  }
  progress.clear();
  const signal = stop.received();
  if (signal !== null) return reportInterrupted(decided, sent, signal, target);
  const trail = await opts.record?.(events, decided as DecisionResult[], target.nicknames);
  return reportResults(decided as DecisionResult[], trail === undefined ? target : { ...target, trail });
}

/**
 * The applications by appid, from one walk of the list: their nicknames go on the question and the result lines,
 * and the walk settles the "already done" answers it confirms. Null when the list could not be read; the decisions
 * do not need it, so that is said in one line and they go on.
 */
async function readApplicants(client: PluginApplyClient, opts: DecideOptions): Promise<{ byAppid: Map<string, Application>; walk: Walk } | null> {
  try {
    const walk = await readAllPages(client, opts.deadline, { num: PAGE_SIZE_MAX });
    return { byAppid: new Map(walk.items.map((item) => [item.appid, item])), walk };
  } catch (thrown) {
    const error = cliFailure(thrown, { ...opts.context, command: 'list' });
    opts.stderr.write(`(the list could not be read, so no nicknames are shown: ${describeError(error, opts.context.lang)})\n`);
    return null;
  }
}

/** What is about to be sent, one line per decision with the applicant's nickname and status when known. */
function formatPlan(planned: readonly PlannedDecision[], listed: ReadonlyMap<string, Application> | null, action: DecisionAction | 'apply'): string {
  const lines = planned.map((decision) => {
    const item = listed?.get(decision.appid);
    const status = listed === null ? '' : item === undefined ? '  [not in the list]' : `  [${statusLabel(item)}]`;
    const reason = decision.reason === undefined ? '' : `  — ${printable(decision.reason)}`;
    return `  ${commandOf(decision.action).padEnd(6)}  ${whoLabel(decision.appid, item?.nickname)}${status}${reason}`;
  });
  const what =
    action === 'apply'
      ? `${planned.length} decision${planned.length === 1 ? '' : 's'}`
      : `${commandOf(action)} ${planned.length} application${planned.length === 1 ? '' : 's'}`;
  return `about to send ${what}:\n${lines.join('\n')}\n`;
}

/** Asks on the terminal whether to send; true for y or yes. */
async function ask(stdin: Stdin, stderr: TextSink, count: number): Promise<boolean> {
  stderr.write(`send ${count === 1 ? 'it' : `these ${count}`}? [y/N] `);
  let answer = '';
  for await (const chunk of stdin) {
    answer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (answer.includes('\n')) break;
  }
  // A terminal's stdin that already ended (the appids were typed on it, then Ctrl-D) cannot answer.
  if (answer === '') stderr.write('\n(no answer: stdin is closed; add --yes to send without asking)\n');
  return /^\s*y(es)?\s*$/i.test(answer.split('\n')[0] ?? '');
}

/** `work`'s value, or null once a stop signal arrived first. */
async function untilStopped<T>(work: Promise<T>, stop: StopWatch): Promise<T | null> {
  return Promise.race([work, stop.stopped.then(() => null)]);
}

/** `work`'s value, or undefined once `ms` passed first; the timer does not outlive the race. */
async function untilTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  return raceTimer(work, ms, () => undefined);
}
