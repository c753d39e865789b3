/**
 * Batches of setPluginApplyStatus as deployed (the built bundle, the real SDK, the local cloud): what each item
 * reports must be what the local cloud's WeChat model shows afterwards, under a slow WeChat, repeated appids and
 * account-wide errors.
 */
import type { LocalCloud } from '../../localcloud/server';
import { localAccount } from '../../localcloud/server';
import { application, appidOf, coldStartMs, startCloud, statusOf, timeLimitFor } from './localCloudFixture';

const FN = 'setPluginApplyStatus';
const API = 'pluginManager.setDevPluginApplyStatus';

type ItemResult = { ok: boolean; changed?: boolean; appid?: string; error?: { code: string; issues?: Array<{ messageEn: string }> } };
type BatchAnswer = { ok: boolean; results: ItemResult[]; summary: { succeeded: number; failed: number; notAttempted: number; skipped: number } };

let cloud: LocalCloud & { output: string[] };

beforeAll(async () => {
  cloud = await startCloud();
});

afterAll(async () => {
  await cloud.close();
});

const pendingApplications = (count: number): string[] => Array.from({ length: count }, (_, n) => appidOf(0x1000 + n));
const decisionCalls = (): number => cloud.calls().filter((call) => call.api === API).length;

/** Waits until decisions the function stopped waiting for have reached the model (the delay fault answers late). */
const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1200));

/** What the local cloud's state says about an item that agreed to `appid`, in the words of a result. */
function outcomeInCloud(appid: string): 'approved' | 'pending' | 'other' {
  const status = statusOf(cloud, appid);
  if (status === 2) return 'approved';
  return status === 1 ? 'pending' : 'other';
}

