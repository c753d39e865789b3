/**
 * What the transports' HTTP answers say beyond their code: HTTP_ERROR's retry policy, outcome, reach and hint (the
 * functions' and the CLI's) by its status, and ACCESS_TOKEN_UNAVAILABLE's hint by the address it asked. The table
 * (wechatErrors.ts) points at these.
 */
import type { Answer, AnswerDependent, CliHint, Hint, RetryPolicy } from './errorTable';

/**
 * How an HTTP error status may be retried: a 5xx is the upstream being unwell and may pass (decisions are safe to
 * repeat); 429 asks the caller to slow down, so not at once; any other status (404, 403, 400…) is a wrong address
 * or a proxy refusing, which fails the same way every time.
 */
function httpRetryPolicy(httpStatus: number): RetryPolicy {
  if (httpStatus >= 500 && httpStatus <= 599) return 'backoff';
  if (httpStatus === 429) return 'later';
  return 'never';
}

/**
 * The statuses one request's own body can cause (a body the address will not take): the next item may pass. Any
 * other status that is not a 5xx — 429, a redirect, 401, 403, 404… — is about the address or the account, and the
 * next item would meet it too.
 */
const ITEM_STATUSES: ReadonlySet<number> = new Set([400, 413, 422]);

/**
 * HTTP_ERROR by its status: a 5xx gateway may have passed the request on, so its outcome is unknown and it may
 * pass; every other status but ITEM_STATUSES stops a batch.
 */
export function byHttpStatus({ httpStatus, raw }: Answer): AnswerDependent {
  if (httpStatus === undefined) return {};
  const retry = httpRetryPolicy(httpStatus);
  const accountWide = retry !== 'backoff' && !ITEM_STATUSES.has(httpStatus);
  return { retry, outcome: retry === 'backoff' ? 'unknown' : 'known', accountWide, httpStatus, ...httpStatusHint(httpStatus, raw) };
}

/** How a function's result names the base URL: the environment variable. */
const FUNCTION_BASE_URL: Hint = { zh: 'WECHAT_API_BASE_URL ', en: 'WECHAT_API_BASE_URL' };

/** How the CLI names the base URL: its flag, the variable it falls back to, and the address this run used. */
const CLI_BASE_URL: Hint = { zh: '--base-url / WECHAT_API_BASE_URL（本次 {url}） ', en: '--base-url / WECHAT_API_BASE_URL (this run: {url})' };

/**
 * HTTP_ERROR's hint for what its status and address say: a redirect is never followed, and a failed token fetch
 * sent no decision, so there is nothing to check in the list. The CLI, which knows the status and the address it
 * used, says what the status means where the functions' result points at its httpStatus field.
 */
function httpStatusHint(httpStatus: number, raw: string): Pick<AnswerDependent, 'hint' | 'cli'> {
  if (httpStatus >= 300 && httpStatus <= 399) {
    const redirect = (where: Hint): Hint => ({
      zh: `接口地址返回了重定向（HTTP ${httpStatus}），为免把 AppSecret 或 access_token 发往别处，不会跟随：请检查 ${where.zh}或代理。微信接口从不重定向。`,
      en: `The address answered a redirect (HTTP ${httpStatus}), which is never followed so that the AppSecret or access token cannot be sent elsewhere: check ${where.en} or the proxy. WeChat's API never redirects.`,
    });
    return { hint: redirect(FUNCTION_BASE_URL), cli: redirect(CLI_BASE_URL) };
  }
  if (raw.includes('/cgi-bin/stable_token')) {
    const soon = httpStatus >= 500 || httpStatus === 429;
    const token = (where: Hint): Hint => ({
      zh: `获取 access_token 时接口地址返回 HTTP ${httpStatus}，决定尚未发送：${soon ? '稍后重试即可' : `请检查 ${where.zh}或代理`}。`,
      en: `Fetching the access token got HTTP ${httpStatus}, so no decision was sent: ${soon ? 'just retry later' : `check ${where.en} or the proxy`}.`,
    });
    return { hint: token(FUNCTION_BASE_URL), cli: token(CLI_BASE_URL) };
  }
  return { cli: cliStatusHint(httpStatus) };
}

/** The CLI's words for a status of the address itself: too many requests (429), a failing upstream (5xx), a wrong address or proxy. */
function cliStatusHint(httpStatus: number): CliHint {
  if (httpStatus === 429)
    return { zh: '接口地址返回 HTTP 429（请求过多）：请稍候再运行。', en: 'The address answered HTTP 429 (too many requests): wait, then run again.' };
  if (httpStatus >= 500)
    return {
      zh: `接口地址返回 HTTP ${httpStatus}：上游故障，已自动重试。{next}`,
      en: `The address answered HTTP ${httpStatus}: an upstream failure, already retried. {next}`,
    };
  return {
    zh: `接口地址返回 HTTP ${httpStatus}：多为 --base-url / WECHAT_API_BASE_URL（本次 {url}）或代理配置错误。`,
    en: `The address answered HTTP ${httpStatus}: usually a wrong ${CLI_BASE_URL.en} or proxy.`,
  };
}

/** ACCESS_TOKEN_UNAVAILABLE's hint with the address it asked, which its raw text names. */
export function tokenAddressHint({ raw }: Answer): AnswerDependent {
  const url = /\bhttps?:\/\/\S*?\/cgi-bin\/stable_token\b/.exec(raw)?.[0];
  if (url === undefined) return {};
  return {
    hint: {
      zh: `未发送任何请求：请检查本服务器能否访问 ${url}，稍后再试。`,
      en: `Nothing was sent: check that this server reaches ${url}, then try again later.`,
    },
  };
}
