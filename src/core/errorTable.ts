/**
 * Every error a caller can meet, as data, and the one function that reads a failure: what was thrown becomes the
 * error a result carries, how it may be retried and whether the call may still have been applied. The WeChat and
 * cloud codes are in wechatErrors.ts; the ones this package raises itself are here. The `code` names are a public
 * contract, and so are the hints function results carry; an entry's `cli` says the same for someone at plugin-apply.
 */
import { DeadlineExceeded } from './deadline';
import type { EventIssue } from './eventSchema';
import { WeChatApiError } from './wechatClient';
import { WECHAT_ERRORS } from './wechatErrors';

/** The errCodes the transports raise for answers that are not WeChat's; the table is in wechatErrors.ts. */
export { HTTP_ERROR_CODE, UNREADABLE_ANSWER_CODE } from './wechatErrors';

/**
 * How a failure may be retried: `backoff` — soon, with backoff (transient; retried automatically);
 * `later` — by the caller, after waiting or after the transport refreshed its token (not retried automatically);
 * `never` — the same call fails again until something changes.
 */
export type RetryPolicy = 'backoff' | 'later' | 'never';

/**
 * Whether a failed call may still have been applied by WeChat: `unknown` when the failure says nothing of it (a
 * timeout, a dropped connection, a cloud-side error after the request left), so that a later definite failure of
 * the same decision cannot say that the decision was not applied.
 */
export type Outcome = 'known' | 'unknown';

/** What an error says, in one language: what happened, and what the operator should do about it. */
export interface ErrorText {
  message: string;
  hint: string;
}

/** A hint in both languages. */
export interface Hint {
  zh: string;
  en: string;
}

/**
 * The hint for someone at the plugin-apply CLI, where the functions' hint names what only a function's caller has (a
 * function, a field of its result, its environment variables, the cloud console): the CLI's own commands and flags.
 * The CLI fills `{next}` (what to do next after its command failed), `{url}` (the base URL it used) and `{timeout}`
 * (its --timeout, in seconds). `list` is said instead on plugin-apply list; `agreeToClosed` instead when the
 * decision was to agree to an application already refused or timed out.
 */
export interface CliHint extends Hint {
  list?: Hint;
  agreeToClosed?: Hint;
}

/** What the answer itself carried, beyond its code: the HTTP status, WeChat's own text. */
export interface Answer {
  httpStatus?: number;
  raw: string;
}

/** What an entry computes from the answer (HTTP_ERROR: from its status), replacing its fixed fields. */
export interface AnswerDependent {
  retry?: RetryPolicy;
  outcome?: Outcome;
  /** Whether every further item of a batch would meet it too (see ACCOUNT_WIDE_CODES). */
  accountWide?: boolean;
  hint?: Hint;
  /** The CLI's words for it, in place of the entry's `cli`. */
  cli?: CliHint;
  httpStatus?: number;
}

/** One entry of the table. */
export interface ErrorEntry {
  code: string;
  retry: RetryPolicy;
  outcome: Outcome;
  zh: ErrorText;
  en: ErrorText;
  /** The hint in the CLI's words, where the functions' hint does not fit someone at a terminal. */
  cli?: CliHint;
  /** What the entry computes from the answer, in place of its fixed fields (HTTP_ERROR: by its status). */
  byAnswer?: (answer: Answer) => AnswerDependent;
}

/** The error a result carries: stable `code`, the WeChat/cloud `errCode` (null for our own), bilingual text. */
export interface ApplyError {
  code: string;
  errCode: number | null;
  message: string;
  messageEn: string;
  retryable: boolean;
  /** What to do, in Chinese; `hintEn` in English. */
  hint: string;
  hintEn: string;
  /** INVALID_EVENT only: every problem found in the event. */
  issues?: EventIssue[];
  /** WeChat's or the cloud's own text (errMsg), for WeChat and cloud codes; it may name the IP, the rid, etc. */
  raw?: string;
  /** When an application was looked up after WeChat refused a decision: its status now. */
  currentStatus?: string;
  /** MISCONFIGURED only: each problem with the function's environment variables and how to fix it. */
  problems?: string[];
  /** FORBIDDEN only: the caller's own OPENID (FROM_OPENID for a cross-account caller; null when the platform gave none). */
  yourOpenid?: string | null;
  /** FORBIDDEN for a cross-account caller only: the calling mini-program's appid (FROM_APPID). */
  yourAppid?: string | null;
  /** FORBIDDEN only: the exact entry to add to PLUGIN_ADMIN_OPENIDS to admit this caller (`OPENID` or `APPID:OPENID`), or null when none could. */
  adminEntry?: string | null;
  /** SKIPPED only: the code of the account-wide error that stopped the batch. */
  blockedBy?: string;
  /** HTTP_ERROR, and OUTCOME_UNKNOWN behind one: the HTTP status the HTTPS endpoint answered. */
  httpStatus?: number;
  /** OUTCOME_UNKNOWN after a later try failed: the earlier try whose answer was lost (its outcome unknown). */
  unknownTry?: { errCode: number; raw: string };
  /** OUTCOME_UNKNOWN when reading the application's status failed with an error of its own: that error. */
  lookupError?: LookupError;
}

