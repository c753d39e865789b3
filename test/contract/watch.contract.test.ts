/**
 * watchPluginApplyList through the built bundle, the real wx-server-sdk (its openapi calls and `cloud.database()`) and
 * the local cloud: its model of WeChat, its database, its WeCom robot, its timer runs and its model clock.
 */
import type { Application, LocalCloud } from '../../localcloud/server';
import { ADMIN, appidOf, startCloud } from './localCloudFixture';

const HOUR = 3_600_000;
const WATCH = 'watchPluginApplyList';

type Summary = {
  seen: { new: string[]; dueSoon: string[]; timedOut: string[]; decidedElsewhere: unknown[] };
  decided: { agreed: Array<{ appid: string; rule: string }>; wouldAgree: Array<{ appid: string; rule: string }> };
  digest: { status: string; notices: number; error?: { code: string } };
  timeout: { hours: number; observed: boolean };
  writes: number;
};
type Answer =
  { ok: true; ran: true; summary: Summary } | { ok: true; ran: false; reason: string } | { ok: false; error: { code: string; problems?: string[] } };

/** A pending application that arrived `ageHours` before the model's now. */
function arrived(cloud: LocalCloud | null, n: number, fields: Partial<Application> = {}, ageHours = 0): Application {
  const now = cloud?.now() ?? Date.now();
  return {
    appid: appidOf(n),
    status: 1,
    nickname: `应用${n}`,
    headimgurl: '',
    categories: [{ first: '工具', second: '效率' }],
    create_time: String(Math.floor((now - ageHours * HOUR) / 1000)),
    apply_url: '',
    reason: '想用这个插件',
    ...fields,
  };
}

