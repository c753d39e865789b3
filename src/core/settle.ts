/**
 * Settling a decision that failed in a way that may hide an applied one — a refusal that may mean "already done",
 * or a try whose answer was lost — by what the application list says now.
 */
import type { Lookup, StatusLookups } from './applicationList';
import type { DecideDeps, DecisionResult } from './decisions';
import type { Failure } from './errorTable';
import { remainingMs } from './deadline';
import type { LookupError } from './errorTable';
import { classifyFailure, OUTCOME_UNKNOWN_CODES, ownError } from './errorTable';
import type { Decision, DecisionAction } from './eventSchema';
import type { StatusName } from './status';
import { STATUS_TEXT } from './status';
import { WeChatApiError } from './wechatClient';

/** Which refusals may mean "already done", and the status that would mean it. */
function alreadyDoneStatus(decision: Decision, errCode: number): StatusName | 'absent' | null {
  if (errCode === 89240 && decision.action === 'dev_agree') return 'approved';
  if (errCode === 89240 && decision.action === 'dev_refuse') return 'refused';
  if (errCode === 89242 && decision.action === 'dev_delete') return 'absent';
  return null;
}

/** The status a decision leaves when WeChat applies it. */
const ASKED_STATUS: Readonly<Record<DecisionAction, StatusName | 'absent'>> = { dev_agree: 'approved', dev_refuse: 'refused', dev_delete: 'absent' };

/** Why a failed decision is looked up: which failure may hide an applied (or already done) decision. */
type Suspicion =
  /** WeChat refused it as not pending (89240) or not listed (89242): maybe already done. */
  | 'refused'
  /** A try's answer was lost (its outcome unknown) and a later try failed definitely: the lost one may have applied it. */
  | 'lostThenFailed'
  /** The last try's answer was lost too (timeout, dropped connection, unreadable answer): it may have applied it. */
  | 'lost';

/** What the lookup found, as far as settling cares. */
type Found = 'asAsked' | 'unreadable' | 'undocumented' | 'contradicts' | 'other';

/**
 * What a decision's result is: `done` — a success, changed: false; `unknown` — OUTCOME_UNKNOWN; `error` — the failure
 * stands; `errorNow` — the failure stands, naming the status found.
 */
type Settled = 'done' | 'unknown' | 'error' | 'errorNow';

/**
 * The outcome for each (suspicion × what the list says). Unreadable is never a definite failure, because the
 * application may well be as asked already. A status WeChat does not document is not the one asked for. The list
 * contradicting WeChat's refusal (89240 for an application it lists as pending; 89242 for one it lists) means one of
 * the two is stale, so a definite refusal would be a guess.
 */
const SETTLED: Readonly<Record<Suspicion, Readonly<Record<Found, Settled>>>> = {
  refused: { asAsked: 'done', unreadable: 'unknown', undocumented: 'error', contradicts: 'unknown', other: 'errorNow' },
  lostThenFailed: { asAsked: 'done', unreadable: 'unknown', undocumented: 'error', contradicts: 'error', other: 'error' },
  // Not as asked after the last try: its error stands (a lost request may still land), with the status read after it.
  lost: { asAsked: 'done', unreadable: 'unknown', undocumented: 'error', contradicts: 'errorNow', other: 'errorNow' },
};

/**
 * Turns a failure that may hide an applied decision into its outcome (SETTLED): a refusal that may mean "already
 * done", a last try whose answer was lost, or any definite failure after a try whose answer was lost (either may
 * have been applied).
 * The lookup behind it is a read, retried like any other call.
 */
