/**
 * `plugin-apply agree | refuse | delete`: each appid decided through the core's `decideMany`, with a progress bar,
 * one line per appid and a summary; a stop signal mid-batch gets a report of what was and was not sent.
 */
import type { Deadline } from '../core/deadline';
import { remainingMs } from '../core/deadline';
import type { DecisionResult } from '../core/decisions';
import { BATCH_CONCURRENCY, decideMany } from '../core/decisions';
import type { DecisionAction } from '../core/eventSchema';
import type { LogSink } from '../core/log';
import type { PluginApplyClient } from '../core/wechatClient';
import type { SignalSource, StopSignal, TextSink } from './deps';
import { EXIT, SIGNAL_EXIT } from './exitCodes';
import type { CliContext } from './output';
import {
  countResults,
  createProgressBar,
  CREDENTIAL_CODES,
  forCli,
  formatDecisionLine,
  formatDryRunLine,
  formatHints,
  formatSummary,
  jsonText,
  printable,
} from './output';
import { INTERRUPT_GRACE_MS, watchStopSignals } from './stopSignals';

/** What a decision command was asked for and where it writes. */
export interface DecideOptions {
  /** Makes the WeChat client; `onSend` is called as each request leaves. */
  connect(onSend: (request: { action: string; appid?: string }) => void): PluginApplyClient;
  json: boolean;
  deadline: Deadline;
  log: LogSink;
  context: CliContext;
  stdout: TextSink;
  stderr: TextSink;
  signals: SignalSource;
  exitNow(code: number): void;
}

/** `--dry-run`: what would be sent, every appid and the reason already checked; nothing is sent. */
export function dryRun(appids: readonly string[], json: boolean, stdout: TextSink): number {
  if (json) {
    const results = appids.map((appid) => ({ appid, ok: true }));
    stdout.write(`${jsonText({ dryRun: true, results, summary: { valid: appids.length, invalid: 0 } })}\n`);
  } else {
    const lines = appids.map((appid) => formatDryRunLine(appid, null));
    stdout.write(`${lines.join('\n')}\ndry run: ${appids.length} valid, 0 invalid; nothing was sent\n`);
  }
  return EXIT.ok;
}

/**
 * Decides every appid through the core. After an account-wide refusal (credentials, IP whitelist, quota) the
 * core starts no new item, since each would meet it again: it reports the rest SKIPPED. A first SIGINT or SIGTERM
 * starts no new item either, gives the calls already sent a moment to answer, and reports what was applied, what
 * was still in flight and what was not attempted; a second one exits at once.
 */
export async function decideCommand(
  action: DecisionAction,
  appids: readonly string[],
  events: readonly object[],
  opts: DecideOptions,
): Promise<number> {
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
  const stop = watchStopSignals(opts.signals, opts.stderr, opts.exitNow);
  // Which decisions were sent: after a stop, an unsettled item is in flight only if its request left, which is
  // later than the core asking for it (the transport may still be waiting for an access token then).
  const sent = new Set<string>();
  const client = opts.connect((request) => {
    if (request.action !== 'dev_apply_list' && request.appid !== undefined) sent.add(request.appid);
  });
  const batch = decideMany(
    events,
    { client, deadline: opts.deadline, log: opts.log, requestId: null },
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
    opts.stdout.write(`${jsonText({ results: withAppids, summary: counts })}\n`);
  } else {
    const lines = results.map((result, i) => formatDecisionLine(appids[i] ?? '', result));
    opts.stdout.write(`${lines.join('\n')}\n${formatSummary(action, counts)}\n`);
  }
  const errors = results.flatMap((result) => (result.ok ? [] : [result.error]));
  opts.stderr.write(formatHints(errors));
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
  opts: DecideOptions,
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
    opts.stdout.write(`${jsonText({ interrupted: signal, results, inFlight, notAttempted, summary: counts })}\n`);
  } else {
    const lines = [
      ...results.map((result) => formatDecisionLine((result as { appid?: string }).appid ?? '', result)),
      ...inFlight.map((appid) => `? ${printable(appid)} sent, no answer before the stop: outcome unknown (check with plugin-apply list)`),
      ...notAttempted.map((appid) => `- ${printable(appid)} not attempted: the run was stopped first`),
    ];
    const summary =
      `${commandOf(action)} stopped by ${signal}: ${appids.length} appids — ${counts.changed} ${doneWord(action)}, ${counts.unchanged} unchanged, ` +
      `${counts.failed} failed, ${inFlight.length} in flight (outcome unknown), ${notAttempted.length} not attempted`;
    opts.stdout.write(`${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${summary}\n`);
  }
  opts.stderr.write(formatHints(results.flatMap((result) => (result.ok ? [] : [result.error]))));
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