/** Why a lookup of the application list failed: the error's code, its WeChat errCode and text, its HTTP status. */
export type LookupError = Pick<ApplyError, 'code' | 'errCode' | 'raw' | 'httpStatus'>;

/** Errors this package raises itself, each under the code it produces. */
export const OWN_ERRORS = {
  INVALID_EVENT: {
    code: 'INVALID_EVENT',
    retry: 'never',
    outcome: 'known',
    zh: { message: '请求参数有误', hint: '请按 issues 中列出的每个问题修改后再调用。' },
    en: { message: 'the event is invalid', hint: 'Fix each problem listed in issues and call again.' },
    cli: { zh: '请按该行下列出的问题修改后再运行。', en: 'Fix each problem listed under its line, then run again.' },
  },
  FORBIDDEN: {
    code: 'FORBIDDEN',
    retry: 'never',
    outcome: 'known',
    zh: {
      message: '无权操作：只有插件管理员可以处理申请',
      hint: '请管理员把 adminEntry 所示的条目加入云函数环境变量 PLUGIN_ADMIN_OPENIDS（本套件的每个云函数设为同一值）。',
    },
    en: {
      message: 'forbidden: only plugin admins may decide on applications',
      hint: "Ask an admin to add the entry in adminEntry to PLUGIN_ADMIN_OPENIDS in the functions' environment variables (the same value on every function of this package).",
    },
  },
  MISCONFIGURED: {
    code: 'MISCONFIGURED',
    retry: 'never',
    outcome: 'known',
    zh: { message: '云函数配置有误，请检查环境变量', hint: '请按 problems 中列出的每个问题修改云函数环境变量（云开发控制台 → 云函数 → 配置），然后再调用。' },
    en: {
      message: 'the function is misconfigured: check its environment variables',
      hint: "Fix each problem listed in problems in the function's environment variables (cloud console → 云函数 → 配置), then call again.",
    },
  },
  TIMEOUT: {
    code: 'TIMEOUT',
    retry: 'backoff',
    outcome: 'unknown',
    zh: { message: '微信接口未在时限内响应，结果未知', hint: '请刷新列表确认该决定是否已生效，未生效再重试；或在云开发控制台调大云函数超时时间。' },
    en: {
      message: 'WeChat did not answer within the time limit; the outcome is unknown',
      hint: "Refresh the list to see whether the decision was applied, then retry if not; or raise the function's timeout in the cloud console.",
    },
    cli: { zh: '{next}需要更多时间时，请调大 --timeout（本次 {timeout} 秒）。', en: '{next} To allow more time, raise --timeout (this run: {timeout} s).' },
  },
  OUTCOME_UNKNOWN: {
    code: 'OUTCOME_UNKNOWN',
    retry: 'backoff',
    outcome: 'unknown',
    zh: {
      message: '无法确定此操作是否已生效：微信拒绝了它或应答丢失，而该申请的当前状态无法读取，结果未知',
      hint: '请刷新列表查看该申请的当前状态：已是所要的状态则无需处理，否则再操作一次。',
    },
    en: {
      message:
        "whether the decision was applied cannot be told: WeChat refused it or its answer was lost, and the application's current status could not be read, so the outcome is unknown",
      hint: "Refresh the list to see the application's current status: if it is already as asked there is nothing to do; otherwise send the decision again.",
    },
    cli: { zh: '{next}', en: '{next}' },
  },
  NOT_ATTEMPTED: {
    code: 'NOT_ATTEMPTED',
    retry: 'backoff',
    outcome: 'known',
    zh: { message: '时间不足，未处理此项', hint: '请重新发送此项。' },
    en: { message: 'not attempted: the time limit ran out first', hint: 'Send this item again.' },
    cli: { zh: '请对这些 appid 再运行一次（需要时调大 --timeout）。', en: 'Run again for these appids (raise --timeout if time ran out).' },
  },
  SKIPPED: {
    code: 'SKIPPED',
    retry: 'later',
    outcome: 'known',
    zh: { message: '已跳过：本批次中前面的项遇到了整个帐号的错误，此项未发送', hint: '请先按该帐号级错误（见 blockedBy 及其提示）处理，然后重新发送这些项。' },
    en: {
      message: 'skipped: an earlier item of this batch met an account-wide error, so this item was not sent',
      hint: 'Fix the account-wide error reported above (see blockedBy and its hint) first, then send these items again.',
    },
    cli: {
      zh: '请先按上面的帐号级错误处理，然后对跳过的 appid 再运行一次。',
      en: 'Fix the account-wide error reported above first, then run again for the skipped appids.',
    },
  },
  NOT_PAGING: {
    code: 'NOT_PAGING',
    retry: 'never',
    outcome: 'known',
    zh: {
      message: '申请列表没有翻页：后一页重复了已读到的申请，重试也不会改变',
      hint: '请检查 WECHAT_API_BASE_URL 所指的代理是否缓存了列表页（各页只有 page 不同）；直接访问微信仍如此时，请附上此结果反馈。已读到的申请见 items。',
    },
    en: {
      message: 'the application list does not move through pages: a later page repeated applications already read, and asking again will not change that',
      hint: 'Check that no proxy on WECHAT_API_BASE_URL caches list pages (they differ only in page); if WeChat itself answers so, report it with this result. The applications read are in items.',
    },
  },
  INTERNAL: {
    code: 'INTERNAL',
    retry: 'backoff',
    outcome: 'known',
    zh: { message: '内部错误，请稍后重试', hint: '请在云函数日志中按请求 ID 查找详情。' },
    en: { message: 'internal error; try again later', hint: "Look up the request id in the function's logs." },
    cli: { zh: '请加 --verbose 重新运行，并附上输出反馈。', en: 'Run again with --verbose and report what it prints.' },
  },
  WATCH_STATE_UNAVAILABLE: {
    code: 'WATCH_STATE_UNAVAILABLE',
    retry: 'backoff',
    outcome: 'known',
    zh: {
      message: '无法读写监视器的记录（云数据库），本次未读取、未决定、未发送任何内容',
      hint: '请确认云函数部署在插件帐号自己的云开发环境中且数据库已开通；raw 中是数据库的原文。下次定时运行会再试。',
    },
    en: {
      message: 'the watcher could not read or write its records (the cloud database), so this run read, decided and sent nothing',
      hint: "Check that the function is deployed in the plugin account's own environment with its database activated; raw holds the database's own text. The next timer run tries again.",
    },
  },
  TRAIL_UNREADABLE: {
    code: 'TRAIL_UNREADABLE',
    retry: 'backoff',
    outcome: 'known',
    zh: { message: '无法读取决定记录', hint: '请稍后重试；若一再出现，请在云函数日志中按请求 ID 查找原因（数据库未应答，或函数文件夹缺少 database.js）。' },
    en: {
      message: 'the decision trail could not be read',
      hint: "Try again shortly; if it persists, look the request id up in the function's logs (the database did not answer, or the function folder lacks database.js).",
    },
  },
  WECHAT_ERROR: {
    code: 'WECHAT_ERROR',
    retry: 'never',
    outcome: 'known',
    zh: { message: '微信接口返回了未知错误', hint: '请在微信文档中查找该 errCode；raw 中是微信的原文。' },
    en: { message: 'WeChat returned an unknown error', hint: "Look up the errCode in WeChat's documentation; raw holds WeChat's own text." },
    cli: {
      zh: '请在微信文档中查找该 errCode；错误行末尾是微信的原文。',
      en: "Look up the errCode in WeChat's documentation; WeChat's own text ends the error line.",
    },
  },
} as const satisfies Record<string, ErrorEntry>;

