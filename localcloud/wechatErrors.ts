import { randomBytes } from 'node:crypto';

/**
 * WeChat errcodes the local cloud answers with, and their errmsg text.
 * The plugin codes come from the setDevPluginApplyStatus page; the others are platform-wide.
 */
export const WeChatErrcode = {
  ok: 0,
  systemBusy: -1,
  invalidCredential: 40001,
  invalidGrantType: 40002,
  invalidAppid: 40013,
  invalidArgs: 40097,
  missingParameter: 40101,
  invalidAppsecret: 40125,
  accessTokenMissing: 41001,
  appidMissing: 41002,
  appsecretMissing: 41004,
  accessTokenExpired: 42001,
  minuteQuota: 45011,
  dataFormatError: 47001,
  /** A cloud code the `/tcb/` HTTP API answers as errcode for an environment id that is not the account's. */
  invalidEnv: -501005,
  onlyPendingCanBeDecided: 89240,
  onlyRefusedOrTimedOutCanBeDeleted: 89241,
  appidNotInList: 89242,
  pendingCannotBeDeleted: 89243,
} as const;

const errmsgs: Readonly<Record<number, string>> = {
  [WeChatErrcode.ok]: 'ok',
  [WeChatErrcode.systemBusy]: 'system error',
  [WeChatErrcode.invalidCredential]: 'invalid credential, access_token is invalid or not latest',
  [WeChatErrcode.invalidGrantType]: 'invalid grant_type',
  [WeChatErrcode.invalidAppid]: 'invalid appid',
  [WeChatErrcode.invalidArgs]: 'invalid args',
  [WeChatErrcode.missingParameter]: 'missing parameter',
  [WeChatErrcode.invalidEnv]: 'invalid env',
  [WeChatErrcode.invalidAppsecret]: 'invalid appsecret',
  [WeChatErrcode.accessTokenMissing]: 'access_token missing',
  [WeChatErrcode.appidMissing]: 'appid missing',
  [WeChatErrcode.appsecretMissing]: 'appsecret missing',
  [WeChatErrcode.accessTokenExpired]: 'access_token expired',
  [WeChatErrcode.minuteQuota]: 'api minute-quota reach limit  mustslower  retry next minute',
  [WeChatErrcode.dataFormatError]: 'data format error',
  [WeChatErrcode.onlyPendingCanBeDecided]: 'only applications in applying status can be agreed or refused (只有“待确认”的申请可操作通过/拒绝)',
  [WeChatErrcode.onlyRefusedOrTimedOutCanBeDeleted]: 'only refused or timed out applications can be deleted (只有“已拒绝/已超时”的申请可操作删除)',
  [WeChatErrcode.appidNotInList]: 'this appid is not in the application list (该appid不在申请列表内)',
  [WeChatErrcode.pendingCannotBeDeleted]: 'applications in applying status cannot be deleted (“待确认”的申请不可删除)',
};

/** A WeChat JSON error body (`errcode`, `errmsg`), snake_case as on the wire. */
export interface WeChatError {
  errcode: number;
  errmsg: string;
}

/** The body WeChat answers for `errcode`; like WeChat, a non-zero code's errmsg ends with a request id ("rid"). */
export function wechatError(errcode: number, detail?: string): WeChatError {
  const text = errmsgs[errcode] ?? 'local cloud injected error';
  if (errcode === 0) return { errcode, errmsg: text };
  const rid = `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}`;
  return { errcode, errmsg: `${text}${detail ? `: ${detail}` : ''} rid: ${rid}` };
}
