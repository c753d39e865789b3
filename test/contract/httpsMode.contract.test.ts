/**
 * The functions switched to HTTPS by their environment (PLUGIN_APPID, PLUGIN_APPSECRET): the same scenarios give
 * the same results as over the cloud call, tokens are fetched once per warm container, and no token or
 * secret ever appears in a result or a log line.
 */
import type { LocalCloud } from '../../localcloud/server';
import { localAccount } from '../../localcloud/server';
import { FORCE_REFRESH_LIMITS } from '../../src/wechat/accessToken';
import { application, appidOf, APPROVED, PENDING, REFUSED, scenario, startCloud, UNKNOWN } from './localCloudFixture';

let cloud: LocalCloud & { output: string[] };
let httpsEnv: Record<string, string>;

beforeAll(async () => {
  cloud = await startCloud();
  httpsEnv = { PLUGIN_APPID: localAccount.appid, PLUGIN_APPSECRET: localAccount.secret, WECHAT_API_BASE_URL: cloud.url };
});

afterAll(async () => {
  await cloud.close();
});

beforeEach(() => {
  cloud.reset(scenario());
  cloud.output.length = 0;
});

const scenarios: Array<[string, string, unknown]> = [
  ['agree to a pending one', 'setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }],
  ['refuse a pending one', 'setPluginApplyStatus', { action: 'dev_refuse', appid: PENDING, reason: '暂不开放' }],
  ['delete a refused one', 'setPluginApplyStatus', { action: 'dev_delete', appid: REFUSED }],
  ['agree to an approved one again', 'setPluginApplyStatus', { action: 'dev_agree', appid: APPROVED }],
  ['agree to a refused one', 'setPluginApplyStatus', { action: 'dev_agree', appid: REFUSED }],
  ['delete an unknown appid', 'setPluginApplyStatus', { action: 'dev_delete', appid: UNKNOWN }],
  [
    'a batch',
    'setPluginApplyStatus',
    {
      items: [
        { action: 'dev_agree', appid: PENDING },
        { action: 'dev_delete', appid: APPROVED },
      ],
    },
  ],
  ['list everything', 'getPluginApplyList', { all: true }],
];

/** A result with every `raw` removed. */
function withoutRaw(result: unknown): unknown {
  return JSON.parse(JSON.stringify(result, (key, value: unknown) => (key === 'raw' ? undefined : value)));
}

describe('cloud functions over HTTPS', () => {
  it.each(scenarios)('give the same result as the cloud call to "%s"', async (_, fn, data) => {
    const overCloud = await cloud.invoke(fn, data);
    const stateAfterCloud = cloud.applications();
    cloud.reset(scenario());

    const overHttps = await cloud.invoke(fn, data, { env: httpsEnv });

    // raw is each transport's own text (and WeChat's rid differs per call): everything else must match.
    expect(withoutRaw(overHttps)).toEqual(withoutRaw(overCloud));
    expect(cloud.applications()).toEqual(stateAfterCloud);
    expect(cloud.calls().some((call) => call.transport === 'https')).toBe(true);
    expect(cloud.calls().some((call) => call.transport === 'cloud')).toBe(false);
  });

  it('retries once with a fresh token after WeChat says the token is invalid', async () => {
    cloud.addFault({ kind: 'errcode', errcode: 40001, api: 'pluginManager.setDevPluginApplyStatus', times: 1 });

    const result = await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, { env: httpsEnv });

    expect(result).toMatchObject({ ok: true, changed: true });
    expect(cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus')).toHaveLength(2);
    // The refresh asks for the current token first and forces a new one only when WeChat hands back the refused one.
    expect(cloud.calls().filter((call) => call.api === 'cgi-bin/stable_token').length).toBeLessThanOrEqual(3);
  });

  it(`spends at most ${FORCE_REFRESH_LIMITS.maxPerContainer} forced token refreshes on a batch of 200 decisions that all meet 40001`, async () => {
    cloud.reset(Array.from({ length: 200 }, (_, i) => application(appidOf(1000 + i), 1)));
    cloud.addFault({ kind: 'errcode', errcode: 40001, api: 'pluginManager.setDevPluginApplyStatus', times: 10_000 });
    const items = Array.from({ length: 200 }, (_, i) => ({ action: 'dev_agree', appid: appidOf(1000 + i) }));

    const result = (await cloud.invoke('setPluginApplyStatus', { items }, { env: httpsEnv, context: { time_limit_in_ms: 20_000 } })) as {
      results: Array<{ ok: boolean; error?: { code: string } }>;
    };

    const forced = cloud.calls().filter((call) => call.api === 'cgi-bin/stable_token' && call.request.force_refresh === true);
    expect(forced.length).toBeGreaterThanOrEqual(1);
    expect(forced.length).toBeLessThanOrEqual(FORCE_REFRESH_LIMITS.maxPerContainer);
    expect(result.results.filter((item) => item.ok)).toEqual([]);
    expect(result.results.filter((item) => item.error?.code === 'ACCESS_TOKEN_INVALID').length).toBeGreaterThan(0);
    expect(cloud.applications().every((item) => item.status === 1)).toBe(true);
  });

  it('retries after an answer lost on the way back and reports the applied decision as changed: false', async () => {
    cloud.addFault({ kind: 'lostAnswer', api: 'pluginManager.setDevPluginApplyStatus', times: 1 });

    const result = await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, { env: httpsEnv });

    expect(result).toMatchObject({ ok: true, changed: false });
    expect(cloud.applications().find((item) => item.appid === PENDING)?.status).toBe(2);
  });

  it.each([
    // Never applied: the decision itself got the answer.
    ['a decision', { action: 'dev_agree', appid: PENDING }, 'pluginManager.setDevPluginApplyStatus', false, 1],
    // Applied, but its answer was lost and the list that would show it gets the answer.
    ['the lookup after a lost answer', { action: 'dev_delete', appid: REFUSED }, 'pluginManager.getPluginDevApplyList', true, undefined],
  ])("never takes an answer without an errcode for WeChat's success (%s)", async (_, data, api, lost, status) => {
    if (lost) cloud.addFault({ kind: 'lostAnswer', api: 'pluginManager.setDevPluginApplyStatus', times: 1 });
    cloud.addFault({ kind: 'tcbError', api, times: 10 });

    const result = (await cloud.invoke('setPluginApplyStatus', data, { env: httpsEnv })) as { ok: boolean };

    expect(result.ok).toBe(false);
    expect(cloud.applications().find((item) => item.appid === data.appid)?.status).toBe(status);
  });

  it('reports a wrong AppSecret as INVALID_APPSECRET without ever showing it', async () => {
    const wrong = 'ffffffffffffffffffffffffffffffff';

    const result = await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, { env: { ...httpsEnv, PLUGIN_APPSECRET: wrong } });

    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_APPSECRET', errCode: 40125 } });
    expect(JSON.stringify(result)).not.toContain(wrong);
    expect(cloud.output.join('\n')).not.toContain(wrong);
  });

  it('tells an admin which variable is missing when only one of the pair is set', async () => {
    const result = await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, { env: { PLUGIN_APPID: localAccount.appid } });

    expect(result).toMatchObject({ ok: false, error: { code: 'MISCONFIGURED', problems: [expect.stringContaining('PLUGIN_APPSECRET')] } });
    expect(cloud.calls()).toEqual([]);
  });

  it('never puts the access token or the AppSecret in a result or a log line', async () => {
    const results = [
      await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, { env: httpsEnv }),
      await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: REFUSED }, { env: httpsEnv }),
      await cloud.invoke('getPluginApplyList', { all: true }, { env: httpsEnv }),
    ];
    // Outside the renewal window WeChat hands every caller the same current token: the one the functions used.
    const response = await fetch(`${cloud.url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credential', appid: localAccount.appid, secret: localAccount.secret }),
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    const seen = `${JSON.stringify(results)}\n${cloud.output.join('\n')}`;

    expect(token.length).toBeGreaterThan(10);
    expect(seen).not.toContain(token);
    expect(seen).not.toContain(localAccount.secret);
  });
});
