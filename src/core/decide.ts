/**
 * Deciding one application: the WeChat call with retries, and settling a failure that may hide an applied decision
 * by the application list (settle.ts). Pure logic with its dependencies passed in; batches (batch.ts) and the
 * setPluginApplyStatus handler (decisions.ts) build on it.
 */
import type { StatusLookups } from './applicationList';
import { currentStatus } from './applicationList';
import { beforeDeadline } from './deadline';
import type { ApplyError } from './errorTable';
import { classifyFailure, ownError } from './errorTable';
import type { Decision, EventIssue } from './eventSchema';
import { isPlainObject } from './eventSchema';
import type { DecideDeps, DecisionResult } from './decisions';
import type { LogRecord } from './log';
import { DEFAULT_RETRY, withRetries } from './retry';
import { settle, success } from './settle';
import { WeChatApiError } from './wechatClient';

/**
 * The action and appid an event named, when they are strings: echoed by failures (which carry no decision)
 * and written to the log line. Cut short so that nonsense sent as an appid cannot bloat either; never the reason.
 */
export function echoOf(event: unknown): { action?: string; appid?: string } {
  const fields = (isPlainObject(event) ? event : {}) as { action?: unknown; appid?: unknown };
  return {
    ...(typeof fields.action === 'string' ? { action: fields.action.slice(0, 40) } : {}),
    ...(typeof fields.appid === 'string' ? { appid: fields.appid.slice(0, 40) } : {}),
  };
}

/**
 * Sends one validated decision to WeChat, retrying transient failures. When WeChat refuses because the
 * application is no longer as the decision expects, or when a try's answer was lost and a later try failed,
 * looks it up: already as asked is a success with `changed: false` (a concurrent admin, or our own earlier try
 * whose answer was lost), otherwise the error names the current status. `lookups` lets a batch's items share
 * their reads of the list; by default the decision walks the list on its own.
 */
export async function decide(decision: Decision, deps: DecideDeps, lookups?: StatusLookups): Promise<DecisionResult> {
  const retry = deps.retry ?? DEFAULT_RETRY;
  let unknownTry: WeChatApiError | null = null;
  const onRetry = (thrown: WeChatApiError, attempt: number): void => {
    // A retried try may have been applied: remembered, so that a later definite failure is not taken at its word.
    if (unknownTry === null && classifyFailure(thrown)?.outcome === 'unknown') unknownTry = thrown;
    deps.log({ level: 'warn', event: 'retry', action: decision.action, appid: decision.appid, errCode: thrown.errCode, attempt });
  };
  try {
    await withRetries(() => beforeDeadline(deps.client.setApplyStatus(decision, deps.deadline), deps.deadline), deps.deadline, retry, onRetry);
    return success(decision, true);
  } catch (thrown) {
    const failure = classifyFailure(thrown);
    if (failure === null) throw thrown;
    if (!(thrown instanceof WeChatApiError)) return { ok: false, error: failure.error };
    return settle(decision, thrown, failure, unknownTry, deps, lookups ?? singleLookups(deps));
  }
}

/** A single decision's lookup: a walk of its own, stopping at the page that lists the applicant. */
function singleLookups(deps: DecideDeps): StatusLookups {
  return (appid) => currentStatus(deps.client, appid, deps.deadline, deps.retry ?? DEFAULT_RETRY);
}

/** INVALID_EVENT with every problem found. */
export function invalid(issues: EventIssue[]): { ok: false; error: ApplyError } {
  return { ok: false, error: ownError('INVALID_EVENT', { issues }) };
}

/** A result as its log line says it. */
export function outcomeOf(result: DecisionResult | undefined): LogRecord {
  if (result === undefined) return { outcome: 'INTERNAL' };
  if (result.ok) return { outcome: 'OK', errCode: 0, changed: result.changed };
  return { outcome: result.error.code, errCode: result.error.errCode };
}
