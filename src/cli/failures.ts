/**
 * How the CLI classifies what a call threw: the error table's entry for it. Kept in one place so that the core's
 * own classification can replace it.
 */
import { DeadlineExceeded } from '../core/deadline';
import type { ApplyError } from '../core/errorTable';
import { ownError, wechatError } from '../core/errorTable';
import { WeChatApiError } from '../core/wechatClient';

/** A thrown WeChat or deadline failure as the error table's entry; anything else is a bug and is thrown on. */
export function errorOf(thrown: unknown): ApplyError {
  if (thrown instanceof WeChatApiError) return wechatError(thrown.errCode, thrown.errMsg, thrown.httpStatus);
  if (thrown instanceof DeadlineExceeded) return ownError('TIMEOUT');
  throw thrown;
}
