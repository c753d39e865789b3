/**
 * The watcher's core (handleWatch) with a model of WeChat's list, the in-memory store, a moving clock and a robot
 * that records: what is told once and only once, reminders, timeouts learned, rules, dry runs, and who may run it.
 */
import { ADMIN, applicant, appidOf, HOUR, summaryOf, world } from './watchFixture';

describe('handleWatch: telling the team', () => {
  it('sends one digest naming a new application, then nothing when run again', async () => {
    const w = world([applicant(1, { nickname: '小工具' }), applicant(2, { status: 2 })]);

    const first = summaryOf(await w.run());
    const second = summaryOf(await w.run());

    expect(first.seen.new).toEqual([appidOf(1)]);
    expect(first.digest).toMatchObject({ status: 'sent', notices: 1, more: 0 });
    expect(w.robot.messages).toHaveLength(1);
    expect(w.robot.messages[0]).toContain('小工具');
    expect(w.robot.messages[0]).toContain(appidOf(1));
    expect(second.digest.status).toBe('nothingToSay');
    expect(w.robot.messages).toHaveLength(1);
  });

  it('keeps the notice when the robot fails, and sends it by the next run, once', async () => {
    const w = world([applicant(1)]);
    w.robot.failNext.push({ ok: false, code: 'ROBOT_RATE_LIMITED', errCode: 45009, detail: 'api freq out of limit', hint: '' });

    const failed = summaryOf(await w.run());
    const retried = summaryOf(await w.run());
    const after = summaryOf(await w.run());

    expect(failed.digest).toMatchObject({ status: 'failed', error: { code: 'ROBOT_RATE_LIMITED', errCode: 45009 } });
    expect(failed.problems.join(' ')).toContain('next run');
    expect(retried.digest.status).toBe('sent');
    expect(after.digest.status).toBe('nothingToSay');
    expect(w.robot.messages).toHaveLength(1);
  });

  it('lets only one of two overlapping runs tell: the other finds the lease held and leaves', async () => {
    const w = world([applicant(1)]);

    const results = await Promise.all([w.run(), w.run({ caller: { openid: ADMIN }, source: 'wx_client' })]);

    expect(results.filter((result) => result.ok && !result.ran)).toEqual([{ ok: true, ran: false, reason: 'ANOTHER_RUN_IN_PROGRESS' }]);
    expect(w.robot.messages).toHaveLength(1);
  });

  it("runs again once a crashed run's lease has lapsed at its deadline", async () => {
    const w = world([applicant(1)]);
    await w.store.takeLease('crashed', w.clock.now, w.clock.now + 20_000);

    const blocked = await w.run();
    w.clock.now += 20_001;
    const after = await w.run();

    expect(blocked).toMatchObject({ ok: true, ran: false });
    expect(summaryOf(after).digest.status).toBe('sent');
  });

  it('reminds at each configured age once, with the time left', async () => {
    const w = world([applicant(1, { ageHours: 1 })]);
    await w.run();

    w.clock.now += 11.5 * HOUR;
    const at12 = summaryOf(await w.run());
    const again = summaryOf(await w.run());
    w.clock.now += 8 * HOUR;
    const at20 = summaryOf(await w.run());
    w.clock.now += 1 * HOUR;
    const later = summaryOf(await w.run());

    expect(at12.seen.dueSoon).toEqual([appidOf(1)]);
    expect(w.robot.messages[1]).toContain('剩 11.5 h');
    expect(again.seen.dueSoon).toEqual([]);
    expect(at20.seen.dueSoon).toEqual([appidOf(1)]);
    expect(w.robot.messages[2]).toContain('剩 3.5 h');
    expect(later.digest.status).toBe('nothingToSay');
    expect(w.robot.messages).toHaveLength(3);
  });

  it('tells of an application first seen past a reminder age once, as new, and reminds it only at the next age', async () => {
    const w = world([applicant(1, { ageHours: 13 })]);

    const first = summaryOf(await w.run());
    w.clock.now += 1 * HOUR;
    const quiet = summaryOf(await w.run());
    w.clock.now += 6.5 * HOUR;
    const at20 = summaryOf(await w.run());

    expect(first.seen.new).toEqual([appidOf(1)]);
    expect(quiet.digest.status).toBe('nothingToSay');
    expect(at20.seen.dueSoon).toEqual([appidOf(1)]);
  });

  it('tells of an applicant who applies again after a timeout as a new application', async () => {
    const w = world([applicant(1, { ageHours: 1 })]);
    await w.run();
    w.clock.now += 30 * HOUR;
    w.list[0] = { ...applicant(1, { ageHours: 1 }), status: 4 };
    await w.run();

    w.list[0] = { ...applicant(1, { ageHours: -30 }) };
    const again = summaryOf(await w.run());

    expect(again.seen.new).toEqual([appidOf(1)]);
  });

  it('reports an application that timed out unseen and learns the age it timed out at', async () => {
    const w = world([applicant(1, { ageHours: 1 })]);
    await w.run();
    w.clock.now += 22 * HOUR;
    await w.run();

    w.clock.now += 3 * HOUR;
    w.list[0] = { ...applicant(1, { ageHours: 1 }), status: 4 };
    const timedOut = summaryOf(await w.run());
    const after = summaryOf(await w.run());

    expect(timedOut.seen.timedOut).toEqual([appidOf(1)]);
    expect(timedOut.timeout).toEqual({ hours: 26, observed: true, atLeastHours: 23, samples: 1 });
    expect(w.robot.messages.at(-1)).toContain('已超时');
    expect(w.robot.messages.at(-1)).toContain('observed timeout');
    expect(after.digest.status).toBe('nothingToSay');
    expect(after.timeout.observed).toBe(true);
  });

  it('calls the configured timeout an assumption until one is observed', async () => {
    const w = world([applicant(1)]);

    const summary = summaryOf(await w.run({}, { PLUGIN_APPLY_TIMEOUT_HOURS: '48' }));

    expect(summary.timeout).toEqual({ hours: 48, observed: false, atLeastHours: null, samples: 0 });
    expect(w.robot.messages[0]).toContain('timeout assumed');
  });

  it('reports applications decided by other hands, and does not tell of them', async () => {
    const w = world([applicant(1)]);
    await w.run();
    w.list[0] = { ...applicant(1), status: 3 };

    const summary = summaryOf(await w.run());

    expect(summary.seen.decidedElsewhere).toEqual([{ appid: appidOf(1), status: 3 }]);
    expect(summary.digest.status).toBe('nothingToSay');
  });

  it('ends a digest past 4,096 bytes with "and N more", and tells the rest next run', async () => {
    const long = 'x'.repeat(200);
    const w = world(Array.from({ length: 40 }, (_, index) => applicant(index + 1, { nickname: `n${index}`, reason: long })));

    const runs = [];
    for (let run = 0; run < 5; run += 1) runs.push(summaryOf(await w.run()).digest);

    expect(w.robot.messages.every((message) => Buffer.byteLength(message) <= 4096)).toBe(true);
    expect(runs[0]?.more).toBeGreaterThan(0);
    expect(w.robot.messages[0]).toContain(`and ${runs[0]?.more ?? 0} more`);
    expect(runs.reduce((sum, digest) => sum + digest.notices, 0)).toBe(40);
    expect(runs.at(-1)?.status).toBe('nothingToSay');
    const told = w.robot.messages.flatMap((message) => [...message.matchAll(/`(wx[0-9a-f]{16})`/g)].map((match) => match[1]));
    expect(new Set(told).size).toBe(40);
  });

  it('mentions the configured WeCom users', async () => {
    const w = world([applicant(1)]);

    await w.run({}, { PLUGIN_APPLY_MENTION: 'zhangsan,li.si' });

    expect(w.robot.messages[0]).toContain('<@zhangsan> <@li.si>');
  });

  it('remembers nothing as told while no webhook is set', async () => {
    const w = world([applicant(1)]);

    const summary = summaryOf(await w.run({ channel: null }));
    const later = summaryOf(await w.run());

    expect(summary.digest.status).toBe('noChannel');
    expect(later.digest.status).toBe('sent');
  });

  it('writes per run only what changed, not a document per queued application', async () => {
    const w = world(Array.from({ length: 30 }, (_, index) => applicant(index + 1)));
    await w.run();

    const quiet = summaryOf(await w.run());
    w.list.push(applicant(99));
    const one = summaryOf(await w.run());

    expect(quiet.writes).toBe(2);
    expect(one.writes).toBe(3);
  });
});