describe('setPluginApplyStatus batches (built bundle, real SDK, local cloud)', () => {
  it('reports every item as the cloud shows it when WeChat is slow and invalid items come first', async () => {
    // The scenario of the defect: 100 pending, every decision 1 s late, 100 invalid items ahead of 100 valid ones.
    const appids = pendingApplications(100);
    cloud.reset(appids.map((appid) => application(appid, 1)));
    cloud.addFault({ kind: 'delay', ms: 1000, api: API, times: 200 });
    const items = [...Array.from({ length: 100 }, () => ({ action: 'dev_agree', appid: 'bad' })), ...appids.map((appid) => ({ action: 'dev_agree', appid }))];
    // The platform's default 3 s for the function's own work, after a cold start as long as this machine's now.
    const limit = timeLimitFor(await coldStartMs(cloud), 3000);

    const answer = (await cloud.invoke(FN, { items }, { context: { time_limit_in_ms: limit } })) as BatchAnswer;
    await settled();

    expect(answer.ok).toBe(true);
    expect(answer.results.slice(0, 100).every((result) => result.error?.code === 'INVALID_EVENT')).toBe(true);
    const valid = answer.results.slice(100);
    expect(valid.filter((result) => result.error?.code === 'TIMEOUT')).toEqual([]);
    valid.forEach((result, n) => {
      const appid = appids[n] ?? '';
      const expected = result.ok ? 'approved' : 'pending';
      expect({ appid, reported: result.ok ? 'ok' : result.error?.code, inCloud: outcomeInCloud(appid) }).toEqual({
        appid,
        reported: result.ok ? 'ok' : 'NOT_ATTEMPTED',
        inCloud: expected,
      });
    });
    expect(answer.summary.succeeded).toBeGreaterThan(0);
    expect(decisionCalls()).toBe(answer.summary.succeeded);
  });

  it('sends the same decision repeated 200 times once, and reports every copy as the cloud shows it', async () => {
    const [appid = ''] = pendingApplications(1);
    cloud.reset([application(appid, 1)]);

    const answer = (await cloud.invoke(FN, { items: Array.from({ length: 200 }, () => ({ action: 'dev_agree', appid })) })) as BatchAnswer;

    expect(answer.summary).toEqual({ succeeded: 200, failed: 0, notAttempted: 0, skipped: 0 });
    expect(answer.results.every((result) => result.ok && result.changed === true)).toBe(true);
    expect(cloud.calls().map((call) => call.api)).toEqual([API]);
    expect(statusOf(cloud, appid)).toBe(2);
  });

  it('sends neither of two conflicting decisions on one appid, and says which items conflict', async () => {
    const [first = '', second = ''] = pendingApplications(2);
    cloud.reset([application(first, 1), application(second, 1)]);

    const answer = (await cloud.invoke(FN, {
      items: [
        { action: 'dev_agree', appid: first },
        { action: 'dev_agree', appid: second },
        { action: 'dev_refuse', appid: first, reason: '资质不全' },
      ],
    })) as BatchAnswer;

    expect(answer.results.map((result) => (result.ok ? 'ok' : result.error?.code))).toEqual(['INVALID_EVENT', 'ok', 'INVALID_EVENT']);
    expect(answer.results[0]?.error?.issues?.[0]?.messageEn).toContain('items[0] and items[2] make conflicting decisions');
    expect(cloud.calls().map((call) => call.request)).toEqual([{ action: 'dev_agree', appid: second }]);
    expect(statusOf(cloud, first)).toBe(1);
  });

  it('skips what is left after a daily-quota error, leaving those applications untouched', async () => {
    const appids = pendingApplications(30);
    cloud.reset(appids.map((appid) => application(appid, 1)));
    cloud.addFault({ kind: 'errcode', errcode: 45009, api: API, times: 1 });
    cloud.addFault({ kind: 'delay', ms: 50, api: API, times: 30 });

    const answer = (await cloud.invoke(FN, { items: appids.map((appid) => ({ action: 'dev_agree', appid })) })) as BatchAnswer;

    expect(answer.summary.failed).toBe(1);
    expect(answer.summary.skipped).toBeGreaterThan(0);
    answer.results.forEach((result, n) => {
      const appid = appids[n] ?? '';
      if (result.error?.code === 'SKIPPED') expect(outcomeInCloud(appid)).toBe('pending');
      if (result.ok) expect(outcomeInCloud(appid)).toBe('approved');
    });
    expect(decisionCalls()).toBe(answer.summary.succeeded + answer.summary.failed);
  });

  it('over HTTPS, stops starting items once the token stays invalid after a refresh, and skips the rest', async () => {
    const appids = pendingApplications(30);
    cloud.reset(appids.map((appid) => application(appid, 1)));
    cloud.addFault({ kind: 'errcode', errcode: 40001, api: API, times: 1000 });
    const env = { PLUGIN_APPID: localAccount.appid, PLUGIN_APPSECRET: localAccount.secret, WECHAT_API_BASE_URL: cloud.url };

    const answer = (await cloud.invoke(FN, { items: appids.map((appid) => ({ action: 'dev_agree', appid })) }, { env })) as BatchAnswer;

    const codes = answer.results.map((result) => result.error?.code);
    expect(new Set(codes)).toEqual(new Set(['ACCESS_TOKEN_INVALID', 'SKIPPED']));
    expect(answer.summary.skipped).toBeGreaterThanOrEqual(30 - 10);
    // At most the first wave of 10, each tried with the old and then a refreshed token.
    expect(decisionCalls()).toBeLessThanOrEqual(2 * 10);
    expect(cloud.applications().every((item) => item.status === 1)).toBe(true);
  });

  it('completes a 200-item batch sent again after it was applied, reading the list once', async () => {
    const appids = pendingApplications(350);
    cloud.reset(appids.map((appid, n) => application(appid, n < 200 ? 2 : 1)));
    const items = appids.slice(0, 200).map((appid) => ({ action: 'dev_agree', appid }));

    const answer = (await cloud.invoke(FN, { items })) as BatchAnswer;

    expect(answer.summary).toEqual({ succeeded: 200, failed: 0, notAttempted: 0, skipped: 0 });
    expect(answer.results.every((item) => item.ok && item.changed === false)).toBe(true);
    // 350 applications at 100 a page: 4 pages, one walk shared by all 200 items; and page 0, read once per container
    // to learn how WeChat numbers its pages.
    expect(cloud.calls().filter((call) => call.api === 'pluginManager.getPluginDevApplyList').length).toBe(4 + 1);
  });
});
