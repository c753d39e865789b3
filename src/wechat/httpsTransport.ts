/**
 * The HTTPS transport: `POST {baseUrl}/wxa/devplugin?access_token=TOKEN` with the plugin's appid and AppSecret,
 * for functions that do not run in the plugin account's own cloud environment. Needs Node.js 18+ (global fetch)
 * or a `fetch` passed in.
 */
import type { AccessTokenCache } from './accessToken';
import { createAccessTokenCache, TOKEN_ERROR_CODES } from './accessToken';
import { DEFAULT_REQUEST_TIMEOUT_MS, HTTPS_FAILURE_CODES, httpsPostJson, resolveFetch, throwIfWeChatError, withoutTrailingSlash } from './httpsPost';
import { WECHAT_API_BASE_URL } from '../core/config';
import type { Deadline } from '../core/deadline';
import { DeadlineExceeded, remainingMs } from '../core/deadline';
import type { DecisionRequest, PluginApplyClient, RawApplication } from '../core/wechatClient';
import { WeChatApiError } from '../core/wechatClient';

/** What `createHttpsClient` needs: the plugin's own appid and AppSecret, and optionally how to reach WeChat. */
export interface HttpsClientOptions {
  appid: string;
  secret: string;
  /** Defaults to WECHAT_API_BASE_URL (https://api.weixin.qq.com). */
  baseUrl?: string;
  /** Defaults to the global fetch (Node.js 18+). */
  fetch?: typeof fetch;
  /** Share one cache between clients of the same appid; by default each client has its own. */
  tokens?: AccessTokenCache;
  /** Limit for each HTTPS request, token fetches included; defaults to 10 s. */
  requestTimeoutMs?: number;
  /**
   * Called as each devplugin request leaves (its token in hand, the deadline checked), with the body's action and
   * appid: how a caller tells a decision that was sent from one that never left (e.g. still waiting for a token).
   */
  onSend?: (request: { action: string; appid?: string }) => void;
}

/** The devplugin request bodies, snake_case as WeChat expects them (required fields are checked by the event schema). */
type DevPluginBody =
  | { action: 'dev_agree'; appid?: string }
  | { action: 'dev_refuse'; reason?: string; appid?: string }
  | { action: 'dev_delete'; appid?: string }
  | { action: 'dev_apply_list'; page: number; num: number };

/** A client that calls WeChat over HTTPS with an access token, refreshing it once when WeChat refuses it. */
export function createHttpsClient(options: HttpsClientOptions): PluginApplyClient {
  const fetchImpl = resolveFetch(options.fetch);
  const baseUrl = withoutTrailingSlash(options.baseUrl ?? WECHAT_API_BASE_URL);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const tokens =
    options.tokens ?? createAccessTokenCache({ appid: options.appid, secret: options.secret, baseUrl, fetch: fetchImpl, requestTimeoutMs: timeoutMs });

  async function send(token: string, body: DevPluginBody): Promise<Record<string, unknown>> {
    const secrets = [token, options.secret];
    const url = `${baseUrl}/wxa/devplugin?access_token=${encodeURIComponent(token)}`;
    options.onSend?.(body);
    const reply = await httpsPostJson(url, body, { fetch: fetchImpl, timeoutMs, secrets });
    // WeChat answers every devplugin call with an errcode (0 on success): a body without one is someone else's
    // (a gateway's error) and proves nothing, so it must not read as an applied decision or an empty list; nor as
    // a decision not applied, since the request may have passed that gateway.
    if (typeof reply.errcode !== 'number') {
      throw new WeChatApiError(HTTPS_FAILURE_CODES.unreadable, `POST ${baseUrl}/wxa/devplugin: the answer has no errcode, so it is not WeChat's`);
    }
    throwIfWeChatError(reply, secrets);
    return reply;
  }

  async function devplugin(body: DevPluginBody, deadline: Deadline | undefined): Promise<Record<string, unknown>> {
    const token = await tokens.get(deadline);
    // A caller that stopped waiting has answered TIMEOUT: a decision sent now would land behind its back.
    if (deadline !== undefined && remainingMs(deadline) <= 0) throw new DeadlineExceeded();
    try {
      return await send(token, body);
    } catch (thrown) {
      if (!(thrown instanceof WeChatApiError && TOKEN_ERROR_CODES.has(thrown.errCode))) throw thrown;
      tokens.invalidate(token);
    }
    // WeChat refused the token, not the request, so sending it again is safe. Only once: if a fresh token is
    // refused too, the cause is not the token's age (wrong account, revoked secret) and its error is the answer.
    const fresh = await tokens.get(deadline);
    if (deadline !== undefined && remainingMs(deadline) <= 0) throw new DeadlineExceeded();
    return send(fresh, body);
  }

  return {
    async setApplyStatus(request, deadline) {
      await devplugin(decisionBody(request), deadline);
    },
    async listApplications(page, num, deadline) {
      const reply = await devplugin({ action: 'dev_apply_list', page, num }, deadline);
      const list = reply.apply_list;
      // Like a body without errcode, one without the list is unusable: it must not read as "no applications".
      if (!Array.isArray(list)) {
        throw new WeChatApiError(HTTPS_FAILURE_CODES.unreadable, `POST ${baseUrl}/wxa/devplugin: the answer has no apply_list`);
      }
      return list.map((item) => camelCaseKeys(item) as RawApplication);
    },
  };
}

function decisionBody(request: DecisionRequest): DevPluginBody {
  const appid = request.appid === undefined ? {} : { appid: request.appid };
  const reason = request.reason === undefined ? {} : { reason: request.reason };
  switch (request.action) {
    case 'dev_agree':
      return { action: 'dev_agree', ...appid };
    case 'dev_refuse':
      return { action: 'dev_refuse', ...reason, ...appid };
    case 'dev_delete':
      return { action: 'dev_delete', ...appid };
  }
}

/** snake_case keys to camelCase, recursively, as wx-server-sdk converts cloud-call answers (create_time → createTime). */
function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()), camelCaseKeys(inner)]),
  );
}