describe('handleWatch: automatic rules', () => {
  const env = { PLUGIN_AUTO_AGREE: `${appidOf(1)},category:游戏/休闲` };

  it('agrees exactly the applications a rule matches, tells of them, and records the rule in the trail', async () => {
    const w = world([
      applicant(1),
      applicant(2, { categories: [{ first: '游戏', second: '休闲' }] }),
      applicant(3, { categories: [{ first: '游戏', second: '棋牌' }] }),
      applicant(4),
    ]);

    const summary = summaryOf(await w.run({}, env));

    expect(w.client.sent).toEqual([
      { action: 'dev_agree', appid: appidOf(1) },
      { action: 'dev_agree', appid: appidOf(2) },
    ]);
    expect(summary.decided.agreed).toEqual([
      { appid: appidOf(1), rule: appidOf(1), changed: true },
      { appid: appidOf(2), rule: 'category:游戏/休闲', changed: true },
    ]);
    expect(summary.seen.new).toEqual([appidOf(3), appidOf(4)]);
    expect(w.robot.messages[0]).toContain('已按规则同意');
    expect(w.robot.messages[0]).toContain('category:游戏/休闲');
    expect(w.trail.flat().map((decision) => [decision.event.appid, decision.rule, decision.result.ok])).toEqual([
      [appidOf(1), appidOf(1), true],
      [appidOf(2), 'category:游戏/休闲', true],
    ]);
  });

  it('agrees a whole first level with category:一级', async () => {
    const w = world([applicant(1, { categories: [{ first: '游戏', second: '棋牌' }] })]);

    const summary = summaryOf(await w.run({}, { PLUGIN_AUTO_AGREE: 'category:游戏' }));

    expect(summary.decided.agreed).toEqual([{ appid: appidOf(1), rule: 'category:游戏', changed: true }]);
  });

  it('tells of an agreement by rule even when the first digest failed', async () => {
    const w = world([applicant(1)]);
    w.robot.failNext.push({ ok: false, code: 'ROBOT_BAD_KEY', errCode: 93000, detail: 'invalid webhook url', hint: '' });

    await w.run({}, env);
    const next = summaryOf(await w.run({}, env));

    expect(w.client.sent).toHaveLength(1);
    expect(next.digest.status).toBe('sent');
    expect(w.robot.messages[0]).toContain('已按规则同意');
  });

  it('agrees nothing in a dry run, and says what the rules would agree', async () => {
    const w = world([applicant(1), applicant(4)]);

    const summary = summaryOf(await w.run({}, { ...env, PLUGIN_AUTO_AGREE_DRY_RUN: '1' }));

    expect(w.client.sent).toEqual([]);
    expect(summary.decided).toMatchObject({ dryRun: true, agreed: [], wouldAgree: [{ appid: appidOf(1), rule: appidOf(1) }] });
    expect(w.robot.messages[0]).toContain('dry run');
  });

  it('answers MISCONFIGURED naming a malformed rule, reading and deciding nothing', async () => {
    const w = world([applicant(1)]);

    const result = await w.run({ configProblems: ['from readConfig'] }, { PLUGIN_AUTO_AGREE: `${appidOf(1)},agree-everyone` });
    const own = await w.run({}, { PLUGIN_AUTO_AGREE: 'category:' });

    expect(result).toMatchObject({ ok: false, error: { code: 'MISCONFIGURED', problems: ['from readConfig'] } });
    expect(own).toMatchObject({ ok: false, error: { code: 'MISCONFIGURED', problems: [expect.stringContaining('"category:"')] } });
    expect(w.client.listCalls).toBe(0);
    expect(w.client.sent).toEqual([]);
    expect(w.robot.messages).toEqual([]);
  });
});