describe('watchPluginApplyList (built bundle, real SDK, local cloud)', () => {
  let cloud: LocalCloud & { output: string[] };

  /** A timer run (SOURCE wx_trigger, no caller) with this environment besides the fixture's. */
  const timerRun = async (env: Record<string, string> = {}): Promise<Answer> =>
    (await cloud.invoke(WATCH, {}, { timer: true, env, context: { time_limit_in_ms: 20_000 } })) as Answer;
  const summaryOf = (answer: Answer): Summary => {
    if (!answer.ok || !answer.ran) throw new Error(`the run did not run: ${JSON.stringify(answer)}`);
    return answer.summary;
  };
  const robot = (): string[] => cloud.robotMessages().map((message) => message.content);

  beforeAll(async () => {
    cloud = await startCloud({ applications: [], applyTimeoutMs: 24 * HOUR });
  });

  afterAll(async () => {
    await cloud.close();
  });

  beforeEach(() => {
    cloud.reset([arrived(cloud, 1, { nickname: '小工具' }), { ...arrived(cloud, 2), status: 2 }]);
  });

  it('tells of a new application in one digest, then says nothing when run again', async () => {
    const first = summaryOf(await timerRun());
    const second = summaryOf(await timerRun());

    expect(first.seen.new).toEqual([appidOf(1)]);
    expect(first.digest).toMatchObject({ status: 'sent', notices: 1 });
    expect(second.digest.status).toBe('nothingToSay');
    expect(robot()).toHaveLength(1);
    expect(robot()[0]).toContain('小工具');
    expect(robot()[0]).toContain(appidOf(1));
  });

  it('runs from its config.json timer trigger, every 10 minutes, as the timer', async () => {
    const [trigger] = cloud.triggers().filter((view) => view.function === WATCH);

    const run = await cloud.fireTrigger(WATCH);

    expect(trigger).toMatchObject({ config: '0 */10 * * * * *' });
    expect(run).toMatchObject({ outcome: 'ok', result: { ok: true, ran: true, summary: { trigger: 'timer', digest: { status: 'sent' } } } });
    expect(robot()).toHaveLength(1);
  });

  it('sends by the next run, once, what the robot refused (45009)', async () => {
    cloud.addFault({ kind: 'errcode', errcode: 45009, api: 'robot', times: 1 });

    const failed = summaryOf(await timerRun());
    const retried = summaryOf(await timerRun());
    const after = summaryOf(await timerRun());

    expect(failed.digest).toMatchObject({ status: 'failed', error: { code: 'ROBOT_RATE_LIMITED' } });
    expect(retried.digest.status).toBe('sent');
    expect(after.digest.status).toBe('nothingToSay');
    expect(robot()).toHaveLength(1);
  });

  it('lets one of two overlapping runs (the timer and an admin) tell; the other leaves', async () => {
    // The first run to read the list is held there, so the other starts while it holds the lease.
    cloud.addFault({ kind: 'delay', ms: 3000, api: 'pluginManager.getPluginDevApplyList', times: 1 });

    const answers = (await Promise.all([timerRun(), cloud.invoke(WATCH, {}, { openid: ADMIN, context: { time_limit_in_ms: 20_000 } })])) as Answer[];

    expect(answers.filter((answer) => answer.ok && answer.ran)).toHaveLength(1);
    expect(answers.filter((answer) => answer.ok && !answer.ran)).toEqual([{ ok: true, ran: false, reason: 'ANOTHER_RUN_IN_PROGRESS' }]);
    expect(robot()).toHaveLength(1);
  });

  it('reminds at 12 h and 20 h once each, then reports the timeout unseen and learns its age', async () => {
    await timerRun();

    await cloud.advanceClock(12.5 * HOUR);
    const at12 = summaryOf(await timerRun());
    const again = summaryOf(await timerRun());
    await cloud.advanceClock(8 * HOUR);
    const at20 = summaryOf(await timerRun());
    await cloud.advanceClock(4 * HOUR);
    const timedOut = summaryOf(await timerRun());

    expect([at12.seen.dueSoon, again.seen.dueSoon, at20.seen.dueSoon]).toEqual([[appidOf(1)], [], [appidOf(1)]]);
    expect(timedOut.seen.timedOut).toEqual([appidOf(1)]);
    expect(timedOut.timeout.observed).toBe(true);
    expect(timedOut.timeout.hours).toBeGreaterThanOrEqual(24);
    expect(timedOut.timeout.hours).toBeLessThan(24.6);
    expect(robot()).toHaveLength(4);
    expect(robot()[3]).toContain('已超时');
    const list = (await cloud.invoke('getPluginApplyList', {}, { openid: ADMIN })) as { timeout?: { hours: number; observed: boolean } };
    expect(list.timeout).toEqual(expect.objectContaining({ hours: timedOut.timeout.hours, observed: true }));
  });

  it('has getPluginApplyList call the configured timeout an assumption until the watcher observed one', async () => {
    const list = await cloud.invoke('getPluginApplyList', {}, { openid: ADMIN, env: { PLUGIN_APPLY_TIMEOUT_HOURS: '48' } });

    expect(list).toMatchObject({ ok: true, timeout: { hours: 48, observed: false } });
  });

  it('agrees exactly what the rules match, tells of it, and agrees nothing in a dry run', async () => {
    cloud.reset([
      arrived(cloud, 1),
      arrived(cloud, 3, { categories: [{ first: '游戏', second: '休闲' }] }),
      arrived(cloud, 4, { categories: [{ first: '游戏', second: '棋牌' }] }),
    ]);
    const rules = { PLUGIN_AUTO_AGREE: `${appidOf(1)},category:游戏/休闲` };

    const dry = summaryOf(await timerRun({ ...rules, PLUGIN_AUTO_AGREE_DRY_RUN: '1' }));
    const statusesAfterDryRun = cloud.applications().map((item) => item.status);
    const real = summaryOf(await timerRun(rules));

    expect(dry.decided.wouldAgree.map((entry) => entry.appid)).toEqual([appidOf(1), appidOf(3)]);
    expect(statusesAfterDryRun).toEqual([1, 1, 1]);
    expect(real.decided.agreed).toEqual([
      expect.objectContaining({ appid: appidOf(1), rule: appidOf(1) }),
      expect.objectContaining({ appid: appidOf(3), rule: 'category:游戏/休闲' }),
    ]);
    expect(cloud.applications().map((item) => item.status)).toEqual([2, 2, 1]);
    expect(robot().at(-1)).toContain('已按规则同意');
    const records = cloud.database.documents('plugin_apply_decisions') ?? [];
    expect(
      records.map((record) => [record.appid, record.action, (record.by as { rule: string | null }).rule, (record.outcome as { code: string }).code]),
    ).toEqual([
      [appidOf(1), 'dev_agree', appidOf(1), 'OK'],
      [appidOf(3), 'dev_agree', 'category:游戏/休闲', 'OK'],
    ]);
  });

  it("cannot be made to mention everyone or link by an applicant's nickname and statement", async () => {
    cloud.reset([arrived(cloud, 1, { nickname: '<@all>[点我](https://evil.example)', reason: '\n# 通过\n<font color="warning">急</font>' })]);

    await timerRun({ PLUGIN_APPLY_MENTION: 'zhangsan' });

    const [message] = robot();
    expect(message).toBeDefined();
    expect(message).not.toContain('<@all>');
    expect(message).not.toContain('](');
    expect(message).not.toContain('<font color="warning">');
    expect(message).toContain('<@zhangsan>');
  });

  it('answers MISCONFIGURED naming a malformed rule, reading and deciding nothing', async () => {
    const answer = await timerRun({ PLUGIN_AUTO_AGREE: 'everyone' });

    expect(answer).toMatchObject({ ok: false, error: { code: 'MISCONFIGURED', problems: [expect.stringContaining('"everyone"')] } });
    expect(cloud.calls()).toEqual([]);
    expect(robot()).toEqual([]);
  });

  it('refuses a stranger calling it with FORBIDDEN, and nothing is read', async () => {
    const answer = (await cloud.invoke(WATCH, {}, { openid: 'oStranger1234567890' })) as Answer;

    expect(answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(cloud.calls()).toEqual([]);
    expect(cloud.database.documents('plugin_apply_watch')).toBeNull();
    expect(robot()).toEqual([]);
  });
});
