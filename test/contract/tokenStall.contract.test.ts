/**
 * A stable_token request that never answers, against the local cloud's token endpoint: it may cost the calls that
 * were waiting for it their own deadline, never the calls of the warm container that come after it.
 */
import type { LocalCloud } from '../../localcloud/server';
import { localAccount } from '../../localcloud/server';
import { handleSetStatus } from '../../src/core/decisions';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import { TOKEN_FETCH_LIMITS, TOKEN_FETCH_SHARED_MS } from '../../src/wechat/accessToken';
import { OUTCOME_UNKNOWN_CODES } from '../../src/core/errorTable';
import { DEFAULT_RETRY } from '../../src/core/retry';
import { application, appidOf, startCloud, statusOf } from './localCloudFixture';
import { aMinuteFromNow } from '../fixtures/deadline';

const TOKEN_API = 'cgi-bin/stable_token';
const ADMIN = 'oAdmin';

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startCloud();
});
afterAll(async () => {
  await cloud.close();
});

const clientOfOneContainer = (): ReturnType<typeof createHttpsClient> =>
  createHttpsClient({ appid: localAccount.appid, secret: localAccount.secret, baseUrl: cloud.url });

describe('the HTTPS token cache when stable_token stalls', () => {
  it('lets a later call fetch a fresh token instead of waiting out the stalled request', async () => {
    cloud.reset([application(appidOf(0x7001), 1)]);
    cloud.addFault({ kind: 'hang', api: TOKEN_API, times: 1 });
    const client = clientOfOneContainer();
    const firstDeadline = { at: Date.now() + 300, now: Date.now };

    const first = handleSetStatus({ action: 'dev_agree', appid: appidOf(0x7001) }, depsOf(client, firstDeadline));
    await expect(first).resolves.toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    const startedAt = Date.now();
    const second = await handleSetStatus({ action: 'dev_agree', appid: appidOf(0x7001) }, depsOf(client, { at: Date.now() + 5000, now: Date.now }));
    const waitedMs = Date.now() - startedAt;

    expect(second).toEqual({ ok: true, action: 'dev_agree', appid: appidOf(0x7001), changed: true });
    expect(statusOf(cloud, appidOf(0x7001))).toBe(2);
    // The first call answered TIMEOUT and sent nothing after: one decision reached WeChat, the second call's.
    expect(cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus')).toHaveLength(1);
    // It waited at most for the stalled fetch to count as stalled, not for its 10 s request timeout.
    expect(waitedMs).toBeLessThan(TOKEN_FETCH_SHARED_MS + 2000);
  }, 20_000);

  it('still shares one fetch between calls that arrive while it is young', async () => {
    cloud.reset([]);
    const client = clientOfOneContainer();

    await Promise.all(Array.from({ length: 5 }, () => client.listApplications(1, 20, aMinuteFromNow())));

    expect(cloud.calls().filter((call) => call.api === TOKEN_API)).toHaveLength(1);
  });

  it('answers a failure that sent no decision, after a few token requests, when stable_token never answers', async () => {
    cloud.reset([application(appidOf(0x7003), 1)]);
    cloud.addFault({ kind: 'hang', api: TOKEN_API, times: 50 });
    // A short request timeout stands in for the default 10 s, so that the test waits for each fetch's own timeout.
    const client = createHttpsClient({ appid: localAccount.appid, secret: localAccount.secret, baseUrl: cloud.url, requestTimeoutMs: 300 });
    const startedAt = Date.now();

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(0x7003) }, depsOf(client, { at: Date.now() + 20_000, now: Date.now }));

    expect(result).toMatchObject({ ok: false, error: { raw: expect.stringContaining('no decision was sent') } });
    expect(OUTCOME_UNKNOWN_CODES.has((result as { error: { code: string } }).error.code)).toBe(false);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(cloud.calls().filter((call) => call.api === TOKEN_API).length).toBeLessThanOrEqual(DEFAULT_RETRY.maxAttempts * TOKEN_FETCH_LIMITS.perCall);
    expect(cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus')).toHaveLength(0);
    expect(statusOf(cloud, appidOf(0x7003))).toBe(1);
  }, 20_000);

  it('bounds a waiting call by its own deadline', async () => {
    cloud.reset([]);
    cloud.addFault({ kind: 'hang', api: TOKEN_API, times: 5 });
    const client = clientOfOneContainer();
    const startedAt = Date.now();

    const read = handleSetStatus({ action: 'dev_delete', appid: appidOf(0x7002) }, depsOf(client, { at: Date.now() + 400, now: Date.now }));

    await expect(read).resolves.toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(Date.now() - startedAt).toBeLessThan(1500);
  });
});

function depsOf(client: ReturnType<typeof createHttpsClient>, deadline: { at: number; now: () => number }): Parameters<typeof handleSetStatus>[1] {
  return {
    client,
    caller: { openid: ADMIN },
    admins: { kind: 'listed', openids: new Set([ADMIN]) },
    deadline,
    log: () => undefined,
    requestId: 'token-stall',
  };
}
