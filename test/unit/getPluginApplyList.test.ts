/** The list core with a scripted transport: normalised items, paging, status filters, all pages, the deadline. */
import type { ListDeps } from '../../src/core/listing';
import { DEFAULT_PAGE_SIZE, handleList } from '../../src/core/listing';
import type { ListClient, RawApplication } from '../../src/core/wechatClient';
import { WeChatApiError } from '../../src/core/wechatClient';

const ADMIN = 'oAdmin';
const appidOf = (n: number): string => `wx${n.toString(16).padStart(16, '0')}`;

function listOf(count: number): RawApplication[] {
  return Array.from({ length: count }, (_, n) => ({
    appid: appidOf(n),
    status: (n % 4) + 1,
    nickname: `小程序${n}`,
    headimgurl: `https://example.invalid/${n}.png`,
    categories: [{ first: '工具', second: '效率' }],
    createTime: String(1536305096 + n),
    applyUrl: `https://example.invalid/apply/${n}`,
    reason: n % 4 === 2 ? '类目不符' : '',
  }));
}

function pagedClient(list: RawApplication[], delayMs = 0): ListClient & { pages: Array<[number, number]> } {
  const client = {
    pages: [] as Array<[number, number]>,
    async listApplications(page: number, num: number) {
      client.pages.push([page, num]);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return list.slice((page - 1) * num, page * num);
    },
  };
  return client;
}

function depsFor(client: ListClient, overrides: Partial<ListDeps> = {}): ListDeps {
  return {
    client,
    caller: { openid: ADMIN },
    admins: { kind: 'listed', openids: new Set([ADMIN]) },
    deadline: { at: Date.now() + 2750, now: Date.now },
    log: () => undefined,
    requestId: null,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined, random: () => 0 },
    ...overrides,
  };
}

