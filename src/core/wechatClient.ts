/**
 * The WeChat side of the plugin-application API, independent of how it is reached (cloud call or HTTPS).
 * Transports translate their own failures into `WeChatApiError` here, at the boundary, so the core sees one shape.
 */
import type { Deadline } from './deadline';
import type { DecisionAction } from './eventSchema';

/** What setDevPluginApplyStatus receives: the action and its fields (already validated). */
export interface DecisionRequest {
  action: DecisionAction;
  appid?: string;
  reason?: string;
}

/** One application as WeChat lists it (dev_apply_list), keys in camelCase. */
export interface RawApplication {
  appid: string;
  status: number;
  nickname?: string;
  headimgurl?: string;
  categories?: Array<{ first?: string; second?: string }>;
  createTime?: string | number;
  applyUrl?: string;
  reason?: string;
}

/** Reading the list: all a list-only function may do. */
export interface ListClient {
  /**
   * One page of applications (`page` is 1-based); rejects with `WeChatApiError` on a non-zero errcode. `deadline`
   * bounds what the transport waits for before sending (an access token): past it, it rejects with DeadlineExceeded.
   * Required, so that a wrapper that forgets to pass it on does not compile.
   */
  listApplications(page: number, num: number, deadline: Deadline): Promise<RawApplication[]>;
  /** The number of WeChat's first page, for a client that finds it (pageBase.ts); null until a read could tell. */
  pageBase?(): 0 | 1 | null;
}

/** Deciding, which also reads the list to settle "already done" answers. Every transport offers both. */
export interface PluginApplyClient extends ListClient {
  /**
   * Applies one decision; resolves when WeChat answered errcode 0, rejects with `WeChatApiError` otherwise. Past
   * `deadline` the transport sends nothing more (rejecting with DeadlineExceeded): the caller has answered TIMEOUT.
   * Required, so that a wrapper that forgets to pass it on does not compile.
   */
  setApplyStatus(request: DecisionRequest, deadline: Deadline): Promise<void>;
}

/** A non-zero errcode from WeChat or the cloud, with its raw text; `httpStatus` when an HTTP answer was not 2xx. */
export class WeChatApiError extends Error {
  override readonly name = 'WeChatApiError';

  constructor(
    readonly errCode: number,
    readonly errMsg: string,
    readonly httpStatus?: number,
  ) {
    super(`errCode: ${errCode} | errMsg: ${errMsg}`);
  }
}
