/**
 * Who may call: only admins listed in PLUGIN_ADMIN_OPENIDS, identified by what the platform injects
 * (cloud.getWXContext), never by anything in the event. Denies when unconfigured.
 *
 * A call from another mini-program sharing this environment (环境共享) carries FROM_APPID and FROM_OPENID; such a
 * caller is that pair, whatever OPENID says, and only an `APPID:OPENID` entry admits it. Otherwise the caller is
 * OPENID, and only an `OPENID` entry admits it. So neither form of entry ever admits the other kind of caller.
 * Before any of that, cloudbase_auth admits a mini-program to the shared environment only when an `APPID:OPENID`
 * entry names it (`environmentAdmission`).
 */
import type { AdminList } from './config';
import { adminEntries, adminListOf, parseAdminList } from './config';
import type { ApplyError } from './errorTable';
import { ownError } from './errorTable';
import { maskOpenid } from './log';

/**
 * The caller as the platform identifies it. `fromAppid` is present (possibly '' when unreadable) exactly when the
 * platform marked the call cross-account; `openid` is absent for HTTP-triggered and timer calls.
 */
export interface Caller {
  openid?: string | undefined;
  fromAppid?: string | undefined;
  fromOpenid?: string | undefined;
}

/** The one identity the rule looks at: a same-account OPENID, or a cross-account (appid, OPENID) pair. */
export type CallerIdentity = { kind: 'sameAccount'; openid: string | null } | { kind: 'crossAccount'; appid: string | null; openid: string | null };

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Which identity a caller is; never throws, whatever the fields hold. */
export function identify(caller: Caller): CallerIdentity {
  if (caller.fromAppid !== undefined) return { kind: 'crossAccount', appid: text(caller.fromAppid), openid: text(caller.fromOpenid) };
  return { kind: 'sameAccount', openid: text(caller.openid) };
}

/**
 * The exact PLUGIN_ADMIN_OPENIDS entry that would admit this caller (`OPENID` or `APPID:OPENID`), or null when
 * no entry could (no OPENID, or values no entry can express). Checked by parsing it back, so it is never wrong.
 */
export function adminEntryFor(identity: CallerIdentity): string | null {
  if (identity.openid === null) return null;
  const entry = identity.kind === 'sameAccount' ? identity.openid : `${identity.appid ?? ''}:${identity.openid}`;
  return isAdmin(identity, parseAdminList(entry)) ? entry : null;
}

/** Whether the list names this caller, by an entry of its own form. */
function isAdmin(identity: CallerIdentity, admins: AdminList): boolean {
  if (admins.kind === 'unset' || identity.openid === null) return false;
  if (identity.kind === 'sameAccount') return admins.openids.has(identity.openid);
  return identity.appid !== null && (admins.byAppid?.get(identity.appid)?.has(identity.openid) ?? false);
}

/** What the caller asked to do, so that a refusal says what they may not do. */
export type CallerTask = 'decide' | 'list';

/** Null when the caller may proceed, otherwise the FORBIDDEN error to return (its hint names the entry to add). */
export function checkCaller(caller: Caller, admins: AdminList, task: CallerTask = 'decide'): ApplyError | null {
  const identity = identify(caller);
  if (admins.kind !== 'unset' && isAdmin(identity, admins)) return null;
  const adminEntry = adminEntryFor(identity);
  const refusal = ownError(admins.kind === 'unset' ? 'NOT_CONFIGURED' : task === 'list' ? 'FORBIDDEN_TO_LIST' : 'FORBIDDEN', {
    yourOpenid: identity.openid,
    ...(identity.kind === 'crossAccount' ? { yourAppid: identity.appid } : {}),
    adminEntry,
  });
  if (adminEntry === null) {
    // No entry can admit this caller, so "add the entry" would send an admin looking for one.
    return {
      ...refusal,
      hint: '平台没有给出可加入 PLUGIN_ADMIN_OPENIDS 的调用者身份（例如 HTTP 触发或定时触发的调用没有 OPENID）：请从小程序中调用。',
      hintEn:
        'The platform gave no caller identity that an entry of PLUGIN_ADMIN_OPENIDS can name (HTTP-triggered and timer calls have no OPENID, for one): call from the mini-program.',
    };
  }
  const [zh, en] =
    admins.kind === 'unset'
      ? [`把 PLUGIN_ADMIN_OPENIDS 设为 ${adminEntry} 即可让你成为管理员。`, `Setting PLUGIN_ADMIN_OPENIDS to ${adminEntry} makes you an admin.`]
      : [`要添加的条目：${adminEntry}`, `The entry to add: ${adminEntry}`];
  return { ...refusal, hint: `${refusal.hint}${zh}`, hintEn: `${refusal.hintEn} ${en}` };
}

