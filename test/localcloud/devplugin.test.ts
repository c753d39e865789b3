import fc from 'fast-check';
import { applyDevPluginAction } from '../../localcloud/devplugin';
import type { Application } from '../../localcloud/server';
import { application, appids, fixtureApplications } from './applications.fixture';

const statuses = (list: Application[]): Array<[string, number]> => list.map((a) => [a.appid, a.status]);

describe("applyDevPluginAction (one plugin's application list)", () => {
  it('refuses without appid the single pending application', () => {
    const list = [application(appids.pendingA, 1), application(appids.approved, 2)];
    const outcome = applyDevPluginAction(list, { action: 'dev_refuse', reason: '不符' });
    expect(outcome.response).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(outcome.applications[0]).toMatchObject({ status: 3 });
    expect(outcome.refusal).toEqual({ appid: appids.pendingA, reason: '不符' });
  });

  it("keeps the applicant's own statement in the list item's reason when refusing, and hands the refusal back apart", () => {
    const statement = '用于在账单页展示图表';
    const list = [application(appids.pendingA, 1, statement)];

    const outcome = applyDevPluginAction(list, { action: 'dev_refuse', appid: appids.pendingA, reason: '类目不符' });

    expect(outcome.applications[0]).toMatchObject({ status: 3, reason: statement });
    expect(outcome.refusal).toEqual({ appid: appids.pendingA, reason: '类目不符' });
  });

  it('hands back no refusal when WeChat would refuse the refusal', () => {
    const outcome = applyDevPluginAction([application(appids.approved, 2, '说明')], { action: 'dev_refuse', appid: appids.approved, reason: 'x' });

    expect(outcome.response.errcode).toBe(89240);
    expect(outcome.refusal).toBeUndefined();
    expect(outcome.applications[0]?.reason).toBe('说明');
  });

  it('answers 89242 to a refuse without appid when no application is pending', () => {
    const outcome = applyDevPluginAction([application(appids.approved, 2)], { action: 'dev_refuse', reason: 'x' });
    expect(outcome.response.errcode).toBe(89242);
  });

  it('deletes without appid every refused and timed-out application, and is ok when there is none', () => {
    const once = applyDevPluginAction(fixtureApplications(), { action: 'dev_delete' });
    expect(statuses(once.applications)).toEqual([
      [appids.pendingA, 1],
      [appids.pendingB, 1],
      [appids.approved, 2],
    ]);
    const twice = applyDevPluginAction(once.applications, { action: 'dev_delete' });
    expect(twice.response.errcode).toBe(0);
    expect(twice.applications).toEqual(once.applications);
  });

  it('pages 1-based and returns an empty page past the end', () => {
    const page = (p: number, num: number): string[] =>
      (applyDevPluginAction(fixtureApplications(), { action: 'dev_apply_list', page: p, num }).response.apply_list ?? []).map((a) => a.appid);
    expect(page(1, 2)).toEqual([appids.pendingA, appids.pendingB]);
    expect(page(3, 2)).toEqual([appids.timedOut]);
    expect(page(4, 2)).toEqual([]);
    expect(page(1, 100)).toHaveLength(5);
  });

  it('never mutates its input', () => {
    const input = fixtureApplications();
    applyDevPluginAction(input, { action: 'dev_agree', appid: appids.pendingA });
    applyDevPluginAction(input, { action: 'dev_delete' });
    expect(input).toEqual(fixtureApplications());
  });

  it('never throws, keeps appids unique, and changes nothing on an error, whatever the body', () => {
    const appid = fc.constantFrom(...Object.values(appids), '', 'wx');
    const body = fc.record(
      {
        action: fc.oneof(fc.constantFrom('dev_apply_list', 'dev_agree', 'dev_refuse', 'dev_delete'), fc.anything()),
        appid: fc.oneof(appid, fc.anything()),
        reason: fc.oneof(fc.string(), fc.anything()),
        page: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.anything()),
        num: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.anything()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(body, (input) => {
        const before = fixtureApplications();
        const outcome = applyDevPluginAction(before, input);
        const ids = outcome.applications.map((a) => a.appid);
        expect(new Set(ids).size).toBe(ids.length);
        if (outcome.response.errcode !== 0) expect(outcome.applications).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});
