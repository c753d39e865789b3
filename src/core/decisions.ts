/**
 * The core of setPluginApplyStatus: its caller rule, event and result, on the request pipeline (pipeline.ts). One
 * decision is decided by decide.ts, a batch (`{ items: [...] }`) by batch.ts. Pure logic: the transport, caller,
 * clock and log come in as dependencies, so every adapter (cloud function, CLI, tests) shares it.
 */
import { decideMany, parseBatch, summarize } from './batch';
import { callerLogFields, refuseCall } from './callerPolicy';
import { decide, echoOf, invalid, outcomeOf } from './decide';
import type { ApplyError } from './errorTable';
import { ownError } from './errorTable';
import type { Decision, DecisionAction } from './eventSchema';
import { isPlainObject, parseDecision } from './eventSchema';
import type { InvocationDeps, Steps } from './pipeline';
import { requestFacts, runRequest } from './pipeline';
import type { PluginApplyClient } from './wechatClient';

/** What the core needs from the outside world: the invocation's facts and a client that can decide. */
export interface SetStatusDeps extends InvocationDeps {
  client: PluginApplyClient;
}

/** What deciding needs: no caller policy (adapters that run as the plugin's owner, like the CLI, skip it). */
export type DecideDeps = Pick<SetStatusDeps, 'client' | 'deadline' | 'log' | 'requestId' | 'retry'>;

/**
 * The result of one decision. `changed` is false when the application already was as asked. A failure echoes
 * the action and appid the event named (when they were strings), so a batch's results stand on their own.
 */
export type DecisionResult =
  { ok: true; action: DecisionAction; appid?: string; changed: boolean } | { ok: false; error: ApplyError; action?: string; appid?: string };

/** The result of a batch: one result per item, in input order. */
export interface BatchResult {
  ok: true;
  results: DecisionResult[];
  summary: { succeeded: number; failed: number; notAttempted: number; skipped: number };
}

/** Whatever setPluginApplyStatus returns to the mini-program. */
export type SetStatusResult = DecisionResult | BatchResult | { ok: false; error: ApplyError };

/** What a call asks for: one decision, or a batch's items (each still to be checked). */
type SetStatusInput = { kind: 'one'; decision: Decision } | { kind: 'batch'; items: unknown[] };

/** setPluginApplyStatus's steps: admins only; one decision or a batch; its log line says the outcome or the counts. */
const SET_STATUS_STEPS: Steps<SetStatusDeps, SetStatusInput, SetStatusResult> = {
  fn: 'setPluginApplyStatus',
  admit: (deps) => refusal(refuseCall(deps)),
  parse: (event) => {
    if (isBatch(event)) {
      const batch = parseBatch(event);
      return batch.ok ? { ok: true, value: { kind: 'batch', items: batch.items } } : { ok: false, result: invalid(batch.issues) };
    }
    const parsed = parseDecision(event);
    return parsed.ok ? { ok: true, value: { kind: 'one', decision: parsed.value } } : { ok: false, result: { ...invalid(parsed.issues), ...echoOf(event) } };
  },
  run: async (input, deps, log) => {
    if (input.kind === 'batch') {
      const results = await decideMany(input.items, { ...deps, log });
      return { ok: true, results, summary: summarize(results) };
    }
    const result = await decide(input.decision, { ...deps, log });
    return result.ok ? result : { ...result, ...echoOf(input.decision) };
  },
  describe: (result, event) => {
    if ('results' in result) return { batch: result.results.length, ...result.summary };
    if (isBatch(event)) return { outcome: result.ok ? 'OK' : result.error.code, errCode: null, batch: null };
    return { ...echoOf(event), ...outcomeOf(result) };
  },
  internal: () => ({ ok: false, error: ownError('INTERNAL') }),
};

function isBatch(event: unknown): event is Record<string, unknown> {
  return isPlainObject(event) && 'items' in event;
}

/** A caller rule's refusal as the result to return. */
function refusal(error: ApplyError | null): { ok: false; error: ApplyError } | null {
  return error === null ? null : { ok: false, error };
}

/** Handles one callFunction event (a decision, or `{ items: [...] }`); never throws. */
export async function handleSetStatus(event: unknown, deps: SetStatusDeps): Promise<SetStatusResult> {
  return runRequest(SET_STATUS_STEPS, event, deps, requestFacts(deps, callerLogFields(deps.caller)));
}
