/** getPluginApplyList as deployed: the built bundle with the real SDK, through the local cloud. */
import type { LocalCloud } from '../../localcloud/server';
import { application, appidOf, APPROVED, coldStartMs, PENDING, REFUSED, scenario, slowStartEnv, startCloud, timeLimitFor } from './localCloudFixture';

const FN = 'getPluginApplyList';
const API = 'pluginManager.getPluginDevApplyList';

let cloud: LocalCloud & { output: string[] };

beforeAll(async () => {
  cloud = await startCloud();
});

afterAll(async () => {
  await cloud.close();
});

beforeEach(() => cloud.reset(scenario()));

type Item = { appid: string; status: number; statusName: string; createTime: string | null; reason: string; categories: unknown[] };
type ListResult = {
  ok: boolean;
  items: Item[];
  page: number;
  num: number;
  hasMore: boolean;
  nextPage: number | null;
  pageBase?: 0 | 1 | null;
  error?: { code: string };
};
const list = async (data: unknown, options = {}): Promise<ListResult> => (await cloud.invoke(FN, data, options)) as ListResult;

describe('getPluginApplyList (built bundle, real SDK, local cloud)', () => {
  it('lists the first page, normalised', async () => {
    const result = await list({});

    expect(result).toMatchObject({ ok: true, page: 1, num: 20, hasMore: false, nextPage: null });
    expect(result.items.map((item) => item.appid)).toEqual(scenario().map((item) => item.appid));
    expect(result.items.find((item) => item.appid === REFUSED)).toMatchObject({
      status: 3,
      statusName: 'refused',
      reason: '类目不符',
      createTime: '2024-05-30T02:00:00.000Z',
      categories: [{ first: '工具', second: '效率' }],
    });
  });

  it('asks WeChat for dev_apply_list with the page and size', async () => {
    await list({ page: 2, num: 3 });

    expect(
      cloud
        .calls()
        .filter((call) => call.api === API)
        .map((call) => call.request),
    ).toContainEqual({ action: 'dev_apply_list', page: 2, num: 3 });
  });

  it('walks every page of 250 applications with all: true', async () => {
    cloud.reset(Array.from({ length: 250 }, (_, n) => application(appidOf(1000 + n), ((n % 4) + 1) as 1 | 2 | 3 | 4)));

    const result = await list({ all: true });

    expect(result).toMatchObject({ ok: true, hasMore: false });
    expect(result.items).toHaveLength(250);
    expect(new Set(result.items.map((item) => item.appid)).size).toBe(250);
    // Three pages, and page 0 once per container to learn how WeChat numbers its pages.
    expect(cloud.calls().filter((call) => call.api === API)).toHaveLength(3 + 1);
  });

  it('returns the page it read, where to resume and why, when the next page keeps failing', async () => {
    cloud.reset(Array.from({ length: 150 }, (_, n) => application(appidOf(1000 + n), 1)));
    // Faults apply to the next matching calls in order: page 1 gets a zero delay (a normal answer), page 2 the quota error.
    cloud.addFault({ kind: 'delay', ms: 0, api: API, times: 1 });
    cloud.addFault({ kind: 'errcode', errcode: 45011, api: API, times: 5 });

    const result = (await list({ all: true })) as ListResult & { stoppedBy?: { code: string; errCode: number } };

    expect(result).toMatchObject({ ok: true, hasMore: true, nextPage: 2, stoppedBy: { code: 'RATE_LIMITED', errCode: 45011 } });
    expect(result.items.map((item) => item.appid)).toEqual(Array.from({ length: 100 }, (_, n) => appidOf(1000 + n)));
  });

  it('filters by status', async () => {
    const result = await list({ status: 'pending', all: true });

    expect(result.items.map((item) => item.appid)).toEqual([PENDING, appidOf(2)]);
  });

  it('refuses an invalid event without calling WeChat', async () => {
    const result = await list({ num: 1000, Status: 'pending' });

    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT' } });
    expect(cloud.calls()).toEqual([]);
  });

  it('refuses a caller who is not an admin', async () => {
    const result = await list({}, { openid: 'oStranger' });

    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(cloud.calls()).toEqual([]);
  });

  it('answers TIMEOUT within the time limit when WeChat never answers', async () => {
    const limit = timeLimitFor(await coldStartMs(cloud), 1000);
    cloud.addFault({ kind: 'hang', api: API, times: 5 });

    const result = await list({}, { context: { time_limit_in_ms: limit } });

    expect(result).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
  });

  it("answers TIMEOUT, not the platform's kill, when the container was slow to start before the function loaded", async () => {
    const limit = timeLimitFor((await coldStartMs(cloud)) + 900, 1000);
    cloud.addFault({ kind: 'hang', api: API, times: 5 });

    const call = list({}, { context: { time_limit_in_ms: limit }, env: slowStartEnv(900) });

    await expect(call).resolves.toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
  });

  it('needs only the list permission', async () => {
    const result = await list({});

    expect(result.ok).toBe(true);
    expect(cloud.calls().every((call) => call.functionName === FN && call.api === API)).toBe(true);
  });
});

/** Waits until `done` holds, checking every 20 ms, for at most 10 s. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('against a WeChat whose list counts pages from 0 (built bundle, real SDK, local cloud)', () => {
  let zeroBased: LocalCloud & { output: string[] };

  beforeAll(async () => {
    zeroBased = await startCloud({ listPagesFrom: 0 });
  });

  afterAll(async () => {
    await zeroBased.close();
  });

  beforeEach(() => zeroBased.reset(scenario()));

  it('lists every application, says the list counts from 0, and logs it once', async () => {
    zeroBased.output.length = 0;

    const result = (await zeroBased.invoke(FN, {})) as ListResult;
    // The function's output comes on its own pipe, and may trail its result: its last line is the call's own record.
    await until(() => zeroBased.output.some((line) => line.includes(`"fn":"${FN}"`)));

    expect(result).toMatchObject({ ok: true, page: 1, hasMore: false, pageBase: 0 });
    expect(result.items.map((item) => item.appid)).toEqual(scenario().map((item) => item.appid));
    expect(zeroBased.output.filter((line) => line.includes('"event":"pageBase"'))).toHaveLength(1);
  });

  it('walks every page of 250 applications with all: true, the first included', async () => {
    zeroBased.reset(Array.from({ length: 250 }, (_, n) => application(appidOf(1000 + n), 1)));

    const result = (await zeroBased.invoke(FN, { all: true })) as ListResult;

    expect(result).toMatchObject({ ok: true, hasMore: false, pageBase: 0 });
    expect(new Set(result.items.map((item) => item.appid)).size).toBe(250);
  });

  it('reports an agree of an application already approved as done, not as "not pending"', async () => {
    const result = await zeroBased.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: APPROVED });

    expect(result).toMatchObject({ ok: true, changed: false });
  });
});

describe('against a WeChat whose list counts pages from 1 (built bundle, real SDK, local cloud)', () => {
  it('says the list counts from 1 in the list result', async () => {
    const result = await list({});

    expect(result).toMatchObject({ ok: true, pageBase: 1 });
  });
});
