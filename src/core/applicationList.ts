/**
 * Reading the application list: normalising WeChat's items, walking pages within the deadline, and finding
 * one applicant's current status (what idempotent decisions need).
 */
import type { Deadline } from './deadline';
import { beforeDeadline, DeadlineExceeded, remainingMs } from './deadline';
import type { StatusName } from './status';
import { statusNameOf } from './status';
import { PAGE_SIZE_MAX } from './eventSchema';
import type { RetryOptions } from './retry';
import { DEFAULT_RETRY, withRetries } from './retry';
import type { ListClient, RawApplication } from './wechatClient';
import { WeChatApiError } from './wechatClient';

/** One application as this package returns it. */
export interface Application {
  appid: string;
  status: number;
  statusName: StatusName | 'unknown';
  nickname: string;
  headimgurl: string;
  categories: Array<{ first: string; second: string }>;
  /** ISO 8601, from WeChat's Unix-seconds string; null when WeChat sent none or nonsense. */
  createTime: string | null;
  applyUrl: string;
  reason: string;
}

/** Normalises one item of WeChat's list. */
export function normalizeApplication(raw: RawApplication): Application {
  return {
    appid: String(raw.appid),
    status: raw.status,
    statusName: statusNameOf(raw.status),
    nickname: raw.nickname ?? '',
    headimgurl: raw.headimgurl ?? '',
    categories: (raw.categories ?? []).map((category) => ({ first: category.first ?? '', second: category.second ?? '' })),
    createTime: isoFromUnixSeconds(raw.createTime),
    applyUrl: raw.applyUrl ?? '',
    reason: raw.reason ?? '',
  };
}

