/**
 * The core of setPluginApplyStatus: caller policy, validation, the WeChat call and the typed result.
 * Pure logic: the transport, caller, clock and log come in as dependencies, so every adapter shares it.
 */
import type { AdminList } from './config';
import type { Caller } from './callerPolicy';
import { checkCaller, maskOpenid } from './callerPolicy';
import type { Deadline } from './deadline';
import { beforeDeadline, DeadlineExceeded } from './deadline';
import type { ApplyError } from './errorTable';
import { ownError, wechatError } from './errorTable';
import type { Decision, DecisionAction } from './eventSchema';
import { parseDecision } from './eventSchema';
import type { LogSink } from './log';
import type { PluginApplyClient } from './pluginApplyClient';
import { WeChatApiError } from './pluginApplyClient';

/** What `handleSetStatus` needs from the outside world. */
export interface SetStatusDeps {
  client: PluginApplyClient;
  caller: Caller;
  admins: AdminList;
  deadline: Deadline;
  log: LogSink;
  requestId: string | null;
}

/** The result of one decision, returned to the mini-program as is. */
export type DecisionResult =
  | { ok: true; action: DecisionAction; appid?: string; changed: boolean }
  | { ok: false; error: ApplyError };

/** Handles one callFunction event; never throws. */
export async function handleSetStatus(event: unknown, deps: SetStatusDeps): Promise<DecisionResult> {
  const startedAt = deps.deadline.now();
  const result = await decideSafely(event, deps);
  const described = describeEvent(event);
  deps.log({
    fn: 'setPluginApplyStatus',
    requestId: deps.requestId,
    caller: maskOpenid(deps.caller.openid),
    action: described.action,
    appid: described.appid,
    outcome: result.ok ? 'OK' : result.error.code,
    errCode: result.ok ? 0 : result.error.errCode,
    changed: result.ok ? result.changed : undefined,
    durationMs: deps.deadline.now() - startedAt,
  });
  return result;
}

async function decideSafely(event: unknown, deps: SetStatusDeps): Promise<DecisionResult> {
  try {
    const refusal = checkCaller(deps.caller, deps.admins);
    if (refusal !== null) return { ok: false, error: { ...refusal, yourOpenid: deps.caller.openid ?? null } };
    const parsed = parseDecision(event);
    if (!parsed.ok) return { ok: false, error: ownError('INVALID_EVENT', { issues: parsed.issues }) };
    return await decide(parsed.value, deps);
  } catch (thrown) {
    deps.log({ fn: 'setPluginApplyStatus', requestId: deps.requestId, level: 'error', detail: errorDetail(thrown) });
    return { ok: false, error: ownError('INTERNAL') };
  }
}

/** Sends one validated decision to WeChat and turns the answer into a result. */
export async function decide(decision: Decision, deps: Pick<SetStatusDeps, 'client' | 'deadline'>): Promise<DecisionResult> {
  try {
    await beforeDeadline(deps.client.setApplyStatus(decision), deps.deadline);
    return { ok: true, action: decision.action, ...(decision.appid === undefined ? {} : { appid: decision.appid }), changed: true };
  } catch (thrown) {
    if (thrown instanceof WeChatApiError) return { ok: false, error: wechatError(thrown.errCode, thrown.errMsg) };
    if (thrown instanceof DeadlineExceeded) return { ok: false, error: ownError('TIMEOUT') };
    throw thrown;
  }
}

/** Action and appid for the log line, read defensively from an event that may be anything. */
function describeEvent(event: unknown): { action: string | undefined; appid: string | undefined } {
  const fields = (typeof event === 'object' && event !== null ? event : {}) as { action?: unknown; appid?: unknown };
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value.slice(0, 40) : undefined);
  return { action: text(fields.action), appid: text(fields.appid) };
}

function errorDetail(thrown: unknown): string {
  try {
    if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`.slice(0, 500);
    return String(thrown).slice(0, 500);
  } catch {
    return 'unprintable thrown value';
  }
}
