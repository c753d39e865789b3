/** What a decision command prints after its batch: one line per decision and a summary, or the report of a stop. */
import type { TrailNote } from './trailRecording';
import type { DecisionResult } from '../core/decisions';
import type { DecisionAction } from '../core/eventSchema';
import type { PlannedDecision } from './decisionFile';
import type { StopSignal, TextSink } from './deps';
import { EXIT, SIGNAL_EXIT } from './exitCodes';
import type { CliContext } from './failures';
import { CREDENTIAL_CODES, forCli } from './failures';
import { countResults } from '../core/batch';
import { commandOf, formatDecisionLine, formatHints, formatSummary, jsonText, whoLabel } from './output';

/** What a report needs: the decisions, the applicants' nicknames (when the list was read), and where to write. */
export interface ReportTarget {
  /** A single action, or `apply` for a file that mixes them. */
  action: DecisionAction | 'apply';
  planned: readonly PlannedDecision[];
  nicknames: ReadonlyMap<string, string>;
  json: boolean;
  context: CliContext;
  stdout: TextSink;
  stderr: TextSink;
  /** What became of the batch's records in the decision trail, for --json. */
  trail?: TrailNote;
}

function forCliResult(result: DecisionResult, decision: PlannedDecision | undefined, context: CliContext): DecisionResult {
  return result.ok ? result : { ...result, error: forCli(result.error, context, decision?.action) };
}

/** JSON fields that name the applicant: the appid, and the nickname when the list gave one. */
function named(appid: string, nicknames: ReadonlyMap<string, string>): { appid: string; nickname?: string } {
  const nickname = nicknames.get(appid);
  return nickname === undefined ? { appid } : { appid, nickname };
}

/** Prints every result and the summary; resolves the exit code. */
export function reportResults(decided: readonly DecisionResult[], target: ReportTarget): number {
  const { planned, nicknames, context } = target;
  const results = decided.map((result, i) => forCliResult(result, planned[i], context));
  const counts = countResults(results);
  if (target.json) {
    const withAppids = results.map((result, i) => ({ ...result, ...named(planned[i]?.appid ?? '', nicknames) }));
    target.stdout.write(`${jsonText({ results: withAppids, summary: counts, ...(target.trail === undefined ? {} : { trail: target.trail }) })}\n`);
  } else {
    const lines = results.map((result, i) => {
      const appid = planned[i]?.appid ?? '';
      return formatDecisionLine(whoLabel(appid, nicknames.get(appid)), result, context.lang, target.action === 'apply' ? planned[i]?.action : undefined);
    });
    target.stdout.write(`${lines.join('\n')}\n${formatSummary(target.action, counts, results)}\n`);
  }
  const errors = results.flatMap((result) => (result.ok ? [] : [result.error]));
  target.stderr.write(formatHints(errors, context.lang));
  // WeChat refusing the appid or AppSecret is the configuration's fault, like a missing one: exit 2, not 1.
  if (errors.some((error) => CREDENTIAL_CODES.has(error.code))) return EXIT.usage;
  return counts.failed + counts.notAttempted + counts.skipped === 0 ? EXIT.ok : EXIT.failed;
}

/**
 * The report of a batch stopped by a signal: every settled result, the appids whose request left but was not
 * answered (outcome unknown) and those never sent, in text or JSON; exits with the signal's conventional code.
 */
export function reportInterrupted(
  decided: ReadonlyArray<DecisionResult | undefined>,
  sent: ReadonlySet<string>,
  signal: StopSignal,
  target: ReportTarget,
): number {
  const { planned, nicknames, context } = target;
  const results: Array<DecisionResult & { appid?: string }> = [];
  const inFlight: string[] = [];
  const notAttempted: string[] = [];
  planned.forEach((decision, i) => {
    const result = decided[i];
    if (result === undefined) (sent.has(decision.appid) ? inFlight : notAttempted).push(decision.appid);
    // NOT_ATTEMPTED here is the signal's doing, not the time limit's, whatever the core's text says.
    else if (!result.ok && result.error.code === 'NOT_ATTEMPTED') notAttempted.push(decision.appid);
    else results.push({ ...forCliResult(result, decision, context), ...named(decision.appid, nicknames) });
  });
  const counts = { ...countResults(results), total: planned.length, inFlight: inFlight.length, notAttempted: notAttempted.length };
  if (target.json) {
    target.stdout.write(`${jsonText({ interrupted: signal, results, inFlight, notAttempted, summary: counts })}\n`);
  } else {
    const who = (appid: string): string => whoLabel(appid, nicknames.get(appid));
    const lines = [
      ...results.map((result) => formatDecisionLine(who(result.appid ?? ''), result, context.lang)),
      ...inFlight.map((appid) => `? ${who(appid)} sent, no answer before the stop: outcome unknown (check with plugin-apply list)`),
      ...notAttempted.map((appid) => `- ${who(appid)} not attempted: the run was stopped first`),
    ];
    const name = target.action === 'apply' ? 'apply' : commandOf(target.action);
    const done = target.action === 'apply' ? 'decided' : { dev_agree: 'agreed', dev_refuse: 'refused', dev_delete: 'deleted' }[target.action];
    const what = target.action === 'apply' ? 'decisions' : 'appids';
    const summary =
      `${name} stopped by ${signal}: ${planned.length} ${what} — ${counts.changed} ${done}, ${counts.unchanged} unchanged, ` +
      `${counts.failed} failed, ${inFlight.length} in flight (outcome unknown), ${notAttempted.length} not attempted`;
    target.stdout.write(`${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${summary}\n`);
  }
  target.stderr.write(
    formatHints(
      results.flatMap((result) => (result.ok ? [] : [result.error])),
      context.lang,
    ),
  );
  return SIGNAL_EXIT[signal];
}
