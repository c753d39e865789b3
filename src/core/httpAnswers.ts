/**
 * What the transports' HTTP answers say beyond their code: HTTP_ERROR's retry policy, outcome, reach and hint by its
 * status, and ACCESS_TOKEN_UNAVAILABLE's hint by the address it asked. The table (wechatErrors.ts) points at these.
 */
import type { Answer, AnswerDependent, RetryPolicy } from './errorTable';

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

/**
 * HTTP_ERROR's hint for what its status and address say: a redirect is never followed, and a failed token fetch
 * sent no decision, so there is nothing to check in the list.
 */
function httpStatusHint(httpStatus: number, raw: string): Pick<AnswerDependent, 'hint'> {
  if (httpStatus >= 300 && httpStatus <= 399) {
    return {
      hint: {
        zh: `接口地址返回了重定向（HTTP ${httpStatus}），为免把 AppSecret 或 access_token 发往别处，不会跟随：请检查 WECHAT_API_BASE_URL 或代理。微信接口从不重定向。`,
        en: `The address answered a redirect (HTTP ${httpStatus}), which is never followed so that the AppSecret or access token cannot be sent elsewhere: check WECHAT_API_BASE_URL or the proxy. WeChat's API never redirects.`,
      },
    };
  }
  if (raw.includes('/cgi-bin/stable_token')) {
    const soon = httpStatus >= 500 || httpStatus === 429;
    return {
      hint: {
        zh: `获取 access_token 时接口地址返回 HTTP ${httpStatus}，决定尚未发送：${soon ? '稍后重试即可' : '请检查 WECHAT_API_BASE_URL 或代理'}。`,
        en: `Fetching the access token got HTTP ${httpStatus}, so no decision was sent: ${soon ? 'just retry later' : 'check WECHAT_API_BASE_URL or the proxy'}.`,
      },
    };
  }
  return {};
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
