/**
 * The decision trail through the built bundles, with the real wx-server-sdk inside (its database client loaded from
 * database.js on first use), run by the local cloud against its database model: what each kind of call leaves in
 * `plugin_apply_decisions`, how refused calls are folded, what a failing database does to decisions, and what
 * getPluginApplyList reads back.
 */
import { ADMIN, APPROVED, appidOf, application, EXPIRED, OTHER_ADMIN, PENDING, PENDING_2, REFUSED, scenario, startCloud, statusOf } from './localCloudFixture';

const COLLECTION = 'plugin_apply_decisions';
const ADMIN_APP = 'wx1a2b3c4d5e6f7089';
const APP_ADMIN = 'o_admin_app_user';
const STRANGER = 'oStrangerOpenid1234567890abc';

type Doc = Record<string, unknown> & { outcome: Record<string, unknown>; by: Record<string, unknown> };
type Answer = Record<string, unknown> & { ok: boolean };

let cloud: Awaited<ReturnType<typeof startCloud>>;

beforeAll(async () => {
  // Room for a wave of 10 concurrent calls while the previous wave's processes exit.
  cloud = await startCloud({
    functionEnv: { PLUGIN_ADMIN_OPENIDS: `张三=${ADMIN}, ${OTHER_ADMIN}, 李四=${ADMIN_APP}:${APP_ADMIN}` },
    maxConcurrentFunctions: 25,
  });
});

afterAll(async () => {
  await cloud.close();
});

beforeEach(() => {
  cloud.reset(scenario());
  cloud.output.length = 0;
});

const trail = (): Doc[] => (cloud.database.documents(COLLECTION) ?? []) as Doc[];
const decide = (event: unknown, options = {}): Promise<Answer> => cloud.invoke('setPluginApplyStatus', event, options) as Promise<Answer>;

