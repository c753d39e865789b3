import { readAllPages, WALK_PAGE_LIMIT } from '../../src/core/applicationList';
import type { RawApplication } from '../../src/core/wechatClient';
import { WeChatApiError } from '../../src/core/wechatClient';

function rawPage(first: number, length: number): RawApplication[] {
  return Array.from({ length }, (_, i) => ({
    appid: `wx${(0xc000000000000000n + BigInt(first + i)).toString(16)}`,
    status: 1,
    nickname: 'n',
    headimgurl: '',
    categories: [],
    createTime: '1700000000',
    applyUrl: '',
    reason: '',
  }));
}

function countingClient(pageAt: (page: number, num: number) => RawApplication[]): {
  client: { listApplications: (page: number, num: number) => Promise<RawApplication[]> };
  calls: () => number;
} {
  let calls = 0;
  return {
    client: {
      listApplications: (page, num) => {
        calls += 1;
        return Promise.resolve(pageAt(page, num));
      },
    },
    calls: () => calls,
  };
}

const longDeadline = (): { at: number; now: () => number } => ({ at: Date.now() + 60_000, now: Date.now });

describe('readAllPages', () => {
  it('stops after the second call, incomplete with a reason, when every page repeats the first (page ignored)', async () => {
    // Arrange
    const { client, calls } = countingClient(() => rawPage(0, 100));

    // Act
    const walk = await readAllPages(client, longDeadline(), { num: 100 });

    // Assert
    expect(calls()).toBe(2);
    expect(walk.items).toHaveLength(100);
    expect(walk.complete).toBe(false);
    expect(walk.nextPage).toBe(2);
    expect(walk.cutReason).toMatch(/page 2 repeated/);
    // No call failed: a made-up "system busy" would tell the caller to retry what will never pass.
    expect(walk.end).toBe('notPaging');
    expect(walk.stoppedBy).toBeUndefined();
  });

  it('keeps walking when a full page overlaps the last one but brings a new appid (the list shifted)', async () => {
    // Arrange: page 2 repeats 99 of page 1 and adds one; page 3 is short.
    const { client, calls } = countingClient((page) => (page === 1 ? rawPage(0, 100) : page === 2 ? rawPage(1, 100) : rawPage(200, 5)));

    // Act
    const walk = await readAllPages(client, longDeadline(), { num: 100 });

    // Assert
    expect(calls()).toBe(3);
    expect(walk.complete).toBe(true);
    expect(walk.items).toHaveLength(106);
    expect(walk.cutReason).toBeUndefined();
  });

  it(`reads at most ${WALK_PAGE_LIMIT} pages and says where to continue`, async () => {
    // Arrange: an endless list of full, distinct pages.
    const { client, calls } = countingClient((page, num) => rawPage(page * num, num));

    // Act
    const walk = await readAllPages(client, longDeadline(), { num: 1, firstPage: 5 });

    // Assert
    expect(calls()).toBe(WALK_PAGE_LIMIT);
    expect(walk.complete).toBe(false);
    expect(walk.nextPage).toBe(5 + WALK_PAGE_LIMIT);
    expect(walk.cutReason).toMatch(new RegExp(`${WALK_PAGE_LIMIT} pages`));
    expect(walk.end).toBe('pageCap');
  });

  it.each([
    ['complete', 'a page shorter than num', (page: number) => (page === 1 ? rawPage(0, 100) : rawPage(100, 3)), 'complete'],
    [
      'failed',
      'a later page that keeps failing',
      (page: number) => {
        if (page === 2) throw new WeChatApiError(45009, 'reach max api daily quota limit');
        return rawPage(0, 100);
      },
      'failed',
    ],
  ] as const)('ends %s on %s', async (_, __, pageAt, end) => {
    const { client } = countingClient(pageAt);

    const walk = await readAllPages(client, longDeadline(), {
      num: 100,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined, random: () => 0 },
    });

    expect(walk.end).toBe(end);
    expect(walk.stoppedBy instanceof WeChatApiError ? walk.stoppedBy.errCode : null).toBe(end === 'failed' ? 45009 : null);
  });
});
