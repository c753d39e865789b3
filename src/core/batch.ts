/**
 * Deciding many applications at once: the batch checked as a whole (`parseBatch`), its items planned (invalid,
 * conflicting and repeated items answered without a call), decided with bounded concurrency and paced against the
 * deadline (`decideMany`), then counted (`summarize`).
 */
import type { Walk } from './applicationList';
import { batchStatusLookups } from './applicationList';
import { startThreshold, timedCalls } from './batchPacing';
import { remainingMs } from './deadline';
import { accountWideCode, ownError } from './errorTable';
import type { Decision, EventIssue, Parsed } from './eventSchema';
import { parseDecision, unknownKeyIssues, withoutPlatformKeys } from './eventSchema';
import type { BatchResult, DecideDeps, DecisionResult } from './decisions';
import { decide, echoOf, invalid, outcomeOf } from './decide';
import { DEFAULT_RETRY } from './retry';
import { countResults } from './resultCounts';

export type { DecisionCounts } from './resultCounts';
export { countResults } from './resultCounts';

/** Most decisions one batch call may carry; more would not fit the platform's time limit at WeChat's pace. */
export const BATCH_MAX_ITEMS = 200;

/** Decisions of one batch in flight at once: fast enough, and gentle on WeChat's per-minute quota. */
export const BATCH_CONCURRENCY = 10;

const KNOWN_BATCH_KEYS = new Set(['items']);

/** The batch as a whole is checked first; a bad item is that item's INVALID_EVENT, not the batch's. */
export function parseBatch(event: Record<string, unknown>): { ok: true; items: unknown[] } | { ok: false; issues: EventIssue[] } {
  const issues = unknownKeyIssues(withoutPlatformKeys(event), KNOWN_BATCH_KEYS);
  const items = event.items;
  if (!Array.isArray(items)) {
    issues.push({ path: 'items', message: 'items 必须是决定的数组', messageEn: 'items must be a list of decisions' });
  } else if (items.length === 0) {
    issues.push({ path: 'items', message: 'items 不能为空', messageEn: 'items must not be empty' });
  } else if (items.length > BATCH_MAX_ITEMS) {
    issues.push({
      path: 'items',
      message: `items 最多 ${BATCH_MAX_ITEMS} 项（收到 ${items.length} 项），请分批发送`,
      messageEn: `items may hold at most ${BATCH_MAX_ITEMS} decisions (got ${items.length}): split it into several calls`,
    });
  }
  return issues.length === 0 && Array.isArray(items) ? { ok: true, items } : { ok: false, issues };
}

/**
 * What a batch does with each item, settled before any is sent: answered at once (invalid, or in conflict with
 * another item on the same appid), sent to WeChat (a lead, with the later items that repeat it), or a repeat.
 */
type ItemPlan = { kind: 'answered'; result: DecisionResult } | { kind: 'lead'; decision: Decision; repeats: number[] } | { kind: 'repeat' };

/** Parses every item and pairs up items naming the same appid: one decision per appid reaches WeChat. */
function planBatch(events: readonly unknown[]): ItemPlan[] {
  const parsed = events.map(parseDecision);
  const conflicts = conflictIssues(parsed);
  const leadByAppid = new Map<string, Extract<ItemPlan, { kind: 'lead' }>>();
  return parsed.map((item, index) => {
    if (!item.ok) return { kind: 'answered', result: { ...invalid(item.issues), ...echoOf(events[index]) } };
    const conflict = conflicts.get(index);
    if (conflict !== undefined) return { kind: 'answered', result: { ...invalid([conflict]), ...echoOf(events[index]) } };
    const { appid } = item.value;
    // Without an appid WeChat picks the application, so two such items are not known to be the same decision.
    if (appid === undefined) return { kind: 'lead', decision: item.value, repeats: [] };
    const lead = leadByAppid.get(appid);
    if (lead !== undefined) {
      lead.repeats.push(index);
      return { kind: 'repeat' };
    }
    const plan = { kind: 'lead' as const, decision: item.value, repeats: [] };
    leadByAppid.set(appid, plan);
    return plan;
  });
}

/** The same decision, as far as WeChat is concerned: the action and, for a refusal, the reason sent. */
function decisionKey(decision: Decision): string {
  return decision.action === 'dev_refuse' ? `${decision.action}\n${decision.reason}` : decision.action;
}

/** An item's decision with its place in the batch. */
type IndexedDecision = { index: number; decision: Decision };

/**
 * Items that decide differently on one appid (agree and refuse, or two refusals with different reasons): whichever
 * reached WeChat first would win and the other would be misreported, so none is sent. Each such item gets an issue
 * naming the first item that disagrees with it.
 */
function conflictIssues(parsed: ReadonlyArray<Parsed<Decision>>): Map<number, EventIssue> {
  const byAppid = new Map<string, IndexedDecision[]>();
  parsed.forEach((item, index) => {
    if (!item.ok || item.value.appid === undefined) return;
    const items = byAppid.get(item.value.appid) ?? [];
    items.push({ index, decision: item.value });
    byAppid.set(item.value.appid, items);
  });
  const issues = new Map<number, EventIssue>();
  for (const [appid, items] of byAppid) {
    for (const mine of items) {
      const other = items.find((theirs) => decisionKey(theirs.decision) !== decisionKey(mine.decision));
      if (other !== undefined) issues.set(mine.index, conflictIssue(appid, mine, other));
    }
  }
  return issues;
}

