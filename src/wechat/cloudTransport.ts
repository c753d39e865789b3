/** The cloud-call transport: `cloud.openapi.pluginManager.*` through wx-server-sdk. */
import { UNREADABLE_ANSWER_CODE } from '../core/errorTable';
import type { LogSink } from '../core/log';
import type { DecisionRequest, ListClient, PluginApplyClient, RawApplication } from '../core/wechatClient';
import { WeChatApiError } from '../core/wechatClient';

/** The part of wx-server-sdk's `cloud.openapi` this transport uses. */
export interface PluginManagerOpenApi {
  pluginManager: {
    setDevPluginApplyStatus(data: DecisionRequest): Promise<unknown>;
    /** Lists (`dev_apply_list`); WeChat's current page documents it for the three decisions as well. */
    getPluginDevApplyList(data: DecisionRequest | { action: 'dev_apply_list'; page: number; num: number }): Promise<unknown>;
  };
}

/** The cloud's "API not found" (wx-server-sdk's WX_FUNCTIONS_SERVER_OPENAPI_NOT_FOUND). */
const API_NOT_FOUND = -604100;

/** wx-server-sdk's WX_SYSTEM_ERROR: the cloud's own "system error", and also what the SDK throws for an answer it cannot read. */
const WX_SYSTEM_ERROR = -601001;

/**
 * wx-server-sdk's texts for an answer that came back but could not be read (4.0.2: a body neither protobuf nor JSON,
 * WeChat's JSON that does not parse, an empty answer). Only these -601001s are unreadable answers; the cloud's own
 * -601001 ("system error: error code: …") is an answer, and keeps its code.
 */
const UNREADABLE_SDK_TEXT = /unknown wx response received|response body is invalid json|empty (wx )?resp(onse)?( buffer)?\b/i;

/**
 * A client that calls WeChat through the cloud; the platform authenticates the call, no token needed.
 *
 * Decisions go to `setDevPluginApplyStatus`, the name the original API page gives. WeChat's current page names
 * `getPluginDevApplyList` as the cloud method of all four actions, with the same input, so should the cloud answer
 * -604100 (API not found) for the older name, the same decision is sent once through the newer one — nothing was
 * applied, so nothing is repeated — and every later decision of this container goes there directly.
 */
export function createCloudClient(openapi: PluginManagerOpenApi, log: LogSink = () => undefined): PluginApplyClient {
  let decideThroughListApi = false;

  async function decideThroughOldName(request: DecisionRequest): Promise<'done' | 'apiNotFound'> {
    try {
      decisionAnswered(await openapi.pluginManager.setDevPluginApplyStatus(request), 'setDevPluginApplyStatus');
      return 'done';
    } catch (thrown) {
      const error = fromSdkError(thrown);
      if (error instanceof WeChatApiError && error.errCode === API_NOT_FOUND) return 'apiNotFound';
      throw error;
    }
  }

  return {
    ...createCloudListClient(openapi),
    async setApplyStatus(request) {
      if (!decideThroughListApi) {
        if ((await decideThroughOldName(request)) === 'done') return;
        // Concurrent decisions may all have met -604100 before one got here: say it once per container.
        if (!decideThroughListApi) {
          decideThroughListApi = true;
          log({
            level: 'warn',
            event: 'apiFallback',
            api: 'pluginManager.setDevPluginApplyStatus',
            errCode: API_NOT_FOUND,
            using: 'pluginManager.getPluginDevApplyList',
            detail: 'the cloud does not know the older decision API; this container sends decisions through getPluginDevApplyList',
          });
        }
      }
      let answer: unknown;
      try {
        answer = await openapi.pluginManager.getPluginDevApplyList(request);
      } catch (thrown) {
        throw fromSdkError(thrown);
      }
      decisionAnswered(answer, 'getPluginDevApplyList');
    },
  };
}

/**
 * A list-only client. Kept apart so that a function which only lists bundles no decision call, and so needs
 * no decision permission in its config.json (the build checks what each bundle calls).
 */
export function createCloudListClient(openapi: PluginManagerOpenApi): ListClient {
  return {
    async listApplications(page, num) {
      let response: unknown;
      try {
        // The cloud call takes the HTTPS body as is, action included (getPluginDevApplyList page: action required).
        response = await openapi.pluginManager.getPluginDevApplyList({ action: 'dev_apply_list', page, num });
      } catch (thrown) {
        throw fromSdkError(thrown);
      }
      const list = (response as { applyList?: unknown } | null)?.applyList;
      // An answer without the list says nothing about the list: reading it as "no applications" would hide
      // every pending one.
      if (!Array.isArray(list)) throw new WeChatApiError(UNREADABLE_ANSWER_CODE, 'openapi.pluginManager.getPluginDevApplyList: the answer has no applyList');
      return list as RawApplication[];
    },
  };
}

/**
 * Checks that a decision's answer was WeChat's JSON. wx-server-sdk resolves, as if WeChat had said ok, an answer
 * whose body is text that is not JSON (`{ result: text }`) or of another content type (`{ buffer }`): WeChat may
 * well have applied the decision, but nothing says so.
 */
function decisionAnswered(answer: unknown, api: string): void {
  const { result, buffer } = (typeof answer === 'object' && answer !== null ? answer : {}) as { result?: unknown; buffer?: unknown };
  if (typeof result === 'string' || buffer !== undefined) {
    throw new WeChatApiError(UNREADABLE_ANSWER_CODE, `openapi.pluginManager.${api}: the answer is not WeChat's JSON`);
  }
}

/**
 * wx-server-sdk throws a CloudSDKError (an Error with own `errCode` and `errMsg`) and, on some internal paths,
 * a plain `{ errCode, errMsg }` object. Both become `WeChatApiError` (UNREADABLE_ANSWER when the SDK could not read
 * the answer); anything else is a bug and passes through.
 */
export function fromSdkError(thrown: unknown): unknown {
  if (thrown instanceof WeChatApiError) return thrown;
  if (typeof thrown !== 'object' || thrown === null) return thrown;
  const { errCode, errMsg, message } = thrown as { errCode?: unknown; errMsg?: unknown; message?: unknown };
  if (typeof errCode !== 'number' || !Number.isFinite(errCode)) return thrown;
  const text = typeof errMsg === 'string' ? errMsg : typeof message === 'string' ? message : '';
  // After the request left, so WeChat may have applied it: an unknown outcome, not the cloud's definite -601001.
  if (errCode === WX_SYSTEM_ERROR && UNREADABLE_SDK_TEXT.test(text)) return new WeChatApiError(UNREADABLE_ANSWER_CODE, text);
  return new WeChatApiError(errCode, text);
}
