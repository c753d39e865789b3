/**
 * Entry point of the cloudbase_auth cloud function (bundled to cloudfunctions/cloudbase_auth/index.js). The platform
 * runs it when another mini-program of the same entity initialises this shared environment (环境共享,
 * `new wx.cloud.Cloud({ resourceAppid, resourceEnv }).init()`): a non-zero errCode refuses that mini-program
 * (-601017 on its side). Whom it admits is the caller policy's `environmentAdmission`; the other two functions then
 * check the user. It needs neither the SDK nor any API permission.
 */
import type { Caller } from '../core/callerPolicy';
import { environmentAdmission } from '../core/callerPolicy';
import { maskOpenid } from '../core/log';
import type { Steps } from '../core/pipeline';
import { runRequest } from '../core/pipeline';
import { getWXContext } from './wxContext';

/** What the platform expects back: errCode 0 admits, and `auth` is what security rules see as `auth.custom`. */
export type AuthAnswer = { errCode: 0; errMsg: ''; auth: string } | { errCode: number; errMsg: string };

/** The errCode of every refusal: the platform only distinguishes zero from non-zero. */
export const AUTH_DENIED = 1;

const admission = environmentAdmission(process.env.PLUGIN_ADMIN_OPENIDS);

/** cloudbase_auth's steps: the caller check is the whole of it; the event carries nothing it reads. */
const AUTH_STEPS: Steps<Caller | null, null, AuthAnswer> = {
  fn: 'cloudbase_auth',
  // A context that could not be read (null) is refused as an internal error.
  admit: (caller) => {
    if (caller === null) return AUTH_STEPS.internal();
    const decision = admission(caller);
    return decision.admitted ? null : { errCode: AUTH_DENIED, errMsg: `cloudbase_auth: ${decision.reason}` };
  },
  parse: () => ({ ok: true, value: null }),
  // Admitted, so FROM_APPID names the mini-program.
  run: async (_, caller) => ({ errCode: 0, errMsg: '', auth: JSON.stringify({ appid: caller?.fromAppid }) }),
  describe: (answer) => ({ outcome: answer.errCode === 0 ? 'OK' : 'DENIED' }),
  internal: () => ({ errCode: AUTH_DENIED, errMsg: 'cloudbase_auth: internal error; the call is refused.' }),
};

/** The cloud function handler, `index.main`: always resolves with an answer, never throws. */
export async function main(event: unknown, context: unknown): Promise<AuthAnswer> {
  let fromAppid: unknown;
  let fromOpenid: unknown;
  let caller: Caller | null;
  try {
    ({ FROM_APPID: fromAppid, FROM_OPENID: fromOpenid } = getWXContext());
    // getWXContext turns digit-only values into numbers: such a value names no mini-program or user.
    caller = { fromAppid: typeof fromAppid === 'string' ? fromAppid : undefined, fromOpenid: typeof fromOpenid === 'string' ? fromOpenid : undefined };
  } catch {
    caller = null;
  }
  const requestId = (context as { request_id?: unknown } | null | undefined)?.request_id;
  const fields = {
    requestId: typeof requestId === 'string' ? requestId : null,
    callerAppid: typeof fromAppid === 'string' ? fromAppid.slice(0, 40) : null,
    caller: maskOpenid(fromOpenid),
  };
  const stdout = (record: object): void => void process.stdout.write(`${JSON.stringify(record)}\n`);
  return runRequest(AUTH_STEPS, event, caller, { log: stdout, fields });
}
