/**
 * A decision whose first answer is lost (WeChat applied it, then the connection dropped) and whose retries then meet
 * a definite failure: the built bundle, with the real wx-server-sdk, against the local cloud. The definite failure
 * may only stand once the list shows the decision was not applied.
 */
import type { LocalCloud } from '../../localcloud/server';
import { application, appidOf, startCloud, statusOf } from './localCloudFixture';

const FN = 'setPluginApplyStatus';
const SET_API = 'pluginManager.setDevPluginApplyStatus';
const LIST_API = 'pluginManager.getPluginDevApplyList';

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startCloud();
});
afterAll(async () => {
  await cloud.close();
});

describe('setPluginApplyStatus after a lost answer and a failing retry', () => {
  it.each([
    ['-1 (system busy) on every retry', { kind: 'errcode' as const, errcode: -1, times: 5 }],
    ['45011 (rate limited, account-wide) on the retry', { kind: 'errcode' as const, errcode: 45011, times: 5 }],
    ['-604101 (no permission) on the retry', { kind: 'cloudError' as const, errcode: -604101, times: 5 }],
  ])('reports an agree that the lost try applied as done, when the retry meets %s', async (_label, then) => {
    const appid = appidOf(0x9001);
    cloud.reset([application(appid, 1)]);
    cloud.addFault({ kind: 'lostAnswer', api: SET_API, times: 1 });
    cloud.addFault({ ...then, api: SET_API });

    const answer = await cloud.invoke(FN, { action: 'dev_agree', appid });

    expect(statusOf(cloud, appid)).toBe(2);
    expect(answer).toEqual({ ok: true, action: 'dev_agree', appid, changed: false });
  });

  it('keeps the definite failure when the list shows the lost try was not applied', async () => {
    // An agree on a timed-out application: the lost try was refused by WeChat (89240), so nothing changed.
    const appid = appidOf(0x9002);
    cloud.reset([application(appid, 4)]);
    cloud.addFault({ kind: 'lostAnswer', api: SET_API, times: 1 });
    cloud.addFault({ kind: 'errcode', errcode: 45011, api: SET_API, times: 5 });

    const answer = await cloud.invoke(FN, { action: 'dev_agree', appid });

    expect(statusOf(cloud, appid)).toBe(4);
    expect(answer).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', errCode: 45011 } });
  });

  it("answers OUTCOME_UNKNOWN with both tries' codes when the list cannot be read either", async () => {
    const appid = appidOf(0x9003);
    cloud.reset([application(appid, 1)]);
    cloud.addFault({ kind: 'lostAnswer', api: SET_API, times: 1 });
    cloud.addFault({ kind: 'errcode', errcode: 45011, api: SET_API, times: 5 });
    cloud.addFault({ kind: 'errcode', errcode: 45011, api: LIST_API, times: 5 });

    const answer = await cloud.invoke(FN, { action: 'dev_refuse', appid, reason: '暂不开放' });

    expect(statusOf(cloud, appid)).toBe(3);
    expect(answer).toMatchObject({
      ok: false,
      error: {
        code: 'OUTCOME_UNKNOWN',
        errCode: 45011,
        retryable: true,
        messageEn: expect.stringContaining('outcome is unknown'),
        raw: expect.stringContaining('minute-quota'),
        unknownTry: { errCode: expect.any(Number), raw: expect.any(String) },
      },
    });
  });
});