describe('the trail of setPluginApplyStatus', () => {
  it('creates the missing collection on first use and records an agree with who, when, source and request id', async () => {
    // Arrange
    expect(cloud.database.documents(COLLECTION)).toBeNull();

    // Act
    const result = await decide({ action: 'dev_agree', appid: PENDING });

    // Assert
    expect(result).toEqual({ ok: true, action: 'dev_agree', appid: PENDING, changed: true });
    expect(trail()).toEqual([
      {
        _id: expect.any(String),
        at: expect.any(Date),
        action: 'dev_agree',
        appid: PENDING,
        nickname: null,
        reason: null,
        sent: true,
        outcome: { code: 'OK', changed: true, errCode: 0 },
        by: { openid: ADMIN, appid: null, name: '张三', rule: null },
        source: 'wx_client',
        requestId: expect.stringMatching(/\S/),
      },
    ]);
  });

  it('records a refusal with our reason, trimmed, and a delete', async () => {
    await decide({ action: 'dev_refuse', appid: PENDING, reason: '  类目不符  ' });
    await decide({ action: 'dev_delete', appid: REFUSED }, { openid: OTHER_ADMIN });

    expect(trail().map((doc) => [doc.action, doc.appid, doc.reason, doc.outcome, doc.by.openid, doc.by.name])).toEqual([
      ['dev_refuse', PENDING, '类目不符', { code: 'OK', changed: true, errCode: 0 }, ADMIN, '张三'],
      ['dev_delete', REFUSED, null, { code: 'OK', changed: true, errCode: 0 }, OTHER_ADMIN, null],
    ]);
  });

  it('records a decision WeChat refused with its code and errCode, and an "already done" as unchanged with the nickname the list showed', async () => {
    await decide({ action: 'dev_delete', appid: PENDING });
    await decide({ action: 'dev_agree', appid: APPROVED });

    const [refused, already] = trail();
    expect(refused).toMatchObject({ action: 'dev_delete', sent: true, outcome: { code: 'APPLICATION_PENDING', changed: null, errCode: 89243 } });
    expect(already).toMatchObject({
      action: 'dev_agree',
      appid: APPROVED,
      nickname: `应用${APPROVED.slice(-2)}`,
      outcome: { code: 'OK', changed: false, errCode: 0 },
    });
  });

  it('writes a batch of 200 decisions in one database call, one record per item, invalid items marked never sent', async () => {
    // Arrange
    const apps = Array.from({ length: 199 }, (_, n) => application(appidOf(0x100 + n), 1));
    cloud.reset(apps);
    const items = [...apps.map((app) => ({ action: 'dev_agree', appid: app.appid })), { action: 'dev_agree', appid: 'nonsense' }];

    // Act
    const result = await decide({ items }, { context: { time_limit_in_ms: 20000 } });

    // Assert
    expect(result).toMatchObject({ ok: true, summary: { succeeded: 199, failed: 1 } });
    expect(trail()).toHaveLength(200);
    expect(trail().filter((doc) => doc.sent === false)).toEqual([
      expect.objectContaining({ appid: null, outcome: { code: 'INVALID_EVENT', changed: null, errCode: null } }),
    ]);
    const adds = cloud.databaseCalls().filter((call) => call.action === 'database.insertDocument');
    // The first add meets the missing collection, which is created; the second writes all 200.
    expect(adds).toHaveLength(2);
  });

  it('records a cross-account admin as APPID + OPENID, with the name', async () => {
    await decide({ action: 'dev_agree', appid: PENDING }, { from: { appid: ADMIN_APP, openid: APP_ADMIN } });

    expect(trail()[0]?.by).toEqual({ openid: APP_ADMIN, appid: ADMIN_APP, name: '李四', rule: null });
  });

  it("records a stranger's refused call as never sent, and never touches the application", async () => {
    const result = await decide({ action: 'dev_agree', appid: PENDING }, { openid: STRANGER });

    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', adminEntry: STRANGER } });
    expect(statusOf(cloud, PENDING)).toBe(1);
    expect(trail()).toEqual([
      expect.objectContaining({
        action: 'dev_agree',
        appid: PENDING,
        sent: false,
        attempts: 1,
        outcome: { code: 'FORBIDDEN', changed: null, errCode: null },
        by: { openid: STRANGER, appid: null, name: null, rule: null },
      }),
    ]);
  });

  it('records an invalid event as never sent, without the text sent as reason', async () => {
    await decide({ action: 'dev_refuse', appid: PENDING, reason: '\u0000' });

    expect(trail()).toEqual([
      expect.objectContaining({ action: 'dev_refuse', reason: null, sent: false, attempts: 1, outcome: expect.objectContaining({ code: 'INVALID_EVENT' }) }),
    ]);
  });

  it('folds a stranger calling 50 times in one minute, 5 at a time, into one record counting every attempt', async () => {
    // Each call is a fresh container here, so each writes: the fixed _id per caller and minute makes them meet on one record.
    const call = (): Promise<Answer> => decide({ action: 'dev_agree', appid: PENDING }, { openid: STRANGER, context: { time_limit_in_ms: 10000 } });
    for (let wave = 0; wave < 10; wave += 1) await Promise.all(Array.from({ length: 5 }, call));

    const records = trail();
    // Two records only if the minute turned during the run.
    expect(records.length).toBeLessThanOrEqual(2);
    expect(records.reduce((sum, doc) => sum + Number(doc.attempts), 0)).toBe(50);
    expect(statusOf(cloud, PENDING)).toBe(1);
  });

  it('leaves the decision correct when the database fails, says so on the result and in the log', async () => {
    // Arrange
    cloud.addFault({ kind: 'tcbError', code: 'DATABASE_REQUEST_FAILED', api: 'database', times: 10 });

    // Act
    const result = await decide({ action: 'dev_agree', appid: PENDING });

    // Assert
    expect(result).toMatchObject({ ok: true, action: 'dev_agree', changed: true, trail: { written: false, errCode: -502001, unwritten: 1 } });
    expect(statusOf(cloud, PENDING)).toBe(2);
    expect(trail()).toEqual([]);
    expect(cloud.output.join('\n')).toMatch(/"event":"trailWriteFailed".*-502001/);
    expect(cloud.output.join('\n')).not.toContain(ADMIN);
  });

  it('writes nothing with PLUGIN_APPLY_AUDIT=off', async () => {
    const env = { PLUGIN_APPLY_AUDIT: 'off' };

    await decide({ action: 'dev_agree', appid: PENDING }, { env });
    await decide({ action: 'dev_agree', appid: PENDING_2 }, { openid: STRANGER, env });

    expect(cloud.database.documents(COLLECTION)).toBeNull();
    expect(cloud.databaseCalls()).toEqual([]);
  });
});

