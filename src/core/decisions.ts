/**
 * The core of setPluginApplyStatus: caller policy, validation, the WeChat call with retries, idempotent
 * outcomes and batches, and the typed result. Pure logic: the transport, caller, clock and log come in as
 * dependencies, so every adapter (cloud function, CLI, tests) shares it.
 */
import { currentStatus, STATUS_TEXT } from './applicationList';
import type { Caller } from './callerPolicy';
import { maskOpenid, refuseCall } from './callerPolicy';
import type { AdminList } from './config';
import type { Deadline } from './deadline';
import { beforeDeadline, DeadlineExceeded, remainingMs } from './deadline';
import type { ApplyError } from './errorTable';
import { ownError, wechatError } from './errorTable';
import type { Decision, DecisionAction, EventIssue, StatusName } from './eventSchema';
import { isPlainObject, parseDecision, unknownKeyIssues, withoutPlatformKeys } from './eventSchema';
import type { LogRecord, LogSink } from './log';
import { describeThrown } from './log';
import type { PluginApplyClient } from './wechatClient';
import { WeChatApiError } from './wechatClient';
import type { RetryOptions } from './retry';
import { DEFAULT_RETRY, withRetries } from './retry';

/** Most decisions one batch call may carry; more would not fit the platform's time limit at WeChat's pace. */
export const BATCH_MAX_ITEMS = 200;

/** Decisions of one batch in flight at once: fast enough, and gentle on WeChat's per-minute quota. */
export const BATCH_CONCURRENCY = 10;

/** What the core needs from the outside world. */
export interface SetStatusDeps {
  client: PluginApplyClient;
  caller: Caller;
  admins: AdminList;
  /** Problems with the function's configuration (config.ts); any makes every admin call MISCONFIGURED. */
  configProblems?: readonly string[];
  deadline: Deadline;
  log: LogSink;
  requestId: string | null;
  retry?: RetryOptions;
}

/** What deciding needs: no caller policy (adapters that run as the plugin's owner, like the CLI, skip it). */
export type DecideDeps = Pick<SetStatusDeps, 'client' | 'deadline' | 'log' | 'requestId' | 'retry'>;

/**
 * The result of one decision. `changed` is false when the application already was as asked. A failure echoes
 * the action and appid the event named (when they were strings), so a batch's results stand on their own.
 */
export type DecisionResult =
  | { ok: true; action: DecisionAction; appid?: string; changed: boolean }
  | { ok: false; error: ApplyError; action?: string; appid?: string };

/** The result of a batch: one result per item, in input order. */
export interface BatchResult {
  ok: true;
  results: DecisionResult[];
  summary: { succeeded: number; failed: number; notAttempted: number };
}

/** Whatever setPluginApplyStatus returns to the mini-program. */
export type SetStatusResult = DecisionResult | BatchResult | { ok: false; error: ApplyError };

const FN = 'setPluginApplyStatus';

/** Handles one callFunction event (a decision, or `{ items: [...] }`); never throws. */
export async function handleSetStatus(event: unknown, deps: SetStatusDeps): Promise<SetStatusResult> {
  const startedAt = deps.deadline.now();
  const base = { fn: FN, requestId: deps.requestId, caller: maskOpenid(deps.caller.openid) };
  const log: LogSink = (record) => deps.log({ ...base, ...record });
  try {
    const refusal = refuseCall(deps);
    if (refusal !== null) {
      log({ outcome: refusal.code, errCode: null, durationMs: deps.deadline.now() - startedAt });
      return { ok: false, error: refusal };
    }
    if (isPlainObject(event) && 'items' in event) return await decideBatch(event, { ...deps, log });
    const result = await decideEvent(event, { ...deps, log });
    log({ ...echoOf(event), ...outcomeOf(result), durationMs: deps.deadline.now() - startedAt });
    return result;
  } catch (thrown) {
    log({ level: 'error', outcome: 'INTERNAL', detail: describeThrown(thrown), durationMs: deps.deadline.now() - startedAt });
    return { ok: false, error: ownError('INTERNAL') };
  }
}

async function decideEvent(event: unknown, deps: DecideDeps): Promise<DecisionResult> {
  const parsed = parseDecision(event);
  const result = parsed.ok ? await decide(parsed.value, deps) : invalid(parsed.issues);
  return result.ok ? result : { ...result, ...echoOf(event) };
}

/**
 * The action and appid an event named, when they are strings: echoed by failures (which carry no decision)
 * and written to the log line. Cut short so that nonsense sent as an appid cannot bloat either; never the reason.
 */
function echoOf(event: unknown): { action?: string; appid?: string } {
  const fields = (isPlainObject(event) ? event : {}) as { action?: unknown; appid?: unknown };
  return {
    ...(typeof fields.action === 'string' ? { action: fields.action.slice(0, 40) } : {}),
    ...(typeof fields.appid === 'string' ? { appid: fields.appid.slice(0, 40) } : {}),
  };
}

/**
 * Sends one validated decision to WeChat, retrying transient failures. When WeChat refuses because the
 * application is no longer as the decision expects, looks it up: already as asked is a success with
 * `changed: false` (a concurrent admin, or our own earlier attempt whose answer was lost), otherwise the
 * error names the current status.
 */
export async function decide(decision: Decision, deps: DecideDeps): Promise<DecisionResult> {
  const retry = deps.retry ?? DEFAULT_RETRY;
  const onRetry = (thrown: WeChatApiError, attempt: number): void =>
    deps.log({ level: 'warn', event: 'retry', action: decision.action, appid: decision.appid, errCode: thrown.errCode, attempt });
  try {
    await withRetries(() => beforeDeadline(deps.client.setApplyStatus(decision), deps.deadline), deps.deadline, retry, onRetry);
    return success(decision, true);
  } catch (thrown) {
    if (thrown instanceof DeadlineExceeded) return { ok: false, error: ownError('TIMEOUT') };
    if (!(thrown instanceof WeChatApiError)) throw thrown;
    return settle(decision, thrown, deps);
  }
}

