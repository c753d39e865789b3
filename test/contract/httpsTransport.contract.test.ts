/**
 * The HTTPS transport against the local cloud's /cgi-bin/stable_token and /wxa/devplugin, which issue, expire and
 * check tokens like WeChat: one token for many concurrent calls, one refresh and retry on a stale token, and no
 * loop when WeChat keeps refusing.
 */
import type { AccessTokenCache } from '../../src/wechat/accessToken';
import { createAccessTokenCache, FORCE_REFRESH_LIMITS } from '../../src/wechat/accessToken';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import type { PluginApplyClient } from '../../src/core/wechatClient';
import { WeChatApiError } from '../../src/core/wechatClient';
import type { LocalCloud } from '../../localcloud/server';
import { localAccount } from '../../localcloud/server';
import { appidOf, PENDING, PENDING_2, scenario, startCloud } from './localCloudFixture';
import { aMinuteFromNow } from '../fixtures/deadline';

const TOKEN_API = 'cgi-bin/stable_token';
const DECISION_API = 'pluginManager.setDevPluginApplyStatus';

let cloud: LocalCloud;

afterEach(async () => {
  await cloud.close();
});

const clientFor = (tokens?: AccessTokenCache): PluginApplyClient =>
  createHttpsClient({ appid: localAccount.appid, secret: localAccount.secret, baseUrl: cloud.url, ...(tokens === undefined ? {} : { tokens }) });
const callsTo = (api: string): number => cloud.calls().filter((call) => call.api === api).length;

describe('HTTPS transport against the local cloud', () => {
  it('fetches one token for many concurrent calls', async () => {
    cloud = await startCloud();
    const client = clientFor();

    await Promise.all(Array.from({ length: 20 }, () => client.listApplications(1, 10, aMinuteFromNow())));

    expect(callsTo(TOKEN_API)).toBe(1);
    expect(callsTo('pluginManager.getPluginDevApplyList')).toBe(20);
  });

  it('refreshes a token WeChat says has expired and retries the call once, successfully', async () => {
    cloud = await startCloud({ tokenTtlSeconds: 1 });
    // A clock that stands still: the cache believes its token fresh while WeChat's has run out.
    const tokens = createAccessTokenCache({ appid: localAccount.appid, secret: localAccount.secret, baseUrl: cloud.url, now: () => 0 });
    const client = clientFor(tokens);
    await client.listApplications(1, 10, aMinuteFromNow());
    await new Promise((resolve) => setTimeout(resolve, 1300));

    await client.setApplyStatus({ action: 'dev_agree', appid: PENDING }, aMinuteFromNow());

    const decisions = cloud.calls().filter((call) => call.api === DECISION_API);
    expect(decisions.map((call) => call.errcode)).toEqual([42001, 0]);
    expect(callsTo(TOKEN_API)).toBe(2);
    expect(cloud.applications().find((item) => item.appid === PENDING)?.status).toBe(2);
  });

  it('returns a second token error right after the refresh as the error, without looping', async () => {
    cloud = await startCloud();
    cloud.addFault({ kind: 'errcode', errcode: 40001, api: DECISION_API, times: 5 });
    const client = clientFor();

    const thrown = await client.setApplyStatus({ action: 'dev_agree', appid: PENDING }, aMinuteFromNow()).catch((error: unknown) => error);

    expect(thrown).toBeInstanceOf(WeChatApiError);
    expect((thrown as WeChatApiError).errCode).toBe(40001);
    expect(callsTo(DECISION_API)).toBe(2);
    expect(cloud.applications()).toEqual(scenario());
  });

  it(`spends at most ${FORCE_REFRESH_LIMITS.maxPerContainer} forced token refreshes on 200 decisions that all meet 40001`, async () => {
    cloud = await startCloud();
    cloud.addFault({ kind: 'errcode', errcode: 40001, api: DECISION_API, times: 10_000 });
    const client = clientFor();
    const appids = Array.from({ length: 200 }, (_, i) => appidOf(1000 + i));

    const errCodes: unknown[] = [];
    // Ten in flight at a time, as a batch and the CLI send them.
    for (let start = 0; start < appids.length; start += 10) {
      const round = appids.slice(start, start + 10).map((appid) =>
        client.setApplyStatus({ action: 'dev_agree', appid }, aMinuteFromNow()).then(
          () => 0,
          (thrown: unknown) => (thrown instanceof WeChatApiError ? thrown.errCode : thrown),
        ),
      );
      errCodes.push(...(await Promise.all(round)));
    }

    const forced = cloud.calls().filter((call) => call.api === TOKEN_API && call.request.force_refresh === true);
    expect(errCodes).toStrictEqual(appids.map(() => 40001));
    expect(forced.length).toBeGreaterThanOrEqual(1);
    expect(forced.length).toBeLessThanOrEqual(FORCE_REFRESH_LIMITS.maxPerContainer);
    // Each decision is sent at most twice (the try and the one retry with a refreshed token), never more.
    expect(callsTo(DECISION_API)).toBeLessThanOrEqual(400);
  });

  it("rejects a wrong AppSecret with WeChat's errcode and never sends a decision", async () => {
    cloud = await startCloud();
    const client = createHttpsClient({ appid: localAccount.appid, secret: 'f'.repeat(32), baseUrl: cloud.url });

    const thrown = await client.setApplyStatus({ action: 'dev_agree', appid: PENDING_2 }, aMinuteFromNow()).catch((error: unknown) => error);

    expect((thrown as WeChatApiError).errCode).toBe(40125);
    expect(String((thrown as Error).message)).not.toContain('f'.repeat(32));
    expect(callsTo(DECISION_API)).toBe(0);
  });
});