/** FORBIDDEN when no admin is configured at all: every caller is refused, so the fix is the configuration's. */
const NOT_CONFIGURED: ErrorEntry = {
  code: 'FORBIDDEN',
  retry: 'never',
  outcome: 'known',
  zh: {
    message: '未配置管理员：云函数环境变量 PLUGIN_ADMIN_OPENIDS 未设置（或没有有效条目），所有调用均被拒绝',
    hint: '请在云开发控制台打开云函数的配置，把环境变量 PLUGIN_ADMIN_OPENIDS 设为管理员列表（逗号分隔，每项为 OPENID 或 APPID:OPENID，本套件的每个云函数设为同一值）。',
  },
  en: {
    message: "no admins configured: the function's environment variable PLUGIN_ADMIN_OPENIDS is unset (or has no valid entry), so every call is refused",
    hint: "In the cloud console, open the functions' configuration and set PLUGIN_ADMIN_OPENIDS to the admins, comma-separated, each OPENID or APPID:OPENID (the same value on every function of this package).",
  },
};

/** FORBIDDEN on getPluginApplyList: the same refusal, worded for a caller who asked to read the list. */
const FORBIDDEN_TO_LIST: ErrorEntry = {
  ...OWN_ERRORS.FORBIDDEN,
  zh: { ...OWN_ERRORS.FORBIDDEN.zh, message: '无权操作：只有插件管理员可以查看申请列表' },
  en: { ...OWN_ERRORS.FORBIDDEN.en, message: 'forbidden: only plugin admins may list applications' },
};

