/** Finding how WeChat numbers its list pages, once per container, from page 1 against page 0. */
import { handleList } from '../../src/core/listing';
import type { LogRecord } from '../../src/core/log';
import { withPageBase } from '../../src/core/pageBase';
import type { ListClient, RawApplication } from '../../src/core/wechatClient';
import { WeChatApiError } from '../../src/core/wechatClient';
import { aMinuteFromNow } from '../fixtures/deadline';

const ADMIN = 'oAdmin';
const appidOf = (n: number): string => `wx${n.toString(16).padStart(16, '0')}`;
const listOf = (count: number): RawApplication[] => Array.from({ length: count }, (_, n) => ({ appid: appidOf(n), status: 1 }));

/** A WeChat whose list counts pages from `base`; `pageZero` overrides what a 1-based one answers for page 0. */
function weChat(list: RawApplication[], base: 0 | 1, pageZero?: () => RawApplication[]): ListClient & { asked: number[] } {
  const client = {
    asked: [] as number[],
    async listApplications(page: number, num: number): Promise<RawApplication[]> {
      client.asked.push(page);
      if (page === 0 && base === 1) {
        if (pageZero === undefined) throw new WeChatApiError(40097, 'invalid args rid: 1');
        return pageZero();
      }
      return list.slice((page - base) * num, (page - base + 1) * num);
    },
  };
  return client;
}

function listDeps(client: ListClient): Parameters<typeof handleList>[1] {
  return {
    client,
    caller: { openid: ADMIN },
    admins: { kind: 'listed', openids: new Set([ADMIN]) },
    deadline: { at: Date.now() + 2750, now: Date.now },
    log: () => undefined,
    requestId: null,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined, random: () => 0 },
  };
}

describe('withPageBase', () => {
  it('shows all 5 applications of a list that counts from 0, and says so in the result', async () => {
    const client = withPageBase(weChat(listOf(5), 0), () => undefined);

    const result = await handleList({}, listDeps(client));

    expect(result).toMatchObject({ ok: true, pageBase: 0 });
    expect(result.ok && result.items.map((item) => item.appid)).toEqual(listOf(5).map((item) => item.appid));
  });

  it('walks every page of a list that counts from 0, the first included', async () => {
    const client = withPageBase(weChat(listOf(250), 0), () => undefined);

    const result = await handleList({ all: true }, listDeps(client));

    expect(result).toMatchObject({ ok: true, hasMore: false, pageBase: 0 });
    expect(result.ok && new Set(result.items.map((item) => item.appid)).size).toBe(250);
  });

  it.each([
    ['refuses page 0', undefined],
    ['answers page 0 with page 1', () => listOf(30).slice(0, 20)],
    ['answers page 0 with page 1 shifted by an application that just arrived', () => [{ appid: appidOf(99), status: 1 }, ...listOf(30).slice(0, 19)]],
    ['answers page 0 with nothing', () => []],
  ])('counts from 1 when WeChat %s', async (_, pageZero) => {
    const client = withPageBase(weChat(listOf(30), 1, pageZero), () => undefined);

    const result = await handleList({}, listDeps(client));

    expect(result).toMatchObject({ ok: true, pageBase: 1 });
    expect(result.ok && result.items[0]?.appid).toBe(appidOf(0));
  });

  it('reads page 0 once per container, and logs what it found once', async () => {
    const inner = weChat(listOf(30), 0);
    const logged: LogRecord[] = [];
    const client = withPageBase(inner, (record) => logged.push(record));

    await client.listApplications(1, 20, aMinuteFromNow());
    await client.listApplications(1, 20, aMinuteFromNow());
    await client.listApplications(2, 20, aMinuteFromNow());

    expect(inner.asked).toEqual([1, 0, 0, 1]);
    expect(logged).toEqual([expect.objectContaining({ event: 'pageBase', pageBase: 0 })]);
  });

  it('learns nothing from an empty list, and asks again on the next read', async () => {
    const inner = weChat([], 1, () => []);
    const client = withPageBase(inner, () => undefined);

    const first = await handleList({}, listDeps(client));
    await client.listApplications(1, 20, aMinuteFromNow());

    expect(first).toMatchObject({ ok: true, items: [], pageBase: null });
    expect(inner.asked).toEqual([1, 0, 1, 0]);
  });

  it('learns nothing from a busy answer to page 0, and still answers page 1', async () => {
    const inner = weChat(listOf(5), 1, () => {
      throw new WeChatApiError(-1, 'system error');
    });
    const client = withPageBase(inner, () => undefined);

    const items = await client.listApplications(1, 20, aMinuteFromNow());

    expect(items).toHaveLength(5);
    expect(client.pageBase()).toBeNull();
  });

  it('finds the base before a first read of a later page', async () => {
    const inner = weChat(listOf(50), 0);
    const client = withPageBase(inner, () => undefined);

    const items = await client.listApplications(2, 20, aMinuteFromNow());

    expect(items.map((item) => item.appid)).toEqual(
      listOf(50)
        .slice(20, 40)
        .map((item) => item.appid),
    );
    expect(inner.asked).toEqual([1, 0, 1]);
  });
});
