/**
 * The decision trail's records: what one call of setPluginApplyStatus leaves in the `plugin_apply_decisions`
 * collection, built from the event, the result and the caller. Pure: no database here (trailWriter.ts writes them).
 * WeChat keeps no record of who decided, and its list never returns the refusal reason, so this is the only place a
 * team can read "who refused this mini-program, and why". Full OPENIDs are kept: the collection is admin-only and must
 * identify people; logs never carry them.
 */
import type { Caller } from './callerPolicy';
import { identify } from './callerPolicy';
import type { DecisionResult, SetStatusResult } from './decisions';
import type { Deadline } from './deadline';
import type { DecisionAction } from './eventSchema';
import { APPID_PATTERN, DECISION_ACTIONS, isPlainObject } from './eventSchema';
import type { ListClient } from './wechatClient';

/** The collection the trail lives in, in the plugin environment's own cloud database. */
export const TRAIL_COLLECTION = 'plugin_apply_decisions';

/** Who decided: a same-account OPENID, or a cross-account APPID + OPENID, with the admin's name; or a rule, for automatic decisions. */
export interface TrailActor {
  openid: string | null;
  /** FROM_APPID for a caller of another mini-program sharing the environment; null for a same-account caller. */
  appid: string | null;
  /** The name PLUGIN_ADMIN_OPENIDS gives the admin (`张三=oAbC…`), null when none. */
  name: string | null;
  /** The rule that decided, for automatic decisions; null for a person. */
  rule: string | null;
}

/** How a decision ended: the result's code (`OK` or an error code), whether it changed the application, WeChat's errCode. */
export interface TrailOutcome {
  code: string;
  changed: boolean | null;
  errCode: number | null;
}

/** One record of the trail, as stored (the contract the views and the CLI read). */
export interface TrailRecord {
  _id?: string;
  at: Date;
  action: DecisionAction | null;
  appid: string | null;
  /** The applicant's nickname, when a list read during the decision saw it. */
  nickname: string | null;
  /** Our refusal reason (dev_refuse), as sent; never the applicant's own statement. */
  reason: string | null;
  /** False when the decision certainly never reached WeChat (refused, invalid, not attempted, skipped). */
  sent: boolean;
  outcome: TrailOutcome;
  by: TrailActor;
  /** getWXContext().SOURCE: `wx_client`, `scf`, `wx_trigger`, … */
  source: string | null;
  requestId: string | null;
  /** Calls refused before WeChat, folded into one record per caller, code and minute: how many there were. */
  attempts?: number;
}

/** What a call's records share: when, who, from where, which request; and nicknames seen during the call. */
export interface CallContext {
  at: Date;
  by: TrailActor;
  source: string | null;
  requestId: string | null;
  nicknames?: ReadonlyMap<string, string>;
}

/** A refused-before-WeChat call, folded: the record's fixed `_id` (per caller, code and minute) and its first attempt. */
export interface FoldedAttempt {
  id: string;
  record: TrailRecord;
}

/** What one call leaves: records to add (one per decision), or an attempt to fold into its minute's record. */
export interface CallRecords {
  records: TrailRecord[];
  folded: FoldedAttempt | null;
}

/**
 * Codes of a whole call refused before anything reached WeChat: a stranger calling in a loop must not spend the
 * environment's write quota, so such calls are folded (one record per caller, code and minute, with a count).
 * NOT_CONFIGURED carries the code FORBIDDEN.
 */
const FOLDED_CODES: ReadonlySet<string> = new Set(['FORBIDDEN', 'MISCONFIGURED', 'INVALID_EVENT']);

/** Codes of a decision that certainly never reached WeChat. Any other failure may have (a timeout, a lost answer). */
const NEVER_SENT_CODES: ReadonlySet<string> = new Set([...FOLDED_CODES, 'NOT_ATTEMPTED', 'SKIPPED']);

/** The actor a caller is, named from PLUGIN_ADMIN_OPENIDS when the admin list gives a name. */
export function actorOf(caller: Caller, nameOf: (caller: Caller) => string | null = () => null): TrailActor {
  const identity = identify(caller);
  return {
    openid: identity.openid,
    appid: identity.kind === 'crossAccount' ? identity.appid : null,
    name: nameOf(caller),
    rule: null,
  };
}