/**
 * Our own errors by name: the codes, NOT_CONFIGURED (FORBIDDEN, worded for a function with no admins) and
 * FORBIDDEN_TO_LIST (FORBIDDEN, worded for the list).
 */
export type OwnErrorName = keyof typeof OWN_ERRORS | 'NOT_CONFIGURED' | 'FORBIDDEN_TO_LIST';

const WORDED_FOR: Readonly<Record<'NOT_CONFIGURED' | 'FORBIDDEN_TO_LIST', ErrorEntry>> = { NOT_CONFIGURED, FORBIDDEN_TO_LIST };

/**
 * Codes that say something about the account, the environment or the function rather than one application: the
 * next item would meet the same error, so a batch starts no new item after one (the rest are SKIPPED).
 */
export const ACCOUNT_WIDE_CODES: ReadonlySet<string> = new Set([
  // Credentials and the HTTPS caller (the token was already refreshed once before these reach a batch).
  'ACCESS_TOKEN_INVALID',
  'ACCESS_TOKEN_EXPIRED',
  'INVALID_APPID',
  'INVALID_APPSECRET',
  'IP_NOT_WHITELISTED',
  'ACCESS_TOKEN_MISSING',
  'ACCESS_TOKEN_UNAVAILABLE',
  // Quotas of the account or the environment.
  'DAILY_QUOTA_EXCEEDED',
  'RATE_LIMITED',
  'CLOUD_REQUEST_LIMIT',
  // The account, plugin or function cannot use this API at all.
  'API_UNAUTHORIZED',
  'PLUGIN_NOT_FOUND',
  'PLUGIN_APPID_NOT_FOUND',
  'NO_API_PERMISSION',
  'API_NOT_FOUND',
  'ILLEGAL_INVOCATION_SOURCE',
  'CLOUD_INVALID_ENV',
  'API_BANNED',
  'CLOUD_API_PERMISSION_DENIED',
  'CLOUD_UNAUTHORIZED_ENV',
  'CLOUD_UNAUTHORIZED_API',
  'CLOUD_INVALID_REQUEST_SOURCE',
  'CLOUD_RESOURCE_NOT_INITIALIZED',
]);

/**
 * The code of the account-wide error an error is, or hides: OUTCOME_UNKNOWN stands for the failure behind it (its
 * errCode and HTTP status) and for the lookup's failure (`lookupError`), either of which stops a batch just as it
 * would on its own. Null when the next item could pass.
 */
export function accountWideCode(error: ApplyError | LookupError): string | null {
  // A lookup that met an account-wide error stops a batch as the decision's own error would.
  const lookup = 'lookupError' in error && error.lookupError !== undefined ? accountWideCode(error.lookupError) : null;
  if (lookup !== null) return lookup;
  if (error.errCode === null) return ACCOUNT_WIDE_CODES.has(error.code) ? error.code : null;
  const behind = wechatFailure(error.errCode, { raw: error.raw ?? '', ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }) });
  return behind.accountWide ? behind.error.code : null;
}