function conflictIssue(appid: string, mine: IndexedDecision, other: IndexedDecision): EventIssue {
  const [action, otherAction] = [mine.decision.action, other.decision.action];
  const zh = action === otherAction ? `两个理由不同的 ${action}` : `${action} 与 ${otherAction}`;
  const en = action === otherAction ? `two ${action} with different reasons` : `${action} and ${otherAction}`;
  return {
    path: 'appid',
    message: `items[${mine.index}] 与 items[${other.index}] 对同一 appid ${appid} 作出了相互矛盾的决定（${zh}），两者均未发送：每个 appid 只保留一个决定`,
    messageEn: `items[${mine.index}] and items[${other.index}] make conflicting decisions on the same appid ${appid} (${en}); neither was sent: keep one decision per appid`,
  };
}

/**
 * Decides many events (each validated on its own) with bounded concurrency; results in input order.
 * An invalid item, or one in conflict with another on the same appid, is answered without reaching WeChat; the
 * same decision repeated is sent once and every copy gets its outcome. An item is started only while the time left
 * is comfortably more than the slowest WeChat call so far (startThreshold); the rest come back NOT_ATTEMPTED, never
 * half-done. After an account-wide error (accountWideCode; also one behind OUTCOME_UNKNOWN) no new item is started:
 * the rest come back SKIPPED, naming it.
 * `onSettled` sees each result as it comes (a CLI's progress bar); `shouldStart` returning false also leaves the
 * remaining items NOT_ATTEMPTED (an adapter's own reason to stop); `firstWalk`, a walk of the list the adapter read
 * before sending anything, settles the "already done" answers it confirms without reading the list again.
 */
export async function decideMany(
  events: readonly unknown[],
  deps: DecideDeps,
  {
    concurrency = BATCH_CONCURRENCY,
    onSettled,
    shouldStart = () => true,
    firstWalk,
  }: { concurrency?: number; onSettled?: (index: number, result: DecisionResult) => void; shouldStart?: () => boolean; firstWalk?: Walk } = {},
): Promise<DecisionResult[]> {
  const results: DecisionResult[] = new Array(events.length);
  const settleItem = (index: number, result: DecisionResult, startedAt: number, repeatOf?: number): void => {
    results[index] = result;
    deps.log({ batchIndex: index, ...echoOf(events[index]), ...outcomeOf(result), repeatOf, durationMs: deps.deadline.now() - startedAt });
    onSettled?.(index, result);
  };
  const plans = planBatch(events);
  const leads: Array<{ index: number; decision: Decision; repeats: number[] }> = [];
  plans.forEach((plan, index) => {
    if (plan.kind === 'answered') settleItem(index, plan.result, deps.deadline.now());
    else if (plan.kind === 'lead') leads.push({ index, decision: plan.decision, repeats: plan.repeats });
  });
  const calls = timedCalls(deps.client, deps.deadline.now);
  const itemDeps: DecideDeps = { ...deps, client: calls.client };
  // One read of the list serves every item's "already done" check (each appid is decided once per batch).
  const lookups = batchStatusLookups(calls.client, deps.deadline, deps.retry ?? DEFAULT_RETRY, firstWalk);
  let blockedBy: string | null = null;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let lead = leads[next++]; lead !== undefined; lead = leads[next++]) {
      const startedAt = deps.deadline.now();
      let result: DecisionResult;
      if (blockedBy !== null) {
        result = skipped(blockedBy);
      } else if (!shouldStart() || remainingMs(deps.deadline) < startThreshold(calls.slowestMs())) {
        result = { ok: false, error: ownError('NOT_ATTEMPTED') };
      } else {
        result = await decide(lead.decision, itemDeps, lookups);
        if (!result.ok) blockedBy ??= accountWideCode(result.error);
      }
      const echoed = result.ok ? result : { ...result, ...echoOf(events[lead.index]) };
      settleItem(lead.index, echoed, startedAt);
      for (const repeat of lead.repeats) settleItem(repeat, { ...echoed }, startedAt, lead.index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, leads.length) }, worker));
  return results;
}

function skipped(blockedBy: string): DecisionResult {
  const error = ownError('SKIPPED', { blockedBy });
  return { ok: false, error: { ...error, message: `${error.message}（${blockedBy}）`, messageEn: `${error.messageEn} (${blockedBy})` } };
}

/** Counts of a batch's results: succeeded (changed or not), failed, not attempted (time ran out), skipped (account-wide error). */
export function summarize(results: readonly DecisionResult[]): BatchResult['summary'] {
  const { changed, unchanged, failed, notAttempted, skipped } = countResults(results);
  return { succeeded: changed + unchanged, failed, notAttempted, skipped };
}
