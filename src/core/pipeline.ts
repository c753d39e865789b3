/**
 * One request through a cloud function, the same for every function: the caller check, parsing the event, running,
 * one log line, and never a throw across the function's boundary. Each function plugs in its own steps, the way
 * Middy's `runRequest` serves every middleware. At run time it needs nothing but the log (its other imports are types), so
 * cloudbase_auth's small bundle (no zod, no SDK) uses it too.
 */
import type { Caller } from './callerPolicy';
import type { AdminList } from './config';
import type { Deadline } from './deadline';
import type { LogRecord, LogSink } from './log';
import { describeThrown } from './log';
import type { RetryOptions } from './retry';

/** What every function's core gets from its entry point besides its WeChat client: who calls, and the call's limits. */
export interface InvocationDeps {
  caller: Caller;
  admins: AdminList;
  /** Problems with the function's configuration (config.ts); any makes every admin call MISCONFIGURED. */
  configProblems?: readonly string[];
  deadline: Deadline;
  log: LogSink;
  requestId: string | null;
  retry?: RetryOptions;
}

/** The fields every log line of a request carries, and its clock: what `runRequest` needs of InvocationDeps. */
export function requestFacts(deps: InvocationDeps, callerFields: LogRecord): RequestFacts {
  return { log: deps.log, fields: { requestId: deps.requestId, ...callerFields }, now: deps.deadline.now };
}

/** What parsing an event gives: the input to run, or the answer to return at once (INVALID_EVENT). */
export type ParsedEvent<Input, Result> = { ok: true; value: Input } | { ok: false; result: Result };

/** The steps one function plugs into the pipeline. */
export interface Steps<Deps, Input, Result> {
  /** The function's name on its log line. */
  fn: string;
  /**
   * The caller check: null lets the call go on, anything else is the answer (FORBIDDEN, MISCONFIGURED). A step of
   * its own so that each function states its rule: admins only (callerPolicy's `refuseCall`), the timer or an admin.
   */
  admit(deps: Deps): Result | null;
  parse(event: unknown): ParsedEvent<Input, Result>;
  /** The work itself; `log` adds the request's own fields (fn, requestId, caller) to whatever it writes. */
  run(input: Input, deps: Deps, log: LogSink): Promise<Result>;
  /** What the request's log line says of its result: outcome, errCode, counts. */
  describe(result: Result, event: unknown): LogRecord;
  /** The answer when a step threw: a bug, whose detail goes only to the log. */
  internal(): Result;
}

/** What the pipeline itself needs of the invocation. */
export interface RequestFacts {
  log: LogSink;
  /** Fields every line of this request carries: the function's name is added, then the request id and the caller. */
  fields: LogRecord;
  /** The clock for the log line's durationMs; without one the line has no duration. */
  now?: () => number;
}

/**
 * Runs one request: caller check, parse, run, then exactly one log line for the request (its steps may log more,
 * per item or per retry). Never throws: a throw from any step becomes `steps.internal()`, logged at level error.
 */
export async function runRequest<Deps, Input, Result>(steps: Steps<Deps, Input, Result>, event: unknown, deps: Deps, facts: RequestFacts): Promise<Result> {
  const startedAt = facts.now?.();
  const log: LogSink = (record) => facts.log({ fn: steps.fn, ...facts.fields, ...record });
  const duration = (): LogRecord => (startedAt === undefined || facts.now === undefined ? {} : { durationMs: facts.now() - startedAt });
  try {
    const refusal = steps.admit(deps);
    let result: Result;
    if (refusal !== null) {
      result = refusal;
    } else {
      const parsed = steps.parse(event);
      result = parsed.ok ? await steps.run(parsed.value, deps, log) : parsed.result;
    }
    log({ ...steps.describe(result, event), ...duration() });
    return result;
  } catch (thrown) {
    try {
      log({ level: 'error', outcome: 'INTERNAL', errCode: null, detail: describeThrown(thrown), ...duration() });
    } catch {
      // A log that cannot be written must not turn the answer into a throw.
    }
    return steps.internal();
  }
}
