/**
 * The cloud transport over a stand-in for wx-server-sdk's `cloud.openapi` that throws exactly what the SDK throws:
 * decisions go to setDevPluginApplyStatus, and once the cloud says it does not know that name (-604100), through
 * getPluginDevApplyList for the rest of the container's life.
 */
import { classifyFailure } from '../../src/core/errorTable';
import type { LogRecord } from '../../src/core/log';
import type { DecisionRequest } from '../../src/core/wechatClient';
import { WeChatApiError } from '../../src/core/wechatClient';
import type { PluginManagerOpenApi } from '../../src/wechat/cloudTransport';
import { createCloudClient } from '../../src/wechat/cloudTransport';
import { CloudSDKError, cloudFailure, wechatFailure } from '../fixtures/sdk';
import { aMinuteFromNow } from '../fixtures/deadline';

const APPLICANT = 'wx0123456789abcdef';

type ApiName = 'setDevPluginApplyStatus' | 'getPluginDevApplyList';

/** A cloud whose answers per API name the test sets; it records every call in order. */
function fakeOpenApi(answer: (api: ApiName, data: unknown) => unknown): PluginManagerOpenApi & { calls: Array<[ApiName, unknown]> } {
  const calls: Array<[ApiName, unknown]> = [];
  const call = async (api: ApiName, data: unknown): Promise<unknown> => {
    calls.push([api, data]);
    // A tick, as a real call takes: concurrent decisions overlap.
    await new Promise((resolve) => setImmediate(resolve));
    const outcome = answer(api, data);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  };
  return {
    calls,
    pluginManager: {
      setDevPluginApplyStatus: (data) => call('setDevPluginApplyStatus', data),
      getPluginDevApplyList: (data) => call('getPluginDevApplyList', data),
    },
  };
}

const ok = { errMsg: 'openapi.pluginManager.x:ok', errCode: 0 };
const oldNameRetired = (api: ApiName): unknown => (api === 'setDevPluginApplyStatus' ? cloudFailure(-604100) : ok);