describe('handleList', () => {
  it('returns the first page of 20, normalised, when the event is empty', async () => {
    const client = pagedClient(listOf(30));

    const result = await handleList({}, depsFor(client));

    expect(result).toMatchObject({ ok: true, page: 1, num: DEFAULT_PAGE_SIZE, hasMore: true, nextPage: 2 });
    const items = result.ok ? result.items : [];
    expect(items).toHaveLength(20);
    expect(items[0]).toEqual({
      appid: appidOf(0),
      status: 1,
      statusName: 'pending',
      nickname: '小程序0',
      headimgurl: 'https://example.invalid/0.png',
      categories: [{ first: '工具', second: '效率' }],
      createTime: '2018-09-07T07:24:56.000Z',
      applyUrl: 'https://example.invalid/apply/0',
      reason: '',
    });
  });

  it('says a short page is the last', async () => {
    const result = await handleList({ page: 2, num: 20 }, depsFor(pagedClient(listOf(30))));

    expect(result).toMatchObject({ ok: true, page: 2, hasMore: false, nextPage: null });
    expect(result.ok && result.items).toHaveLength(10);
  });

  it.each([
    ['pending', 1],
    ['approved', 2],
    ['refused', 3],
    ['expired', 4],
  ])('keeps only %s applications when filtered', async (statusName, status) => {
    const result = await handleList({ status: statusName, all: true }, depsFor(pagedClient(listOf(250))));

    const items = result.ok ? result.items : [];
    expect(items.length).toBeGreaterThan(60);
    expect(items.every((item) => item.status === status && item.statusName === statusName)).toBe(true);
  });

  it('walks every page with all: true and stops at the first short page', async () => {
    const client = pagedClient(listOf(250));

    const result = await handleList({ all: true }, depsFor(client));

    expect(result).toMatchObject({ ok: true, hasMore: false, nextPage: null });
    expect(result.ok && result.items.map((item) => item.appid)).toEqual(listOf(250).map((item) => item.appid));
    expect(client.pages).toEqual([
      [1, 100],
      [2, 100],
      [3, 100],
    ]);
  });

  it('returns what it read, with where to go on, when the deadline cuts an all-pages walk', async () => {
    const client = pagedClient(listOf(2000), 40);

    const result = await handleList({ all: true, num: 10 }, depsFor(client, { deadline: { at: Date.now() + 300, now: Date.now } }));

    expect(result).toMatchObject({ ok: true, hasMore: true });
    const { items, nextPage } = result as { items: unknown[]; nextPage: number };
    expect(items.length).toBe((nextPage - 1) * 10);
    expect(items.length).toBeGreaterThan(0);
  });

  it('returns the pages it read, and where to resume, when a later page stalls past the deadline', async () => {
    const list = listOf(250);
    const client: ListClient = {
      listApplications: (page, num) => (page === 1 ? Promise.resolve(list.slice(0, num)) : new Promise(() => undefined)),
    };

    const result = await handleList({ all: true }, depsFor(client, { deadline: { at: Date.now() + 200, now: Date.now } }));

    expect(result).toMatchObject({ ok: true, hasMore: true, nextPage: 2, stoppedBy: { code: 'TIMEOUT' } });
    expect(result.ok && result.items.map((item) => item.appid)).toEqual(list.slice(0, 100).map((item) => item.appid));
  });

  it('returns the pages it read, and the error, when a later page keeps failing', async () => {
    const client = pagedClient(listOf(250));
    const readList = client.listApplications.bind(client);
    client.listApplications = async (page, num, deadline) => {
      if (page === 3) throw new WeChatApiError(45011, 'api minute-quota reach limit');
      return readList(page, num, deadline);
    };

    const result = await handleList({ all: true, status: 'pending' }, depsFor(client));

    expect(result).toMatchObject({ ok: true, hasMore: true, nextPage: 3, stoppedBy: { code: 'RATE_LIMITED', errCode: 45011 } });
    expect(result.ok && result.items).toHaveLength(50);
  });

  it('says a list that does not move through pages is NOT_PAGING, not retryable, after two calls', async () => {
    const client = pagedClient(listOf(250));
    client.listApplications = async (_page, num) => listOf(250).slice(0, num);

    const result = await handleList({ all: true }, depsFor(client));

    expect(result).toMatchObject({ ok: true, hasMore: true, nextPage: 2, stoppedBy: { code: 'NOT_PAGING', errCode: null, retryable: false } });
    expect(result.ok && result.items).toHaveLength(100);
  });

  it('retries a failing page on its own, without reading the pages before it again', async () => {
    const client = pagedClient(listOf(250));
    const readList = client.listApplications.bind(client);
    let failed = false;
    client.listApplications = async (page, num, deadline) => {
      if (page === 2 && !failed) {
        failed = true;
        throw new WeChatApiError(-1, 'system error');
      }
      return readList(page, num, deadline);
    };

    const result = await handleList({ all: true }, depsFor(client));

    expect(result).toMatchObject({ ok: true, hasMore: false, nextPage: null });
    expect(result.ok && result.items).toHaveLength(250);
    expect(client.pages).toEqual([
      [1, 100],
      [2, 100],
      [3, 100],
    ]);
  });

  it('answers the error when the first page of an all-pages walk fails', async () => {
    const client: ListClient = {
      async listApplications() {
        throw new WeChatApiError(48001, 'api unauthorized');
      },
    };

    const result = await handleList({ all: true }, depsFor(client));

    expect(result).toMatchObject({ ok: false, error: { code: 'API_UNAUTHORIZED', errCode: 48001 } });
  });

  it('gives createTime null for a missing or nonsense time', async () => {
    const client = pagedClient([{ appid: appidOf(1), status: 5, createTime: 'soon' }]);

    const result = await handleList({}, depsFor(client));

    expect(result.ok && result.items[0]).toMatchObject({ createTime: null, statusName: 'unknown', nickname: '', categories: [] });
  });

  it.each([
    [{ page: 0 }, 'page'],
    [{ page: 1.5 }, 'page'],
    [{ num: 101 }, 'num'],
    [{ num: '20' }, 'num'],
    [{ status: 'rejected' }, 'status'],
    [{ all: false }, 'all'],
    [{ Page: 2 }, 'Page'],
  ])('refuses %j naming %s', async (event, path) => {
    const client = pagedClient(listOf(5));

    const result = await handleList(event, depsFor(client));

    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT', issues: [{ path }] } });
    expect(client.pages).toEqual([]);
  });

  it('refuses a caller who is not an admin', async () => {
    const client = pagedClient(listOf(5));

    const result = await handleList({}, depsFor(client, { caller: { openid: 'oStranger' } }));

    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(client.pages).toEqual([]);
  });

  it('tells a caller who is not an admin that only admins may list applications, not decide on them', async () => {
    const result = await handleList({}, depsFor(pagedClient(listOf(5)), { caller: { openid: 'oStranger' } }));

    expect(result).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: '无权操作：只有插件管理员可以查看申请列表', messageEn: 'forbidden: only plugin admins may list applications' },
    });
  });

  it('maps a WeChat error on the list, after retrying a transient one', async () => {
    let calls = 0;
    const client: ListClient = {
      async listApplications() {
        calls += 1;
        throw new WeChatApiError(calls === 1 ? -1 : 48001, 'api unauthorized');
      },
    };

    const result = await handleList({}, depsFor(client));

    expect(result).toMatchObject({ ok: false, error: { code: 'API_UNAUTHORIZED', errCode: 48001 } });
    expect(calls).toBe(2);
  });
});