describe('handleWatch: who may run it', () => {
  it('refuses a stranger with FORBIDDEN, reading, deciding and sending nothing', async () => {
    const w = world([applicant(1)]);

    const result = await w.run({ caller: { openid: 'oStranger' }, source: 'wx_client' }, { PLUGIN_AUTO_AGREE: appidOf(1) });

    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(w.client.listCalls).toBe(0);
    expect(w.store.lease.holder).toBeNull();
    expect(w.robot.messages).toEqual([]);
  });

  it('does not take wx_trigger as the timer when the call carries a caller', async () => {
    const w = world([applicant(1)]);

    const result = await w.run({ caller: { openid: 'oStranger' }, source: 'wx_trigger' });

    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('runs for an admin called from the mini-program', async () => {
    const w = world([applicant(1)]);

    const summary = summaryOf(await w.run({ caller: { openid: ADMIN }, source: 'wx_client' }));

    expect(summary.trigger).toBe('admin');
  });

  it('runs for plugin-apply watch (runBy cli) with no caller, source or admin list, as the CLI', async () => {
    const w = world([applicant(1)]);

    const summary = summaryOf(await w.run({ runBy: 'cli', caller: {}, source: null, admins: { kind: 'unset' } }));

    expect(summary.trigger).toBe('cli');
    expect(summary.seen.new).toEqual([appidOf(1)]);
  });

  it('answers MISCONFIGURED to plugin-apply watch too when a watcher variable is wrong, reading nothing', async () => {
    const w = world([applicant(1)]);

    const result = await w.run({ runBy: 'cli', caller: {}, source: null, admins: { kind: 'unset' } }, { PLUGIN_AUTO_AGREE: 'everyone' });

    expect(result).toMatchObject({ ok: false, error: { code: 'MISCONFIGURED' } });
    expect(w.client.listCalls).toBe(0);
  });

  it('logs one line per run, without the webhook', async () => {
    const w = world([applicant(1)]);

    await w.run();

    const lines = w.logged.filter((record) => record.fn === 'watchPluginApplyList' && record.outcome !== undefined);
    expect(lines).toEqual([expect.objectContaining({ outcome: 'OK', trigger: 'timer', new: 1, digest: 'sent' })]);
  });
});

describe('handleWatch: when things fail', () => {
  it('answers WATCH_STATE_UNAVAILABLE when the store cannot be reached, sending nothing', async () => {
    const w = world([applicant(1)]);
    const { WatchStoreError } = await import('../../src/core/watchStore');
    w.store.takeLease = async () => {
      throw new WatchStoreError(-502001, 'database request failed');
    };

    const result = await w.run();

    expect(result).toMatchObject({ ok: false, error: { code: 'WATCH_STATE_UNAVAILABLE', errCode: -502001, raw: 'database request failed' } });
    expect(w.robot.messages).toEqual([]);
  });

  it("answers the list's error when its first page fails, and frees the lease", async () => {
    const w = world([applicant(1)]);
    const { WeChatApiError } = await import('../../src/core/wechatClient');
    w.client.listApplications = async () => {
      throw new WeChatApiError(48001, 'api unauthorized');
    };

    const result = await w.run();

    expect(result).toMatchObject({ ok: false, error: { errCode: 48001 } });
    expect(w.store.lease.holder).toBeNull();
  });
});