describe('createCloudClient', () => {
  it('sends decisions to setDevPluginApplyStatus while the cloud knows it', async () => {
    const openapi = fakeOpenApi(() => ok);
    const client = createCloudClient(openapi);

    await client.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow());

    expect(openapi.calls).toStrictEqual([['setDevPluginApplyStatus', { action: 'dev_agree', appid: APPLICANT }]]);
  });

  it.each<[string, DecisionRequest]>([
    ['an agree', { action: 'dev_agree', appid: APPLICANT }],
    ['a refusal', { action: 'dev_refuse', appid: APPLICANT, reason: '暂不开放' }],
    ['a delete', { action: 'dev_delete', appid: APPLICANT }],
  ])('sends %s once through getPluginDevApplyList when the cloud answers -604100 for the older name', async (_, request) => {
    const openapi = fakeOpenApi(oldNameRetired);
    const client = createCloudClient(openapi);

    await client.setApplyStatus(request, aMinuteFromNow());

    expect(openapi.calls).toStrictEqual([
      ['setDevPluginApplyStatus', request],
      ['getPluginDevApplyList', request],
    ]);
  });

  it("remembers the fallback for the container's life and logs it once, even for concurrent decisions", async () => {
    const openapi = fakeOpenApi(oldNameRetired);
    const logged: LogRecord[] = [];
    const client = createCloudClient(openapi, (record) => logged.push(record));
    const appids = Array.from({ length: 5 }, (_, i) => `wx${String(i).padStart(16, 'a')}`);

    await Promise.all(appids.map((appid) => client.setApplyStatus({ action: 'dev_agree', appid }, aMinuteFromNow())));
    openapi.calls.length = 0;
    await client.setApplyStatus({ action: 'dev_delete', appid: APPLICANT }, aMinuteFromNow());
    await client.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow());

    expect(openapi.calls.map(([api]) => api)).toStrictEqual(['getPluginDevApplyList', 'getPluginDevApplyList']);
    expect(logged).toStrictEqual([
      expect.objectContaining({ level: 'warn', event: 'apiFallback', errCode: -604100, using: 'pluginManager.getPluginDevApplyList' }),
    ]);
  });

  it.each([
    ['-604101 (no permission)', cloudFailure(-604101), -604101],
    ['89240 (not pending)', wechatFailure(89240, 'only pending applications can be agreed or refused'), 89240],
    ['-1 (system busy)', wechatFailure(-1, 'system error'), -1],
  ])('does not fall back on %s: that is the answer', async (_, failure, errCode) => {
    const openapi = fakeOpenApi(() => failure);
    const client = createCloudClient(openapi);

    const thrown = await client.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()).catch((error: unknown) => error);

    expect(thrown).toBeInstanceOf(WeChatApiError);
    expect(thrown).toMatchObject({ errCode });
    expect(openapi.calls.map(([api]) => api)).toStrictEqual(['setDevPluginApplyStatus']);
  });

  it("answers the newer name's own error when the fallback fails, without trying again", async () => {
    const openapi = fakeOpenApi((api) =>
      api === 'setDevPluginApplyStatus' ? cloudFailure(-604100) : wechatFailure(89242, 'appid not in list', 'pluginManager.getPluginDevApplyList'),
    );
    const client = createCloudClient(openapi);

    const thrown = await client.setApplyStatus({ action: 'dev_delete', appid: APPLICANT }, aMinuteFromNow()).catch((error: unknown) => error);

    expect(thrown).toMatchObject({ errCode: 89242 });
    expect(openapi.calls).toHaveLength(2);
  });

  it.each([
    [
      'a body neither protobuf nor JSON',
      new CloudSDKError({
        errCode: -601001,
        errMsg: 'openapi.pluginManager.setDevPluginApplyStatus:fail unknown wx response received: RangeError: index out of range',
      }),
    ],
    [
      "WeChat's JSON that does not parse",
      new CloudSDKError({
        errCode: -601001,
        errMsg: 'openapi.pluginManager.setDevPluginApplyStatus:fail wechat server internal error, response body is invalid json: {"errc',
      }),
    ],
    ['an empty answer', new CloudSDKError({ errCode: -601001, errMsg: 'openapi.pluginManager.setDevPluginApplyStatus:fail empty response' })],
  ])('reports %s as UNREADABLE_ANSWER (-700004), whose outcome is unknown', async (_, failure) => {
    const client = createCloudClient(fakeOpenApi(() => failure));

    const thrown = await client.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()).catch((error: unknown) => error);

    expect(thrown).toMatchObject({ errCode: -700004, errMsg: failure.errMsg });
    expect(classifyFailure(thrown)).toMatchObject({ error: { code: 'UNREADABLE_ANSWER' }, retry: 'backoff', outcome: 'unknown' });
  });

  it("keeps the cloud's own -601001, which is an answer", async () => {
    const client = createCloudClient(fakeOpenApi(() => cloudFailure(-601001)));

    const thrown = await client.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()).catch((error: unknown) => error);

    expect(thrown).toMatchObject({ errCode: -601001 });
  });

  it.each([
    ['text that is not JSON', { result: '<html>502 Bad Gateway</html>', errMsg: 'openapi.pluginManager.setDevPluginApplyStatus:ok', errCode: 0 }],
    [
      'a body of another content type',
      { contentType: 'application/octet-stream', buffer: Buffer.from([1, 2]), errMsg: 'openapi.pluginManager.setDevPluginApplyStatus:ok', errCode: 0 },
    ],
  ])('does not take a decision answered with %s, which the SDK resolves, for applied', async (_, answer) => {
    const client = createCloudClient(fakeOpenApi(() => answer));

    const thrown = await client.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()).catch((error: unknown) => error);

    expect(thrown).toMatchObject({ errCode: -700004 });
  });
});