/** FORBIDDEN for anyone but an admin (with the entry that would admit them); then, for admins only, MISCONFIGURED. */
export function refuseCall(deps: { caller: Caller; admins: AdminList; configProblems?: readonly string[] }, task: CallerTask = 'decide'): ApplyError | null {
  const refusal = checkCaller(deps.caller, deps.admins, task);
  if (refusal !== null) return refusal;
  if (deps.configProblems !== undefined && deps.configProblems.length > 0) return ownError('MISCONFIGURED', { problems: [...deps.configProblems] });
  return null;
}

/** The caller's fields for a log line: the masked OPENID and, for a cross-account call, the calling appid. */
export function callerLogFields(caller: Caller): { caller: string | null; callerAppid?: string | null } {
  const identity = identify(caller);
  return identity.kind === 'crossAccount'
    ? { caller: maskOpenid(identity.openid), callerAppid: identity.appid?.slice(0, 40) ?? null }
    : { caller: maskOpenid(identity.openid) };
}

/** What cloudbase_auth decides for a call from another mini-program: admitted (naming it), or refused with why. */
export type EnvironmentAdmission = { admitted: true; appid: string } | { admitted: false; reason: string };

const SET_IT =
  'Set PLUGIN_ADMIN_OPENIDS on cloudbase_auth to the same value as on setPluginApplyStatus and getPluginApplyList, with an APPID:OPENID entry for each admin of the calling mini-program.';

/** How many malformed entries a refusal names: the errMsg reaches the caller's screen, so it stays short. */
const NAMED_AT_MOST = 3;

/**
 * The rule of cloudbase_auth, read once from PLUGIN_ADMIN_OPENIDS at cold start: a mini-program sharing this
 * environment is admitted when an APPID:OPENID entry names it; the functions it then calls check the user.
 * A refusal reaches the calling mini-program's screen, so it says what to set, and where.
 */
export function environmentAdmission(raw: string | undefined): (caller: Caller) => EnvironmentAdmission {
  const entries = adminEntries(raw);
  const admins = adminListOf(entries);
  const malformed = entries.flatMap((entry) => (entry.kind === 'malformed' ? [entry] : []));
  const listState: 'unset' | 'empty' | 'set' = (raw ?? '').trim() === '' ? 'unset' : admins.kind === 'unset' && malformed.length === 0 ? 'empty' : 'set';
  const malformedNote = describeMalformed(malformed, entries.length);
  return (caller) => {
    const appid = text(caller.fromAppid);
    const entry = `${appid ?? 'APPID'}:${text(caller.fromOpenid) ?? 'OPENID'}`;
    if (listState === 'unset') {
      return {
        admitted: false,
        reason: `PLUGIN_ADMIN_OPENIDS is not set on cloudbase_auth, so no mini-program may use this environment. Add ${entry}. ${SET_IT}`,
      };
    }
    if (appid === null)
      return {
        admitted: false,
        reason: 'the platform named no calling mini-program (FROM_APPID); only calls from another mini-program sharing this environment are admitted here.',
      };
    if (admins.kind === 'listed' && admins.byAppid?.has(appid) === true) return { admitted: true, appid };
    const state =
      listState === 'empty'
        ? 'PLUGIN_ADMIN_OPENIDS is set on cloudbase_auth but holds no entry, only separators.'
        : `PLUGIN_ADMIN_OPENIDS is set on cloudbase_auth, but no APPID:OPENID entry names mini-program ${appid}.${malformedNote}`;
    return {
      admitted: false,
      reason: `mini-program ${appid} is not admitted to this environment: ${state} Add ${entry} (the same value on every function of this package). ${SET_IT}`,
    };
  };
}

/**
 * What is wrong with each malformed entry (up to NAMED_AT_MOST); '' when none is. The caller need not be an admin,
 * so an entry is named by its position, never by its text: a stray character can split an admin's OPENID into
 * pieces short enough to pass for anything else.
 */
function describeMalformed(malformed: readonly { position: number; problem: string }[], count: number): string {
  const named = malformed.slice(0, NAMED_AT_MOST).map(({ position, problem }) => ` Entry ${position} of ${count} is malformed: ${problem}.`);
  const more = malformed.length > NAMED_AT_MOST ? ` (and ${malformed.length - NAMED_AT_MOST} more malformed)` : '';
  return `${named.join('')}${more}`;
}

/** The name PLUGIN_ADMIN_OPENIDS gives this caller (`张三=oAbC…`), or null when the entry that admits them gives none. */
export function adminName(caller: Caller, admins: AdminList): string | null {
  const identity = identify(caller);
  if (admins.kind === 'unset' || identity.openid === null) return null;
  const key = identity.kind === 'sameAccount' ? identity.openid : identity.appid === null ? null : `${identity.appid}:${identity.openid}`;
  return key === null ? null : (admins.names?.get(key) ?? null);
}