/** The records one call of setPluginApplyStatus leaves, from its event and result. */
export function recordsOfCall(event: unknown, result: SetStatusResult, context: CallContext): CallRecords {
  if ('results' in result) {
    const items = isPlainObject(event) && Array.isArray(event.items) ? (event.items as unknown[]) : [];
    return { records: result.results.map((itemResult, index) => recordOf(items[index], itemResult, context)), folded: null };
  }
  if (!result.ok && FOLDED_CODES.has(result.error.code)) {
    const record: TrailRecord = { ...recordOf(event, result, context), reason: null, attempts: 1 };
    return { records: [], folded: { id: foldId(record, context.at), record } };
  }
  return { records: [recordOf(event, result, context)], folded: null };
}

function recordOf(item: unknown, result: DecisionResult, context: CallContext): TrailRecord {
  const fields = isPlainObject(item) ? item : {};
  const sent = result.ok || !NEVER_SENT_CODES.has(result.error.code);
  const action = result.ok ? result.action : actionIn(fields.action);
  const appid = validAppid(result.ok ? result.appid : fields.appid);
  // Only a reason that passed validation is kept (an invalid item's could be anything, of any size).
  const valid = result.ok || result.error.code !== 'INVALID_EVENT';
  const reason = valid && action === 'dev_refuse' && typeof fields.reason === 'string' ? fields.reason.trim() : null;
  return {
    at: context.at,
    action,
    appid,
    nickname: appid === null ? null : (context.nicknames?.get(appid) ?? null),
    reason,
    sent,
    outcome: result.ok ? { code: 'OK', changed: result.changed, errCode: 0 } : { code: result.error.code, changed: null, errCode: result.error.errCode },
    by: context.by,
    source: context.source,
    requestId: context.requestId,
  };
}

function actionIn(value: unknown): DecisionAction | null {
  return typeof value === 'string' && (DECISION_ACTIONS as readonly string[]).includes(value) ? (value as DecisionAction) : null;
}

function validAppid(value: unknown): string | null {
  return typeof value === 'string' && APPID_PATTERN.test(value) ? value : null;
}

/**
 * A short fixed digest of a caller's identity (two FNV-1a 32-bit hashes of different offsets, 16 hex digits): the
 * same in every container, and no OPENID in the `_id`, which database errors quote and logs would then carry.
 */
function identityDigest(text: string): string {
  const hash = (offset: number): string => {
    let value = offset;
    for (let index = 0; index < text.length; index += 1) {
      value ^= text.charCodeAt(index);
      value = Math.imul(value, 0x01000193) >>> 0;
    }
    return value.toString(16).padStart(8, '0');
  };
  return `${hash(0x811c9dc5)}${hash(0x050c5d1f)}`;
}

/**
 * The fixed `_id` of the folded record of a caller's refused calls with one code in one minute (UTC): every
 * container computes the same one, so concurrent containers add to one record instead of each writing their own.
 */
export function foldId(record: TrailRecord, at: Date): string {
  const minute = at.toISOString().slice(0, 16).replace(/[-:T]/g, '');
  return `refused_${minute}_${record.outcome.code}_${identityDigest(`${record.by.appid ?? ''}\n${record.by.openid ?? ''}`)}`;
}

/** Most applicants' nicknames a warm container remembers. */
const NICKNAMES_REMEMBERED = 1000;

/**
 * The client, remembering the nickname of every applicant its list reads see (an "already done" check reads the
 * list), so that records name the applicant without a read of their own: the trail costs WeChat no extra call.
 */
export function rememberingNicknames<C extends ListClient>(client: C, nicknames: Map<string, string>): C {
  return {
    ...client,
    listApplications: async (page: number, num: number, deadline: Deadline) => {
      const items = await client.listApplications(page, num, deadline);
      for (const item of items) {
        if (typeof item.nickname !== 'string' || item.nickname === '') continue;
        nicknames.delete(String(item.appid));
        nicknames.set(String(item.appid), item.nickname.slice(0, 100));
        if (nicknames.size > NICKNAMES_REMEMBERED) nicknames.delete(nicknames.keys().next().value as string);
      }
      return items;
    },
  };
}
