import type { Application } from './applications';
import { ApplyStatus, copyApplications } from './applications';
import type { WeChatError } from './wechatErrors';
import { WeChatErrcode, wechatError } from './wechatErrors';

/** The `action` values of `POST /wxa/devplugin`. */
export const DevPluginAction = {
  applyList: 'dev_apply_list',
  agree: 'dev_agree',
  refuse: 'dev_refuse',
  delete: 'dev_delete',
} as const;

/** One of the four `/wxa/devplugin` actions. */
export type DevPluginActionName = (typeof DevPluginAction)[keyof typeof DevPluginAction];

/** The cloud-call (`cloud.openapi.…`) names of the endpoint family. */
export const PluginApi = {
  getList: 'pluginManager.getPluginDevApplyList',
  setStatus: 'pluginManager.setDevPluginApplyStatus',
} as const;

/** Which cloud API name an action belongs to, so faults and records name both transports alike. */
export function apiOfAction(action: unknown): string {
  return action === DevPluginAction.applyList ? PluginApi.getList : PluginApi.setStatus;
}

/** A `/wxa/devplugin` answer: `{errcode, errmsg}` plus `apply_list` for the list action. */
export type DevPluginResponse = WeChatError & { apply_list?: Application[] };

/**
 * A refusal as the model remembers it. WeChat's list item has no field for it: the item's `reason` is the
 * applicant's own statement (使用者的申请说明), which a refusal leaves as it is.
 */
export interface Refusal {
  appid: string;
  reason: string;
}

/** What an action did: the answer, the list afterwards (unchanged on errors) and, for a refusal, what was refused. */
export interface DevPluginOutcome {
  response: DevPluginResponse;
  applications: Application[];
  refusal?: Refusal;
}

const validActions: readonly string[] = Object.values(DevPluginAction);

function integerFrom(value: unknown, least: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= least;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * Applies one `/wxa/devplugin` request body to a plugin's application list, as WeChat does.
 *
 * Invalid input (missing or unknown `action`, missing `page`/`num`/`appid`/`reason`, wrong types, a page below
 * `pagesFrom`) answers 40097 "invalid args"; a body that is not a JSON object is answered 47001 by the HTTPS
 * transport before this. `pagesFrom` is the number of the list's first page (see CloudState.listPagesFrom).
 */
export function applyDevPluginAction(current: readonly Application[], body: Readonly<Record<string, unknown>>, pagesFrom: 0 | 1 = 1): DevPluginOutcome {
  const list = copyApplications(current);
  const fail = (errcode: number, detail?: string): DevPluginOutcome => ({ response: wechatError(errcode, detail), applications: list });
  const ok = (applications: Application[]): DevPluginOutcome => ({ response: wechatError(WeChatErrcode.ok), applications });
  const action = body.action;
  if (typeof action !== 'string' || !validActions.includes(action)) {
    return fail(WeChatErrcode.invalidArgs, `action must be one of ${validActions.join(', ')}`);
  }
  const appid = body.appid;
  if (appid !== undefined && typeof appid !== 'string') return fail(WeChatErrcode.invalidArgs, 'appid must be a string');

  switch (action as DevPluginActionName) {
    case DevPluginAction.applyList: {
      const { page, num } = body;
      if (!integerFrom(page, pagesFrom) || !integerFrom(num, 1)) {
        return fail(WeChatErrcode.invalidArgs, `page (${pagesFrom}-based) and num must be integers, page at least ${pagesFrom} and num at least 1`);
      }
      // No total and no has-more flag, like WeChat: a page shorter than `num` is the last one.
      const start = (page - pagesFrom) * num;
      return { response: { ...wechatError(WeChatErrcode.ok), apply_list: list.slice(start, start + num) }, applications: list };
    }
    case DevPluginAction.agree: {
      if (!nonEmptyString(appid)) return fail(WeChatErrcode.invalidArgs, 'dev_agree needs appid');
      const item = list.find((a) => a.appid === appid);
      if (!item) return fail(WeChatErrcode.appidNotInList);
      if (item.status !== ApplyStatus.pending) return fail(WeChatErrcode.onlyPendingCanBeDecided);
      item.status = ApplyStatus.approved;
      return ok(list);
    }
    case DevPluginAction.refuse: {
      const reason = body.reason;
      if (!nonEmptyString(reason)) return fail(WeChatErrcode.invalidArgs, 'dev_refuse needs reason');
      // Without appid (as in WeChat's own example) the call can only mean the single pending application;
      // with none or several pending it cannot be attributed, so it answers 89242 like an unknown appid.
      let item: Application | undefined;
      if (nonEmptyString(appid)) {
        item = list.find((a) => a.appid === appid);
        if (!item) return fail(WeChatErrcode.appidNotInList);
        if (item.status !== ApplyStatus.pending) return fail(WeChatErrcode.onlyPendingCanBeDecided);
      } else {
        const pending = list.filter((a) => a.status === ApplyStatus.pending);
        item = pending.length === 1 ? pending[0] : undefined;
        if (!item) return fail(WeChatErrcode.appidNotInList, 'no appid given and not exactly one pending application');
      }
      item.status = ApplyStatus.refused;
      return { ...ok(list), refusal: { appid: item.appid, reason } };
    }
    case DevPluginAction.delete: {
      // Without appid (as documented) it clears every refused or timed-out application; none is still "ok".
      if (!nonEmptyString(appid)) {
        return ok(list.filter((a) => a.status !== ApplyStatus.refused && a.status !== ApplyStatus.timedOut));
      }
      const item = list.find((a) => a.appid === appid);
      if (!item) return fail(WeChatErrcode.appidNotInList);
      if (item.status === ApplyStatus.pending) return fail(WeChatErrcode.pendingCannotBeDeleted);
      if (item.status === ApplyStatus.approved) return fail(WeChatErrcode.onlyRefusedOrTimedOutCanBeDeleted);
      return ok(list.filter((a) => a.appid !== appid));
    }
  }
}