function isoFromUnixSeconds(value: string | number | undefined): string | null {
  const seconds = typeof value === 'number' ? value : Number(value);
  if (value === undefined || value === '' || !Number.isFinite(seconds) || seconds <= 0) return null;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** One page, normalised. */
export async function readPage(client: ListClient, page: number, num: number, deadline: Deadline): Promise<Application[]> {
  const items = await beforeDeadline(client.listApplications(page, num, deadline), deadline);
  return items.map(normalizeApplication);
}

/**
 * Why a walk ended: `complete` (a page shorter than `num`), `found` (the page that held what `until` looked for),
 * `deadline` (too little time left for another page, or a page cut by it), `failed` (a page kept failing after its
 * retries), `notPaging` (a full page repeated what was already read: the endpoint, or a proxy, ignores `page`, and
 * asking again will not change that) or `pageCap` (WALK_PAGE_LIMIT pages read).
 */
export type WalkEnd = 'complete' | 'found' | 'deadline' | 'failed' | 'notPaging' | 'pageCap';

/**
 * Every page from `firstPage`, or as many as could be read: `nextPage` is where a cut walk stopped, `end` why, and
 * `stoppedBy` the error of the page that failed or was cut by the deadline. `cutReason` says, in words a caller can
 * show, why a walk ended early with no call failing (not paging, or the page cap).
 */
export interface Walk {
  items: Application[];
  complete: boolean;
  nextPage: number | null;
  end: WalkEnd;
  stoppedBy?: WeChatApiError | DeadlineExceeded;
  cutReason?: string;
}

/**
 * The most pages one walk reads (100 000 applications at the largest page size): paging of dev_apply_list is
 * unverified on a real account, and each page spends the account's daily API quota.
 */
export const WALK_PAGE_LIMIT = 1000;

/**
 * Walks pages until one is shorter than `num` (WeChat gives no total), retrying each page like any other call.
 * Keeps what it read and says where to resume when a later page fails or stalls, or when the time left is less
 * than the slowest page so far (so the function still answers in time). Only a failing first page throws:
 * then nothing was read.
 */
export async function readAllPages(
  client: ListClient,
  deadline: Deadline,
  {
    num = PAGE_SIZE_MAX,
    firstPage = 1,
    until,
    retry = DEFAULT_RETRY,
    onRetry,
  }: {
    num?: number;
    firstPage?: number;
    until?: (item: Application) => boolean;
    retry?: RetryOptions;
    onRetry?: (thrown: WeChatApiError, attempt: number) => void;
  } = {},
): Promise<Walk> {
  const byAppid = new Map<string, Application>();
  const cut = (page: number, end: Exclude<WalkEnd, 'complete'>, stoppedBy?: WeChatApiError | DeadlineExceeded): Walk => ({
    items: [...byAppid.values()],
    complete: false,
    nextPage: page,
    end,
    ...(stoppedBy === undefined ? {} : { stoppedBy }),
  });
  let slowestPageMs = 0;
  for (let page = firstPage; ; page += 1) {
    if (page > firstPage && remainingMs(deadline) < slowestPageMs) return cut(page, 'deadline');
    if (page - firstPage >= WALK_PAGE_LIMIT) {
      return { ...cut(page, 'pageCap'), cutReason: `stopped after ${WALK_PAGE_LIMIT} pages, the most one walk reads; continue from page ${page}` };
    }
    const started = deadline.now();
    let items: Application[];
    try {
      items = await withRetries(() => readPage(client, page, num, deadline), deadline, retry, onRetry);
    } catch (thrown) {
      if (page === firstPage || !(thrown instanceof WeChatApiError || thrown instanceof DeadlineExceeded)) throw thrown;
      return cut(page, thrown instanceof DeadlineExceeded ? 'deadline' : 'failed', thrown);
    }
    slowestPageMs = Math.max(slowestPageMs, deadline.now() - started);
    // The list can shift while we walk it: an item seen twice is kept once. A full page with nothing new is
    // another matter: WeChat ignoring `page` (or a proxy caching page 1) would answer it forever, so it ends the
    // walk rather than spending the daily quota until the deadline. No call failed, and none would pass if repeated.
    const before = byAppid.size;
    for (const item of items) byAppid.set(item.appid, item);
    if (page > firstPage && items.length >= num && byAppid.size === before) {
      return {
        ...cut(page, 'notPaging'),
        cutReason: `page ${page} repeated applications already read, so the endpoint (or a proxy) is not moving through pages`,
      };
    }
    if (until !== undefined && items.some(until)) return { items: [...byAppid.values()], complete: false, nextPage: page + 1, end: 'found' };
    if (items.length < num) return { items: [...byAppid.values()], complete: true, nextPage: null, end: 'complete' };
  }
}

/**
 * What the list says of one applicant: its status name (`unknown` for a number WeChat does not document),
 * `absent` when a complete walk did not find it, or `unreadable` with how the walk that did not find it ended and
 * the failure behind that (null when no call failed: time ran low between pages, not paging, the page cap).
 */
export type Lookup = { status: StatusName | 'unknown' | 'absent' } | { status: 'unreadable'; end: WalkEnd; cause: WeChatApiError | DeadlineExceeded | null };

/** Looks up one applicant's current status, retrying each page within the deadline; never throws a WeChat failure. */
export async function currentStatus(client: ListClient, appid: string, deadline: Deadline, retry: RetryOptions = DEFAULT_RETRY): Promise<Lookup> {
  let walk: Walk;
  try {
    walk = await readAllPages(client, deadline, { until: (item) => item.appid === appid, retry });
  } catch (thrown) {
    if (thrown instanceof WeChatApiError || thrown instanceof DeadlineExceeded) return firstPageFailed(thrown);
    throw thrown;
  }
  return statusIn({ walk }, appid);
}

function firstPageFailed(cause: WeChatApiError | DeadlineExceeded): Lookup {
  return { status: 'unreadable', end: cause instanceof DeadlineExceeded ? 'deadline' : 'failed', cause };
}

/**
 * How a decision looks its application up, called as soon as WeChat's last answer to it came back: a read that
 * began after that answer tells, and so does an earlier one whose status `agrees` accepts (the answer confirms it).
 */
export type StatusLookups = (appid: string, agrees: (status: Lookup['status']) => boolean) => Promise<Lookup>;

/** What one shared walk ended with: the pages it read, or the failure of its first page. */
type WalkOutcome = { walk: Walk } | { failed: WeChatApiError | DeadlineExceeded };

/**
 * Lookups shared by the decisions of one batch. A batch sent again after it was applied meets "already done" on
 * every item; one walk of the list per item would take more calls than the batch itself and run out of time. So
 * the whole list is read once and shared: a lookup takes the latest walk's status when its own answer confirms it,
 * and otherwise waits for a walk that begins after its answer (one at a time, shared by every lookup waiting).
 * `firstWalk`, a walk the caller read before sending anything, counts as the latest walk until one begins.
 */
export function batchStatusLookups(client: ListClient, deadline: Deadline, retry: RetryOptions = DEFAULT_RETRY, firstWalk?: Walk): StatusLookups {
  let started = 0;
  // A walk read before any decision was sent (the CLI's, for nicknames) serves the lookups its status confirms.
  let latest: { number: number; done: Promise<WalkOutcome> } | null =
    firstWalk === undefined ? null : { number: 0, done: Promise.resolve({ walk: firstWalk }) };

  const startWalk = (): Promise<WalkOutcome> => {
    started += 1;
    const done = readAllPages(client, deadline, { retry }).then(
      (walk): WalkOutcome => ({ walk }),
      (thrown: unknown): WalkOutcome => {
        if (thrown instanceof WeChatApiError || thrown instanceof DeadlineExceeded) return { failed: thrown };
        throw thrown;
      },
    );
    latest = { number: started, done };
    return done;
  };

  return async (appid, agrees) => {
    const answeredAfter = started;
    const earlier = latest;
    if (earlier !== null) {
      const seen = statusIn(await earlier.done, appid);
      if (seen.status !== 'unreadable' && agrees(seen.status)) return seen;
    }
    // Another lookup may have begun a walk while this one waited: it began after this answer, so it tells.
    const fresh = latest !== null && latest.number > answeredAfter ? latest.done : startWalk();
    return statusIn(await fresh, appid);
  };
}

function statusIn(outcome: WalkOutcome, appid: string): Lookup {
  if ('failed' in outcome) return firstPageFailed(outcome.failed);
  const { walk } = outcome;
  const found = walk.items.find((item) => item.appid === appid);
  if (found !== undefined) return { status: found.statusName };
  // A cut walk that did not find it cannot say it is absent.
  return walk.complete ? { status: 'absent' } : { status: 'unreadable', end: walk.end, cause: walk.stoppedBy ?? null };
}