describe('the trail in getPluginApplyList', () => {
  type Item = { appid: string; lastDecision?: Record<string, unknown> | null };
  const list = (event: unknown = {}, options = {}): Promise<Answer & { items: Item[] }> =>
    cloud.invoke('getPluginApplyList', event, options) as Promise<Answer & { items: Item[] }>;

  it('gives each item the latest decision that changed it, null when none', async () => {
    // Arrange
    await decide({ action: 'dev_refuse', appid: PENDING, reason: '类目不符' });
    await decide({ action: 'dev_refuse', appid: PENDING, reason: '另一个理由' }, { openid: OTHER_ADMIN });

    // Act
    const result = await list();

    // Assert
    const byAppid = new Map(result.items.map((item) => [item.appid, item.lastDecision]));
    expect(byAppid.get(PENDING)).toEqual({
      at: expect.any(String),
      action: 'dev_refuse',
      reason: '类目不符',
      changed: true,
      by: { openid: ADMIN, appid: null, name: '张三', rule: null },
      requestId: expect.any(String),
    });
    expect(byAppid.get(EXPIRED)).toBeNull();
    expect(result.trail).toBeUndefined();
  });

  it('still lists when the trail cannot be read, saying so', async () => {
    cloud.addFault({ kind: 'tcbError', code: 'DATABASE_PERMISSION_DENIED', api: 'database', times: 10 });

    const result = await list();

    expect(result).toMatchObject({ ok: true, trail: { read: false, errCode: -502003 } });
    expect(result.items).toHaveLength(scenario().length);
    expect(result.items.every((item) => !('lastDecision' in item))).toBe(true);
  });

  it('serves the trail newest first, paged, and by appid', async () => {
    // Arrange: three decisions, each written by its own call, a little apart.
    await decide({ action: 'dev_agree', appid: PENDING });
    await decide({ action: 'dev_refuse', appid: PENDING_2, reason: '暂不开放' });
    await decide({ action: 'dev_delete', appid: REFUSED });

    // Act
    const first = await list({ trail: { num: 2 } });
    const second = await list({ trail: { num: 2, page: 2 } });
    const one = await list({ trail: { appid: PENDING_2 } });

    // Assert
    const actions = (answer: Answer): unknown => (answer.trail as Array<{ action: string }>).map((doc) => doc.action);
    expect(first).toMatchObject({ ok: true, page: 1, num: 2, hasMore: true });
    expect(actions(first)).toEqual(['dev_delete', 'dev_refuse']);
    expect(second).toMatchObject({ ok: true, page: 2, num: 2, hasMore: false });
    expect(actions(second)).toEqual(['dev_agree']);
    expect(one).toMatchObject({ ok: true, trail: [{ appid: PENDING_2, reason: '暂不开放', at: expect.any(String) }] });
  });

  it('answers an empty trail before anything was recorded, refuses strangers and bad queries', async () => {
    const empty = await list({ trail: {} });
    const stranger = await list({ trail: {} }, { openid: STRANGER });
    const bad = await list({ trail: { num: 0, appid: 'x', extra: 1 } });

    expect(empty).toEqual({ ok: true, trail: [], page: 1, num: 20, hasMore: false });
    expect(stranger).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT' } });
    expect((bad as unknown as { error: { issues: Array<{ path: string }> } }).error.issues.map((issue) => issue.path).sort()).toEqual([
      'trail.appid',
      'trail.extra',
      'trail.num',
    ]);
  });
});
