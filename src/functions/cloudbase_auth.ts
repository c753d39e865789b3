/**
 * Entry point of the cloudbase_auth cloud function (bundled to cloudfunctions/cloudbase_auth/index.js). The platform
 * runs it when another mini-program of the same entity initialises this shared environment (环境共享,
 * `new wx.cloud.Cloud({ resourceAppid, resourceEnv }).init()`): a non-zero errCode refuses that mini-program
 * (-601017 on its side). It admits the mini-programs named by an APPID:OPENID entry of PLUGIN_ADMIN_OPENIDS; the
 * other two functions then check the user. It needs neither the SDK nor any API permission.
 */
import { parseAdminList } from '../core/config';
import { maskOpenid } from '../core/log';
import { getWXContext } from './wxContext';

/** What the platform expects back: errCode 0 admits, and `auth` is what security rules see as `auth.custom`. */
export type AuthAnswer = { errCode: 0; errMsg: ''; auth: string } | { errCode: number; errMsg: string };

/** The errCode of every refusal: the platform only distinguishes zero from non-zero. */
export const AUTH_DENIED = 1;

const SET_IT = 'Set PLUGIN_ADMIN_OPENIDS on cloudbase_auth to the same value as on setPluginApplyStatus and getPluginApplyList, with an APPID:OPENID entry for each admin of the calling mini-program.';

const admins = parseAdminList(process.env.PLUGIN_ADMIN_OPENIDS);
const admittedAppids = new Set(admins.kind === 'listed' ? [...(admins.pairs ?? [])].map((pair) => pair.slice(0, pair.indexOf(':'))) : []);

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
  if (admins.kind === 'unset') return { errCode: AUTH_DENIED, errMsg: `cloudbase_auth: PLUGIN_ADMIN_OPENIDS is not set on cloudbase_auth, so no mini-program may use this environment. ${SET_IT}` };
  if (typeof fromAppid !== 'string' || fromAppid === '') return { errCode: AUTH_DENIED, errMsg: 'cloudbase_auth: the platform named no calling mini-program (FROM_APPID); only calls from another mini-program sharing this environment are admitted here.' };
  if (!admittedAppids.has(fromAppid)) {
    const entry = typeof fromOpenid === 'string' && fromOpenid !== '' ? `${fromAppid}:${fromOpenid}` : `${fromAppid}:OPENID`;
    return { errCode: AUTH_DENIED, errMsg: `cloudbase_auth: mini-program ${fromAppid} is not admitted to this environment: no entry of PLUGIN_ADMIN_OPENIDS names it. Add ${entry} (the same value on all three functions). ${SET_IT}` };
  }
  return { errCode: 0, errMsg: '', auth: JSON.stringify({ appid: fromAppid }) };
}