export async function settle(
  decision: Decision,
  thrown: WeChatApiError,
  { error, outcome }: Pick<Failure, 'error' | 'outcome'>,
  unknownTry: WeChatApiError | null,
  deps: DecideDeps,
  lookups: StatusLookups,
): Promise<DecisionResult> {
  const refusalWanted = alreadyDoneStatus(decision, thrown.errCode);
  // A failure whose own code says the outcome is unknown is already the honest answer. HTTP_ERROR's does not say so
  // even for a 5xx, so here it is taken by its code, not its status: after a lost answer the list decides.
  const afterLostAnswer = unknownTry !== null && !OUTCOME_UNKNOWN_CODES.has(error.code) ? unknownTry : null;
  // The last try lost too: looked up once, if time is left to read the list at all.
  const lost = outcome === 'unknown' && remainingMs(deps.deadline) > 0;
  const suspicion: Suspicion | null = refusalWanted !== null ? 'refused' : lost ? 'lost' : afterLostAnswer !== null ? 'lostThenFailed' : null;
  if (suspicion === null) return { ok: false, error };
  const unknown = (lookupError?: LookupError): DecisionResult => ({
    ok: false,
    error: ownError('OUTCOME_UNKNOWN', {
      errCode: thrown.errCode,
      raw: thrown.errMsg,
      ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
      ...(afterLostAnswer === null ? {} : { unknownTry: { errCode: afterLostAnswer.errCode, raw: afterLostAnswer.errMsg } }),
      ...(lookupError === undefined ? {} : { lookupError }),
    }),
  });
  // Without an appid WeChat picked the application, so there is nothing to look up.
  if (decision.appid === undefined) return afterLostAnswer === null ? { ok: false, error } : unknown();
  const wanted = refusalWanted ?? ASKED_STATUS[decision.action];
  // A status read before WeChat's refusal still counts when the refusal confirms it (not pending, or not listed);
  // after a lost answer only a read that began after the last try can tell.
  const agrees = (status: Lookup['status']): boolean => refusalWanted !== null && status === refusalWanted;
  const lookup = await lookups(decision.appid, agrees);
  if (lookup.status === 'unreadable') logLookupFailed(decision, thrown, afterLostAnswer, lookup, deps);
  switch (SETTLED[suspicion][found(lookup, wanted, thrown.errCode)]) {
    case 'done':
      return success(decision, false);
    case 'unknown':
      return unknown(lookup.status === 'unreadable' ? lookupErrorOf(lookup.cause) : undefined);
    case 'error':
      return { ok: false, error };
    case 'errorNow': {
      const status = lookup.status as Exclude<Lookup['status'], 'unreadable' | 'unknown'>;
      const [zh, en] = STATUS_TEXT[status];
      return {
        ok: false,
        error: { ...error, message: `${error.message}（当前状态：${zh}）`, messageEn: `${error.messageEn} (currently ${en})`, currentStatus: status },
      };
    }
  }
}

/** What the lookup found, against the status asked for and what WeChat's refusal (if any) implied. */
function found(lookup: Lookup, wanted: StatusName | 'absent', errCode: number): Found {
  if (lookup.status === wanted) return 'asAsked';
  if (lookup.status === 'unreadable') return 'unreadable';
  if (lookup.status === 'unknown') return 'undocumented';
  if ((errCode === 89240 && lookup.status === 'pending') || (errCode === 89242 && lookup.status !== 'absent')) return 'contradicts';
  return 'other';
}

function logLookupFailed(
  decision: Decision,
  thrown: WeChatApiError,
  afterLostAnswer: WeChatApiError | null,
  lookup: Extract<Lookup, { status: 'unreadable' }>,
  deps: DecideDeps,
): void {
  deps.log({
    level: 'warn',
    event: 'lookupFailed',
    action: decision.action,
    appid: decision.appid,
    errCode: thrown.errCode,
    unknownErrCode: afterLostAnswer?.errCode ?? null,
    lookupErrCode: lookup.cause instanceof WeChatApiError ? lookup.cause.errCode : null,
    lookupTimedOut: lookup.end === 'deadline',
    lookupEnd: lookup.end,
  });
}

/** A decision as applied: `changed` false when the application already was as asked. */
export function success(decision: Decision, changed: boolean): DecisionResult {
  return { ok: true, action: decision.action, ...(decision.appid === undefined ? {} : { appid: decision.appid }), changed };
}

/** What a failed lookup's cause says, for the result (a batch stops on an account-wide one); none for a deadline. */
function lookupErrorOf(cause: unknown): LookupError | undefined {
  if (!(cause instanceof WeChatApiError)) return undefined;
  const error = classifyFailure(cause)?.error;
  if (error === undefined) return undefined;
  return {
    code: error.code,
    errCode: error.errCode,
    ...(error.raw === undefined ? {} : { raw: error.raw }),
    ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
  };
}
