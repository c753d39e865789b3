/** The cloud-call transport: `cloud.openapi.pluginManager.*` through wx-server-sdk. */
import type { DecisionRequest, ListClient, PluginApplyClient, RawApplication } from '../core/wechatClient';
import { WeChatApiError } from '../core/wechatClient';

/** The part of wx-server-sdk's `cloud.openapi` this transport uses. */
export interface PluginManagerOpenApi {
  pluginManager: {
    setDevPluginApplyStatus(data: DecisionRequest): Promise<unknown>;
    getPluginDevApplyList(data: { action: 'dev_apply_list'; page: number; num: number }): Promise<unknown>;
  };
}

/** A client that calls WeChat through the cloud; the platform authenticates the call, no token needed. */
export function createCloudClient(openapi: PluginManagerOpenApi): PluginApplyClient {
  return {
    ...createCloudListClient(openapi),
    async setApplyStatus(request) {
      try {
        await openapi.pluginManager.setDevPluginApplyStatus(request);
      } catch (thrown) {
        throw fromSdkError(thrown);
      }
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
      return Array.isArray(list) ? (list as RawApplication[]) : [];
    },
  };
}

/**
 * wx-server-sdk throws a CloudSDKError (an Error with own `errCode` and `errMsg`) and, on some internal paths,
 * a plain `{ errCode, errMsg }` object. Both become `WeChatApiError`; anything else is a bug and passes through.
 */
export function fromSdkError(thrown: unknown): unknown {
  if (typeof thrown !== 'object' || thrown === null) return thrown;
  const { errCode, errMsg, message } = thrown as { errCode?: unknown; errMsg?: unknown; message?: unknown };
  if (typeof errCode !== 'number' || !Number.isFinite(errCode)) return thrown;
  const text = typeof errMsg === 'string' ? errMsg : typeof message === 'string' ? message : '';
  return new WeChatApiError(errCode, text);
}
