/**
 * Which number WeChat gives the first page of its application list. WeChat's own example sends `page: 1` and most
 * SDKs start there, but one (TNWX) starts at 0 and no real account has settled it; read from the wrong base, the
 * first page is never shown and "already done" answers look up the wrong applications, silently. So a client finds
 * the base with its first read of a container and keeps it for the container's life.
 */
import type { Deadline } from './deadline';
import { beforeDeadline } from './deadline';
import { classifyFailure } from './errorTable';
import type { LogSink } from './log';
import type { ListClient, RawApplication } from './wechatClient';
import { WeChatApiError } from './wechatClient';

/** The number of WeChat's first list page. */
export type PageBase = 0 | 1;

/** What a client that finds the base tells about it: null until a read could tell (an empty list cannot). */
export interface PageBaseReport {
  pageBase(): PageBase | null;
}

/** What the probe of page 0 answered: its items, a refusal of page 0 itself, or nothing to go by. */
type ProbeAnswer = { items: RawApplication[] } | 'refused' | 'silent';

/**
 * The client with pages numbered from 1 for its callers, whatever WeChat counts from. Until the base is known, a read
 * asks WeChat's page 1 and then page 0 (one call more, once per container while the list is not empty): a refusal
 * of page 0, or mostly the same items, means WeChat counts from 1; different items mean it counts from 0. Page 0 is
 * asked after page 1, not beside it, so that the order of calls stays that of the reads. Logged once when found.
 */
export function withPageBase<C extends ListClient>(client: C, log: LogSink): C & PageBaseReport {
  let base: PageBase | null = null;

  const found = (detected: PageBase, why: string): void => {
    if (base !== null) return;
    base = detected;
    log({
      ...(detected === 0 ? { level: 'warn' } : {}),
      event: 'pageBase',
      pageBase: detected,
      detail: `WeChat's application list counts pages from ${detected}: ${why}; this container reads pages so`,
    });
  };

  const probe = async (num: number, deadline: Deadline): Promise<ProbeAnswer> => {
    if (deadline.at <= deadline.now()) return 'silent';
    try {
      const asked = client.listApplications(0, num, deadline);
      return { items: await beforeDeadline(asked, deadline) };
    } catch (thrown) {
      const failure = classifyFailure(thrown);
      if (failure === null) throw thrown;
      // Only WeChat refusing the request itself speaks of page 0: a busy answer, a quota or a timeout says nothing.
      const refusal = thrown instanceof WeChatApiError && failure.retry === 'never' && !failure.accountWide && failure.outcome === 'known';
      return refusal ? 'refused' : 'silent';
    }
  };

  /** WeChat's first page, finding the base from it and page 0 where they tell. */
  const firstPage = async (num: number, deadline: Deadline): Promise<RawApplication[]> => {
    const startedAt = deadline.now();
    const pageOne = await client.listApplications(1, num, deadline);
    const pageZero = await probe(num, probeDeadline(deadline, deadline.now() - startedAt));
    if (pageZero === 'silent') return pageOne;
    if (pageZero === 'refused') {
      found(1, 'page 0 was refused');
      return pageOne;
    }
    const zero = pageZero.items;
    if (zero.length === 0) {
      if (pageOne.length > 0) found(1, 'page 0 was empty while page 1 was not');
      return pageOne;
    }
    // Two reads a moment apart may see the list shift by an item or two, so "the same" means mostly the same.
    const inPageOne = new Set(pageOne.map((item) => String(item.appid)));
    const shared = zero.filter((item) => inPageOne.has(String(item.appid))).length;
    if (2 * shared >= zero.length) {
      found(1, 'page 0 listed the same applications as page 1');
      return pageOne;
    }
    found(0, 'page 0 and page 1 listed different applications');
    return zero;
  };

  return {
    ...client,
    async listApplications(page, num, deadline) {
      if (base !== null) return client.listApplications(page - 1 + base, num, deadline);
      const first = await firstPage(num, deadline);
      return page === 1 ? first : client.listApplications(page - 1 + (base ?? 1), num, deadline);
    },
    pageBase: () => base,
  };
}

/**
 * How long the probe of page 0 may take: twice what page 1 took (at least 300 ms), and never so long that what is
 * left could not hold another call as slow as page 1's. A probe that does not answer by then says nothing: page 1's
 * answer is not held back for it.
 */
function probeDeadline(deadline: Deadline, pageOneMs: number): Deadline {
  return { at: Math.min(deadline.at - pageOneMs, deadline.now() + Math.max(300, 2 * pageOneMs)), now: deadline.now };
}
