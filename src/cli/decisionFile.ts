/**
 * The decisions file of `plugin-apply apply`: one decision a line, `ACTION APPID [REASON]`, read whole and checked
 * before anything is sent. ACTION is agree, refuse or delete; a refusal's reason is the rest of its line (or
 * `--reason` when the line has none). A line starting with `#` is a comment; blank lines are skipped.
 */
import type { Deadline } from '../core/deadline';
import type { DecisionAction } from '../core/eventSchema';
import { APPID_PATTERN, parseDecision } from '../core/eventSchema';
import { UsageError } from './arguments';
import type { Stdin } from './input';
import { readInputFile, readStdin } from './input';

/** One decision as the CLI will send it, with the line it came from. */
export interface PlannedDecision {
  action: DecisionAction;
  appid: string;
  reason?: string;
  /** Where it was written: `--file F line N`, `stdin line N`, or `argument N`. */
  where: string;
}

/** Most problems named in one usage error: past that, a count. */
const SHOWN_PROBLEMS = 10;

const ACTIONS: Readonly<Record<string, DecisionAction>> = { agree: 'dev_agree', refuse: 'dev_refuse', delete: 'dev_delete' };

/**
 * Every decision of the `--file`s and stdin (when `-` is given, or stdin is piped and no file is), in order, the
 * same decision repeated kept once. Any line that is not a decision, and any two lines that decide one appid
 * differently, make a usage error naming every such line: nothing is sent.
 */
export async function readDecisionFiles(
  positionals: readonly string[],
  files: readonly string[],
  defaultReason: string | undefined,
  deadline: Deadline,
  stdin: Stdin,
): Promise<PlannedDecision[]> {
  const other = positionals.find((positional) => positional !== '-');
  if (other !== undefined) throw new UsageError(`apply takes its decisions from --file F or stdin, not as arguments (got "${other}")`);
  const wantsStdin = positionals.includes('-') || (files.length === 0 && stdin.isTTY !== true);
  const problems: string[] = [];
  const decisions: PlannedDecision[] = [];
  for (const file of files) decisions.push(...parseDecisionLines(readInputFile(file), `--file ${file}`, defaultReason, problems));
  if (wantsStdin) decisions.push(...parseDecisionLines(await readStdin(stdin, deadline), 'stdin', defaultReason, problems));
  const unique = withoutRepeats(decisions, problems);
  if (problems.length > 0) {
    const shown = problems.length > SHOWN_PROBLEMS ? [...problems.slice(0, SHOWN_PROBLEMS), `… and ${problems.length - SHOWN_PROBLEMS} more`] : problems;
    throw new UsageError(['the decisions file has mistakes; nothing was sent:', ...shown.map((problem) => `  ${problem}`)].join('\n'));
  }
  if (unique.length === 0) throw new UsageError('no decisions given: lines like "agree wx…", "refuse wx… REASON" or "delete wx…", with --file F or on stdin');
  return unique;
}

/** The decisions of one text; each line that is not one adds a problem naming it. */
function parseDecisionLines(text: string, source: string, defaultReason: string | undefined, problems: string[]): PlannedDecision[] {
  const decisions: PlannedDecision[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source} line ${i + 1}`;
    const [word = '', appid = '', ...rest] = line.split(/\s+/);
    const action = Object.hasOwn(ACTIONS, word) ? ACTIONS[word] : undefined;
    if (action === undefined) {
      problems.push(`${where}: "${word}" is not an action: start the line with agree, refuse or delete`);
      return;
    }
    if (!APPID_PATTERN.test(appid)) {
      problems.push(`${where}: ${appid === '' ? 'no appid' : `"${appid}" is not an appid`} ("wx" and 16 lowercase hex characters)`);
      return;
    }
    const extra = line.slice(line.indexOf(appid) + appid.length).trim();
    if (action !== 'dev_refuse') {
      // A trailing comment is fine; anything else would be a reason the action does not take.
      if (extra !== '' && !extra.startsWith('#')) problems.push(`${where}: ${word} takes no reason (got "${rest.join(' ')}")`);
      else decisions.push({ action, appid, where });
      return;
    }
    const reason = extra === '' ? defaultReason : extra;
    if (reason === undefined) {
      problems.push(`${where}: refuse needs a reason after the appid (the applicant sees it), or --reason TEXT for lines without one`);
      return;
    }
    const parsed = parseDecision({ action, appid, reason });
    if (!parsed.ok) problems.push(`${where}: ${parsed.issues.map((issue) => issue.messageEn).join('; ')}`);
    else decisions.push({ action, appid, reason, where });
  });
  return decisions;
}

/** The decisions with a repeat of the same one dropped; two different decisions on one appid are a problem each. */
function withoutRepeats(decisions: readonly PlannedDecision[], problems: string[]): PlannedDecision[] {
  const first = new Map<string, PlannedDecision>();
  const unique: PlannedDecision[] = [];
  for (const decision of decisions) {
    const earlier = first.get(decision.appid);
    if (earlier === undefined) {
      first.set(decision.appid, decision);
      unique.push(decision);
    } else if (earlier.action !== decision.action || earlier.reason !== decision.reason) {
      problems.push(`${decision.where}: decides ${decision.appid} differently from ${earlier.where}: keep one decision per appid`);
    }
  }
  return unique;
}
