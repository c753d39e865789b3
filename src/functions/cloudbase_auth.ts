/**
 * Entry point of the cloudbase_auth cloud function (bundled to cloudfunctions/cloudbase_auth/index.js). The platform
 * runs it when another mini-program of the same entity initialises this shared environment (环境共享,
 * `new wx.cloud.Cloud({ resourceAppid, resourceEnv }).init()`): a non-zero errCode refuses that mini-program
 * (-601017 on its side). Whom it admits is the caller policy's `environmentAdmission`; the other two functions then
 * check the user. It needs neither the SDK nor any API permission.
 */
import { environmentAdmission } from '../core/callerPolicy';
import { maskOpenid } from '../core/log';
import { getWXContext } from './wxContext';

/** What the platform expects back: errCode 0 admits, and `auth` is what security rules see as `auth.custom`. */
export type AuthAnswer = { errCode: 0; errMsg: ''; auth: string } | { errCode: number; errMsg: string };

/** The errCode of every refusal: the platform only distinguishes zero from non-zero. */
export const AUTH_DENIED = 1;

const admission = environmentAdmission(process.env.PLUGIN_ADMIN_OPENIDS);

/** The cloud function handler, `index.main`: always resolves with an answer, never throws. */
export async function main(event: unknown, context: unknown): Promise<AuthAnswer> {
  let answer: AuthAnswer;
  let fromAppid: unknown;
  let fromOpenid: unknown;
  try {
    ({ FROM_APPID: fromAppid, FROM_OPENID: fromOpenid } = getWXContext());
    // getWXContext turns digit-only values into numbers: such a value names no mini-program or user.
    const decision = admission({ fromAppid: typeof fromAppid === 'string' ? fromAppid : undefined, fromOpenid: typeof fromOpenid === 'string' ? fromOpenid : undefined });
    answer = decision.admitted ? { errCode: 0, errMsg: '', auth: JSON.stringify({ appid: decision.appid }) } : { errCode: AUTH_DENIED, errMsg: `cloudbase_auth: ${decision.reason}` };
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
