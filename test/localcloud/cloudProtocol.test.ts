import type { LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import { appids, fixtureApplications } from './applications.fixture';
import type { SdkCall, SdkOutcome } from './sdkHarness';
import { getList, runSdk, runSdkOnce, setStatus } from './sdkHarness';

describe('local cloud protocol, driven by the real wx-server-sdk', () => {
  let cloud: LocalCloud;
  let adminUrl: string;

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: fixtureApplications() });
    adminUrl = `${cloud.url}/admin`;
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(() => cloud.reset());

  const statusOf = (appid: string): number | undefined => cloud.applications().find((a) => a.appid === appid)?.status;

  describe('getPluginDevApplyList', () => {
    it('pages the list 1-based; a page shorter than num is the last, and keys arrive camelCased', async () => {
      // Arrange
      cloud.reset(fixtureApplications());
      // Act
      const [first, last, beyond] = await runSdk(adminUrl, [getList(1, 2), getList(3, 2), getList(4, 2)]);
      // Assert
      if (!first?.ok || !last?.ok || !beyond?.ok) throw new Error(JSON.stringify([first, last, beyond]));
      expect(first.result.errMsg).toBe('openapi.pluginManager.getPluginDevApplyList:ok');
      expect(first.result.errCode).toBe(0);
      const firstPage = first.result.applyList as Array<Record<string, unknown>>;
      expect(firstPage.map((a) => a.appid)).toEqual([appids.pendingA, appids.pendingB]);
      expect(firstPage[0]).toEqual({
        appid: appids.pendingA,
        status: 1,
        nickname: expect.any(String),
        headimgurl: expect.any(String),
        categories: [{ first: '工具', second: '效率' }],
        createTime: '1717034400',
        applyUrl: expect.stringContaining(appids.pendingA),
        reason: '申请理由A',
      });
      expect((last.result.applyList as unknown[]).length).toBe(1);
      expect(beyond.result.applyList).toEqual([]);
    });

    it('serves the demo seed by default: 8 applications in all four statuses', async () => {
      const demo = await startLocalCloud({ port: 0 });
      try {
        const list = demo.applications();
        expect(list).toHaveLength(8);
        expect(new Set(list.map((a) => a.status))).toEqual(new Set([1, 2, 3, 4]));
        for (const item of list) expect(item.appid).toMatch(/^wx[0-9a-f]{16}$/);
      } finally {
        await demo.close();
      }
    });
  });

  describe('setDevPluginApplyStatus transitions', () => {
    it('agrees, refuses with and without appid, and deletes, as one sequence', async () => {
      // Act
      const outcomes = await runSdk(adminUrl, [
        setStatus({ action: 'dev_agree', appid: appids.pendingA }),
        setStatus({ action: 'dev_refuse', reason: '暂不开放' }), // only pendingB is still pending
        setStatus({ action: 'dev_delete', appid: appids.pendingB }),
        setStatus({ action: 'dev_delete' }), // clears the refused and timed-out rest
      ]);
      // Assert
      for (const outcome of outcomes) {
        expect(outcome).toEqual({ ok: true, result: { errCode: 0, errMsg: 'openapi.pluginManager.setDevPluginApplyStatus:ok' } });
      }
      expect(cloud.applications().map((a) => [a.appid, a.status])).toEqual([
        [appids.pendingA, 2],
        [appids.approved, 2],
      ]);
    });

    it("refuses a named pending application, keeping the reason in the model's own record, not in the list", async () => {
      const before = cloud.applications().find((a) => a.appid === appids.pendingB);
      const [outcome] = await runSdk(adminUrl, [setStatus({ action: 'dev_refuse', appid: appids.pendingB, reason: '类目不符' })]);
      expect(outcome?.ok).toBe(true);
      const item = cloud.applications().find((a) => a.appid === appids.pendingB);
      expect(item).toMatchObject({ status: 3, reason: before?.reason });
      expect(cloud.refusals()).toEqual([{ appid: appids.pendingB, reason: '类目不符', time: expect.any(String) }]);
      expect(statusOf(appids.pendingA)).toBe(1);
    });

    it('deletes a timed-out application by appid', async () => {
      const outcome = await runSdkOnce(adminUrl, setStatus({ action: 'dev_delete', appid: appids.timedOut }));
      expect(outcome.ok).toBe(true);
      expect(statusOf(appids.timedOut)).toBeUndefined();
    });
  });

  describe('errors, as the SDK throws them', () => {
    const cases: Array<[string, SdkCall, number]> = [
      ['agree of an approved application', setStatus({ action: 'dev_agree', appid: appids.approved }), 89240],
      ['refuse of a refused application', setStatus({ action: 'dev_refuse', appid: appids.refused, reason: 'x' }), 89240],
      ['delete of an approved application', setStatus({ action: 'dev_delete', appid: appids.approved }), 89241],
      ['agree of an unknown appid', setStatus({ action: 'dev_agree', appid: appids.unknown }), 89242],
      ['delete of an unknown appid', setStatus({ action: 'dev_delete', appid: appids.unknown }), 89242],
      ['refuse without appid while two are pending', setStatus({ action: 'dev_refuse', reason: 'x' }), 89242],
      ['delete of a pending application', setStatus({ action: 'dev_delete', appid: appids.pendingA }), 89243],
      ['a missing action', setStatus({ appid: appids.pendingA }), 40097],
      ['an unknown action', setStatus({ action: 'dev_approve', appid: appids.pendingA }), 40097],
      ['agree without appid', setStatus({ action: 'dev_agree' }), 40097],
      ['refuse without reason', setStatus({ action: 'dev_refuse', appid: appids.pendingA }), 40097],
      ['a list call without page and num', { api: 'pluginManager.getPluginDevApplyList', data: { action: 'dev_apply_list' } }, 40097],
    ];
    let outcomes: SdkOutcome[];

    beforeAll(async () => {
      cloud.reset(fixtureApplications());
      outcomes = await runSdk(
        adminUrl,
        cases.map(([, call]) => call),
      );
    });

    it.each(cases.map(([name, , errcode], i) => [name, errcode, i] as const))('answers %s with %i', (_name, errcode, i) => {
      const outcome = outcomes[i];
      expect(outcome).toMatchObject({ ok: false, errCode: errcode, isError: true });
      if (outcome?.ok !== false) return;
      expect(outcome.errMsg).toMatch(/^openapi\.pluginManager\.\w+:fail .+ rid: /);
      expect(outcome.message).toBe(`errCode: ${errcode}  | errMsg: ${outcome.errMsg}`);
    });

    it('leaves the list untouched after errors', () => {
      expect(cloud.applications()).toEqual(fixtureApplications());
    });
  });

  it('answers an unknown API name with the cloud-side -604100', async () => {
    const outcome = await runSdkOnce(adminUrl, { api: 'pluginManager.noSuchApi', data: { action: 'dev_agree' } });
    expect(outcome).toMatchObject({ ok: false, errCode: -604100, errMsg: 'system error: error code: -604100', isError: true });
  });

  it('records each call with its api, decoded body, caller and errcode; a raw SDK call has no function name', async () => {
    // Act
    await runSdk(adminUrl, [getList(1, 10), setStatus({ action: 'dev_agree', appid: appids.approved })]);
    // Assert
    expect(cloud.calls()).toEqual([
      expect.objectContaining({
        transport: 'cloud',
        api: 'pluginManager.getPluginDevApplyList',
        action: 'dev_apply_list',
        request: { action: 'dev_apply_list', page: 1, num: 10 },
        functionName: null,
        errcode: 0,
        cloudErrorCode: null,
        fault: null,
      }),
      expect.objectContaining({ api: 'pluginManager.setDevPluginApplyStatus', action: 'dev_agree', errcode: 89240 }),
    ]);
    expect(Date.parse(cloud.calls()[0]?.time ?? '')).not.toBeNaN();
  });
});