function toApplyError(entry: ErrorEntry, errCode: number | null): ApplyError {
  return {
    code: entry.code,
    errCode,
    message: entry.zh.message,
    messageEn: entry.en.message,
    retryable: entry.retry !== 'never',
    hint: entry.zh.hint,
    hintEn: entry.en.hint,
  };
}

/** The error for one of our own conditions. */
export function ownError(name: OwnErrorName, extra: Partial<ApplyError> = {}): ApplyError {
  return { ...toApplyError(name === 'NOT_CONFIGURED' || name === 'FORBIDDEN_TO_LIST' ? WORDED_FOR[name] : OWN_ERRORS[name], null), ...extra };
}

/**
 * A failure as the table reads it: the error to report, how it may be retried, whether it may have been applied,
 * and whether every further item of a batch would meet it too.
 */
export interface Failure {
  error: ApplyError;
  retry: RetryPolicy;
  outcome: Outcome;
  accountWide: boolean;
}

/**
 * Reads what a call threw: a WeChat or cloud code by the table, the deadline as TIMEOUT. Anything else is a bug, not
 * a failure of the call: null.
 */
export function classifyFailure(thrown: unknown): Failure | null {
  if (thrown instanceof DeadlineExceeded)
    return { error: ownError('TIMEOUT'), retry: OWN_ERRORS.TIMEOUT.retry, outcome: OWN_ERRORS.TIMEOUT.outcome, accountWide: false };
  if (!(thrown instanceof WeChatApiError)) return null;
  return wechatFailure(thrown.errCode, { raw: thrown.errMsg, ...(thrown.httpStatus === undefined ? {} : { httpStatus: thrown.httpStatus }) });
}

/**
 * A WeChat or cloud code by the table, and what its entry computes from the answer. An unknown code keeps its
 * number and WeChat's text, and is known and never retried, since WeChat answered it.
 */
function wechatFailure(errCode: number, answer: Answer): Failure {
  const entry: ErrorEntry = WECHAT_ERRORS.get(errCode) ?? OWN_ERRORS.WECHAT_ERROR;
  const { retry = entry.retry, outcome = entry.outcome, accountWide = ACCOUNT_WIDE_CODES.has(entry.code), hint, httpStatus } = entry.byAnswer?.(answer) ?? {};
  const error: ApplyError = {
    ...toApplyError(entry, errCode),
    raw: answer.raw,
    retryable: retry !== 'never',
    ...(httpStatus === undefined ? {} : { httpStatus }),
    ...(hint === undefined ? {} : { hint: hint.zh, hintEn: hint.en }),
  };
  return { error, retry, outcome, accountWide };
}

/** The error for a WeChat or cloud code, with WeChat's own text (and the HTTP status, for HTTP_ERROR). */
export function wechatError(errCode: number, raw: string, httpStatus?: number): ApplyError {
  return wechatFailure(errCode, { raw, ...(httpStatus === undefined ? {} : { httpStatus }) }).error;
}

const OWN_BY_CODE: ReadonlyMap<string, ErrorEntry> = new Map(Object.values(OWN_ERRORS).map((entry: ErrorEntry) => [entry.code, entry]));

/**
 * The CLI's words for an error's hint, placeholders unfilled, from the entry it came from (and from what the
 * answer said, for an entry that reads it); undefined where the functions' hint serves the CLI as it is.
 */
export function cliHintOf(error: ApplyError): CliHint | undefined {
  const wechat = error.errCode === null ? undefined : WECHAT_ERRORS.get(error.errCode);
  // OUTCOME_UNKNOWN and WECHAT_ERROR carry a WeChat errCode, but their words are our own entry's.
  const entry = wechat?.code === error.code ? wechat : OWN_BY_CODE.get(error.code);
  const answer = entry?.byAnswer?.({ raw: error.raw ?? '', ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }) });
  return answer?.cli ?? entry?.cli;
}

/** The codes whose own text says the outcome is unknown (the table's `outcome`). */
export const OUTCOME_UNKNOWN_CODES: ReadonlySet<string> = new Set(
  [...WECHAT_ERRORS.values(), ...Object.values(OWN_ERRORS)].filter((entry) => entry.outcome === 'unknown').map((entry) => entry.code),
);