/** Which refusals may mean "already done", and the status that would mean it. */
function alreadyDoneStatus(decision: Decision, errCode: number): StatusName | 'absent' | null {
  if (decision.appid === undefined) return null;
  if (errCode === 89240 && decision.action === 'dev_agree') return 'approved';
  if (errCode === 89240 && decision.action === 'dev_refuse') return 'refused';
  if (errCode === 89242 && decision.action === 'dev_delete') return 'absent';
  return null;
}

async function settle(decision: Decision, thrown: WeChatApiError, deps: DecideDeps): Promise<DecisionResult> {
  const error = wechatError(thrown.errCode, thrown.errMsg, thrown.httpStatus);
  const wanted = alreadyDoneStatus(decision, thrown.errCode);
  if (wanted === null || decision.appid === undefined) return { ok: false, error };
  let status: StatusName | 'unknown' | 'absent';
  try {
    status = await currentStatus(deps.client, decision.appid, deps.deadline);
  } catch {
    // The lookup is a courtesy: without it the caller still gets WeChat's own answer.
    return { ok: false, error };
  }
  if (status === wanted) return success(decision, false);
  if (status === 'unknown') return { ok: false, error };
  const [zh, en] = STATUS_TEXT[status];
  return {
    ok: false,
    error: { ...error, message: `${error.message}（当前状态：${zh}）`, messageEn: `${error.messageEn} (currently ${en})`, currentStatus: status },
  };
}

function success(decision: Decision, changed: boolean): DecisionResult {
  return { ok: true, action: decision.action, ...(decision.appid === undefined ? {} : { appid: decision.appid }), changed };
}

function invalid(issues: EventIssue[]): { ok: false; error: ApplyError } {
  return { ok: false, error: ownError('INVALID_EVENT', { issues }) };
}

const KNOWN_BATCH_KEYS = new Set(['items']);

/** The batch as a whole is checked first; a bad item is that item's INVALID_EVENT, not the batch's. */
function parseBatch(event: Record<string, unknown>): { ok: true; items: unknown[] } | { ok: false; issues: EventIssue[] } {
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

/** Validates the batch as a whole, then decides its items. */
async function decideBatch(event: Record<string, unknown>, deps: SetStatusDeps): Promise<SetStatusResult> {
  const startedAt = deps.deadline.now();
  const parsed = parseBatch(event);
  if (!parsed.ok) {
    deps.log({ outcome: 'INVALID_EVENT', errCode: null, batch: null, durationMs: deps.deadline.now() - startedAt });
    return invalid(parsed.issues);
  }
  const results = await decideMany(parsed.items, deps);
  const summary = summarize(results);
  deps.log({ batch: results.length, ...summary, durationMs: deps.deadline.now() - startedAt });
  return { ok: true, results, summary };
}

/**
 * Decides many events (each validated on its own) with bounded concurrency; results in input order.
 * An item is started only while the time left is comfortably more than items have been taking; the rest come
 * back NOT_ATTEMPTED, never half-done. `onSettled` sees each result as it comes (a CLI's progress bar);
 * `shouldStart` returning false also leaves the remaining items NOT_ATTEMPTED (a CLI stopping after a quota error).
 */
export async function decideMany(
  events: readonly unknown[],
  deps: DecideDeps,
  {
    concurrency = BATCH_CONCURRENCY,
    onSettled,
    shouldStart = () => true,
  }: { concurrency?: number; onSettled?: (index: number, result: DecisionResult) => void; shouldStart?: () => boolean } = {},
): Promise<DecisionResult[]> {
  const results: DecisionResult[] = new Array(events.length);
  const durations: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < events.length) {
      const index = next++;
      const event = events[index];
      const itemStarted = deps.deadline.now();
      let result: DecisionResult;
      if (!shouldStart() || remainingMs(deps.deadline) < startThreshold(durations)) {
        result = { ok: false, error: ownError('NOT_ATTEMPTED'), ...echoOf(event) };
      } else {
        result = await decideEvent(event, deps);
        durations.push(deps.deadline.now() - itemStarted);
      }
      results[index] = result;
      deps.log({ batchIndex: index, ...echoOf(event), ...outcomeOf(result), durationMs: deps.deadline.now() - itemStarted });
      onSettled?.(index, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, events.length) }, worker));
  return results;
}

/** Time an item needs before it is worth starting: twice the average so far, and never under 100 ms. */
function startThreshold(durations: readonly number[]): number {
  if (durations.length === 0) return 100;
  const average = durations.reduce((sum, ms) => sum + ms, 0) / durations.length;
  return Math.max(100, 2 * average);
}

/** Counts of a batch's results: succeeded (changed or not), failed, and not attempted. */
export function summarize(results: readonly DecisionResult[]): BatchResult['summary'] {
  const summary = { succeeded: 0, failed: 0, notAttempted: 0 };
  for (const result of results) {
    if (result.ok) summary.succeeded += 1;
    else if (result.error.code === 'NOT_ATTEMPTED') summary.notAttempted += 1;
    else summary.failed += 1;
  }
  return summary;
}

function outcomeOf(result: DecisionResult | undefined): LogRecord {
  if (result === undefined) return { outcome: 'INTERNAL' };
  if (result.ok) return { outcome: 'OK', errCode: 0, changed: result.changed };
  return { outcome: result.error.code, errCode: result.error.errCode };
}
