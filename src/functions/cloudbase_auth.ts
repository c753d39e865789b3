/**
 * Entry point of the cloudbase_auth cloud function (bundled to cloudfunctions/cloudbase_auth/index.js). The platform
 * runs it when another mini-program of the same entity initialises this shared environment (环境共享,
 * `new wx.cloud.Cloud({ resourceAppid, resourceEnv }).init()`): a non-zero errCode refuses that mini-program
 * (-601017 on its side). It admits the mini-programs named by an APPID:OPENID entry of PLUGIN_ADMIN_OPENIDS; the
 * other two functions then check the user. It needs neither the SDK nor any API permission.
 */
import { malformedAdminEntries, parseAdminList } from '../core/config';
import { APPID_PATTERN } from '../core/eventSchema';
import { maskOpenid } from '../core/log';
import { getWXContext } from './wxContext';

/** What the platform expects back: errCode 0 admits, and `auth` is what security rules see as `auth.custom`. */
export type AuthAnswer = { errCode: 0; errMsg: ''; auth: string } | { errCode: number; errMsg: string };

/** The errCode of every refusal: the platform only distinguishes zero from non-zero. */
export const AUTH_DENIED = 1;

const SET_IT = 'Set PLUGIN_ADMIN_OPENIDS on cloudbase_auth to the same value as on setPluginApplyStatus and getPluginApplyList, with an APPID:OPENID entry for each admin of the calling mini-program.';

/** How many malformed entries a refusal names: the errMsg reaches the caller's screen, so it stays short. */
const NAMED_AT_MOST = 3;

/** An appid as people paste it, capitals included: shown as it is, since it identifies a mini-program, not a person. */
const APPID_LIKE = /^wx[0-9a-f]{16}$/i;

const rawList = process.env.PLUGIN_ADMIN_OPENIDS;
const admins = parseAdminList(rawList);
const admittedAppids = new Set(admins.kind === 'listed' ? [...(admins.pairs ?? [])].map((pair) => pair.slice(0, pair.indexOf(':'))) : []);
const listState: 'unset' | 'empty' | 'set' = (rawList ?? '').trim() === '' ? 'unset' : admins.kind === 'unset' && malformedAdminEntries(rawList).length === 0 ? 'empty' : 'set';
const malformedNote = describeMalformed(rawList);

/**
 * An entry as a refusal may show it: the caller need not be an admin, so anything long enough to be an OPENID is
 * masked as the log masks it, while appids and the entry's punctuation stay, which is what shows the mistake.
 */
function shownEntry(text: string): string {
  const cut = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(cut.replace(/[A-Za-z0-9_-]{16,}/g, (token) => (APPID_LIKE.test(token) ? token : (maskOpenid(token) ?? token))));
}

/** What is wrong with each malformed entry (up to NAMED_AT_MOST), computed once at cold start; '' when none is. */
function describeMalformed(raw: string | undefined): string {
  const malformed = malformedAdminEntries(raw);
  const why = (text: string): string => {
    if (/["'`“”‘’]/.test(text)) return 'remove the quotes around the value or the entry';
    if (text.includes('=')) return `a name before "=" is at most 32 characters without "=", "," or ":", and the entry ends at a comma or a new line`;
    if (APPID_PATTERN.test(text)) return `it is an appid alone; write ${text}:OPENID with the OPENID the admin has in that mini-program`;
    return 'write APPID:OPENID ("wx" and 16 lowercase hex characters, a colon, the OPENID), or OPENID alone for a same-account caller';
  };
  const named = malformed.slice(0, NAMED_AT_MOST).map((text) => ` Entry ${shownEntry(text)} is malformed: ${why(text)}.`);
  const more = malformed.length > NAMED_AT_MOST ? ` (and ${malformed.length - NAMED_AT_MOST} more malformed)` : '';
  return `${named.join('')}${more}`;
}

/** The cloud function handler, `index.main`: always resolves with an answer, never throws. */
export async function main(event: unknown, context: unknown): Promise<AuthAnswer> {
  let answer: AuthAnswer;
  let fromAppid: unknown;
  let fromOpenid: unknown;
  try {
    ({ FROM_APPID: fromAppid, FROM_OPENID: fromOpenid } = getWXContext());
    answer = decide(fromAppid, fromOpenid);
  } catch {
    answer = { errCode: AUTH_DENIED, errMsg: 'cloudbase_auth: internal error; the call is refused.' };
  }
  const requestId = (context as { request_id?: unknown } | null | undefined)?.request_id;
  process.stdout.write(
    `${JSON.stringify({
      fn: 'cloudbase_auth',
      requestId: typeof requestId === 'string' ? requestId : null,
      callerAppid: typeof fromAppid === 'string' ? fromAppid.slice(0, 40) : null,
      caller: maskOpenid(fromOpenid),
      outcome: answer.errCode === 0 ? 'OK' : 'DENIED',
    })}\n`,
  );
  return answer;
}

function decide(fromAppid: unknown, fromOpenid: unknown): AuthAnswer {
  const caller = typeof fromAppid === 'string' && fromAppid !== '' ? fromAppid : undefined;
  const entry = `${caller ?? 'APPID'}:${typeof fromOpenid === 'string' && fromOpenid !== '' ? fromOpenid : 'OPENID'}`;
  if (listState === 'unset') {
    return { errCode: AUTH_DENIED, errMsg: `cloudbase_auth: PLUGIN_ADMIN_OPENIDS is not set on cloudbase_auth, so no mini-program may use this environment. Add ${entry}. ${SET_IT}` };
  }
  if (caller === undefined) return { errCode: AUTH_DENIED, errMsg: 'cloudbase_auth: the platform named no calling mini-program (FROM_APPID); only calls from another mini-program sharing this environment are admitted here.' };
  if (admittedAppids.has(caller)) return { errCode: 0, errMsg: '', auth: JSON.stringify({ appid: caller }) };
  const state =
    listState === 'empty'
      ? 'PLUGIN_ADMIN_OPENIDS is set on cloudbase_auth but holds no entry, only separators.'
      : `PLUGIN_ADMIN_OPENIDS is set on cloudbase_auth, but no APPID:OPENID entry names mini-program ${caller}.${malformedNote}`;
  return { errCode: AUTH_DENIED, errMsg: `cloudbase_auth: mini-program ${caller} is not admitted to this environment: ${state} Add ${entry} (the same value on all three functions). ${SET_IT}` };
}
