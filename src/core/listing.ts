/**
 * The core of getPluginApplyList on the request pipeline (pipeline.ts): admins only, one page or every page,
 * normalised items.
 * WeChat's list has no status filter and no total, so filtering happens here and `hasMore` comes from
 * whether a page was full.
 */
import type { Application, Walk } from './applicationList';
import { readAllPages, readPage } from './applicationList';
import { callerLogFields, refuseCall } from './callerPolicy';
import type { ApplyError } from './errorTable';
import { classifyFailure, ownError } from './errorTable';
import { parseListEvent, PAGE_SIZE_MAX } from './eventSchema';
import type { ListEvent } from './eventSchema';
import type { InvocationDeps, Steps } from './pipeline';
import { requestFacts, runRequest } from './pipeline';
import { DEFAULT_RETRY, withRetries } from './retry';
import type { ListClient } from './wechatClient';

/** Applications per page when the event does not say. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * What getPluginApplyList returns. With `all`, `hasMore` is true only when the walk was cut at `nextPage`: by the
 * deadline, the page cap, or a page that failed (its error is then `stoppedBy`) or repeated the pages before it
 * (`stoppedBy` NOT_PAGING, which asking again will not change).
 */
export type ListResult =
  | {
      ok: true;
      items: Application[];
      page: number;
      num: number;
      hasMore: boolean;
      nextPage: number | null;
      stoppedBy?: ApplyError;
      /** The number WeChat gives its first page, as this container found it; null while the list is empty. */
      pageBase?: 0 | 1 | null;
    }
  | { ok: false; error: ApplyError };

/** What the list core needs: the invocation's facts and a client that can read the list. */
export interface ListDeps extends InvocationDeps {
  client: ListClient;
}

/** getPluginApplyList's steps: admins only; its log line says the outcome and how many items it returned. */
const LIST_STEPS: Steps<ListDeps, ListEvent, ListResult> = {
  fn: 'getPluginApplyList',
  admit: (deps) => {
    const refusal = refuseCall(deps, 'list');
    return refusal === null ? null : { ok: false, error: refusal };
  },
  parse: (event) => {
    const parsed = parseListEvent(event);
    return parsed.ok ? parsed : { ok: false, result: { ok: false, error: ownError('INVALID_EVENT', { issues: parsed.issues }) } };
  },
  run: list,
  describe: (result) => ({
    outcome: result.ok ? 'OK' : result.error.code,
    errCode: result.ok ? 0 : result.error.errCode,
    items: result.ok ? result.items.length : undefined,
  }),
  internal: () => ({ ok: false, error: ownError('INTERNAL') }),
};

/** Handles one callFunction event; never throws. */
export async function handleList(event: unknown, deps: ListDeps): Promise<ListResult> {
  return runRequest(LIST_STEPS, event, deps, requestFacts(deps, callerLogFields(deps.caller)));
}

/** One page, or every page from `page` on; a WeChat failure is the result's error, anything else a bug. */
async function list(event: ListEvent, deps: ListDeps): Promise<ListResult> {
  const { page = 1, status, all = false } = event;
  const num = event.num ?? (all ? PAGE_SIZE_MAX : DEFAULT_PAGE_SIZE);
  const keep = (item: Application): boolean => status === undefined || item.statusName === status;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const pageBase = (): { pageBase?: 0 | 1 | null } => (deps.client.pageBase === undefined ? {} : { pageBase: deps.client.pageBase() });
  try {
    if (all) {
      // Each page is retried on its own; a later page that fails or stalls leaves what was read, and where to resume.
      const walk = await readAllPages(deps.client, deps.deadline, { num, firstPage: page, retry });
      const stoppedBy = whyCut(walk);
      return { ok: true, items: walk.items.filter(keep), page, num, hasMore: !walk.complete, nextPage: walk.nextPage, ...stoppedBy, ...pageBase() };
    }
    const items = await withRetries(() => readPage(deps.client, page, num, deps.deadline), deps.deadline, retry);
    const hasMore = items.length >= num;
    return { ok: true, items: items.filter(keep), page, num, hasMore, nextPage: hasMore ? page + 1 : null, ...pageBase() };
  } catch (thrown) {
    const failure = classifyFailure(thrown);
    if (failure === null) throw thrown;
    return { ok: false, error: failure.error };
  }
}

/** The error that cut a walk short, when one did. */
function whyCut(walk: Walk): { stoppedBy?: ApplyError } {
  if (walk.end === 'notPaging') return { stoppedBy: ownError('NOT_PAGING') };
  const error = walk.stoppedBy === undefined ? undefined : classifyFailure(walk.stoppedBy)?.error;
  return error === undefined ? {} : { stoppedBy: error };
}
