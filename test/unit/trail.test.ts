/**
 * The decision trail's core, against a store kept in memory: the records each kind of call leaves, the folding of
 * refused calls, what a failing store does to the writer, the latest decision the list shows, and the trail query.
 */
import type { SetStatusResult } from '../../src/core/decisions';
import type { Deadline } from '../../src/core/deadline';
import { ownError, wechatError } from '../../src/core/errorTable';
import { parseTrailEvent } from '../../src/core/eventSchema';
import type { LogRecord } from '../../src/core/log';
import { handleTrailQuery, latestDecisions } from '../../src/core/trailReader';
import type { CallContext, TrailRecord } from '../../src/core/trailRecords';
import { actorOf, foldId, recordsOfCall, rememberingNicknames } from '../../src/core/trailRecords';
import type { TrailFilter, TrailStore } from '../../src/core/trailWriter';
import { createTrailWriter, readAuditSetting, TrailStoreError } from '../../src/core/trailWriter';
import type { ListClient } from '../../src/core/wechatClient';

const ADMIN = 'oAdminOpenid1234567890abcdef';
const APP = 'wx0000000000000001';
const APP_2 = 'wx0000000000000002';
const AT = new Date(Date.UTC(2026, 11, 2, 1, 2, 3));

const context = (overrides: Partial<CallContext> = {}): CallContext => ({
  at: AT,
  by: actorOf({ openid: ADMIN }),
  source: 'wx_client',
  requestId: 'req-1',
  ...overrides,
});

const deadline = (leftMs = 3000): Deadline => {
  const start = Date.now();
  return { now: Date.now, at: start + leftMs };
};

/** A store in memory that can be told to fail its next calls. */
function memoryStore(): TrailStore & { docs: TrailRecord[]; failNext: (times: number, error?: TrailStoreError) => void; calls: string[] } {
  const docs: TrailRecord[] = [];
  const calls: string[] = [];
  let failures = 0;
  let failure = new TrailStoreError(-502001, 'collection.add:fail -502001 database request fail');
  const maybeFail = (): void => {
    if (failures > 0) {
      failures -= 1;
      throw failure;
    }
  };
  return {
    docs,
    calls,
    failNext(times, error) {
      failures = times;
      if (error !== undefined) failure = error;
    },
    async add(records) {
      calls.push(`add ${records.length}`);
      maybeFail();
      docs.push(...records.map((record) => ({ ...record })));
    },
    async fold(id, record, attempts) {
      calls.push(`fold ${attempts}`);
      maybeFail();
      const found = docs.find((doc) => doc._id === id);
      if (found !== undefined) found.attempts = (found.attempts ?? 0) + attempts;
      else docs.push({ ...record, _id: id, attempts });
    },
    async find(filter: TrailFilter, page) {
      calls.push('find');
      maybeFail();
      const wanted = (doc: TrailRecord): boolean =>
        (filter.appid === undefined || doc.appid === filter.appid) &&
        (filter.appids === undefined || (doc.appid !== null && filter.appids.includes(doc.appid))) &&
        (filter.okOnly !== true || doc.outcome.code === 'OK');
      return docs
        .filter(wanted)
        .sort((a, b) => b.at.getTime() - a.at.getTime())
        .slice(page.skip, page.skip + page.limit);
    },
  };
}

describe('recordsOfCall', () => {
  it.each<[string, unknown, SetStatusResult, Partial<TrailRecord>]>([
    [
      'an agree',
      { action: 'dev_agree', appid: APP },
      { ok: true, action: 'dev_agree', appid: APP, changed: true },
      { action: 'dev_agree', sent: true, outcome: { code: 'OK', changed: true, errCode: 0 } },
    ],
    [
      'a refusal, with our reason trimmed',
      { action: 'dev_refuse', appid: APP, reason: ' 类目不符\n' },
      { ok: true, action: 'dev_refuse', appid: APP, changed: true },
      { action: 'dev_refuse', reason: '类目不符', sent: true },
    ],
    [
      'a decision WeChat refused',
      { action: 'dev_delete', appid: APP },
      { ok: false, error: wechatError(89243, 'pending'), action: 'dev_delete', appid: APP },
      { action: 'dev_delete', sent: true, outcome: { code: 'APPLICATION_PENDING', changed: null, errCode: 89243 } },
    ],
    [
      'a decision that timed out, which may have reached WeChat',
      { action: 'dev_agree', appid: APP },
      { ok: false, error: ownError('TIMEOUT'), action: 'dev_agree', appid: APP },
      { sent: true, outcome: { code: 'TIMEOUT', changed: null, errCode: null } },
    ],
  ])('records %s as one record', (_, event, result, expected) => {
    const { records, folded } = recordsOfCall(event, result, context());

    expect(folded).toBeNull();
    expect(records).toEqual([
      {
        at: AT,
        action: 'dev_agree',
        appid: APP,
        nickname: null,
        reason: null,
        sent: true,
        outcome: { code: 'OK', changed: true, errCode: 0 },
        by: { openid: ADMIN, appid: null, name: null, rule: null },
        source: 'wx_client',
        requestId: 'req-1',
        ...expected,
      },
    ]);
  });

  it.each([
    ['FORBIDDEN', ownError('FORBIDDEN')],
    ['NOT_CONFIGURED (code FORBIDDEN)', ownError('NOT_CONFIGURED')],
    ['MISCONFIGURED', ownError('MISCONFIGURED')],
    ['INVALID_EVENT', ownError('INVALID_EVENT')],
  ])('folds a call refused before WeChat with %s, keeping no reason', (_, error) => {
    const { records, folded } = recordsOfCall({ action: 'dev_refuse', appid: APP, reason: 'x'.repeat(5000) }, { ok: false, error }, context());

    expect(records).toEqual([]);
    expect(folded?.record).toMatchObject({ action: 'dev_refuse', appid: APP, reason: null, sent: false, attempts: 1, outcome: { code: error.code } });
    expect(folded?.id).toMatch(new RegExp(`^refused_202612020102_${error.code}_[0-9a-f]{16}$`));
    expect(folded?.id).not.toContain(ADMIN);
  });

  it("keeps one record per batch item, in order, the never-sent marked, an invalid item's fields left out", () => {
    const items = [
      { action: 'dev_agree', appid: APP },
      { action: 'dev_refuse', appid: 'not-an-appid', reason: 'r' },
      { action: 'dev_refuse', appid: APP_2, reason: '暂不开放' },
    ];
    const result: SetStatusResult = {
      ok: true,
      results: [
        { ok: true, action: 'dev_agree', appid: APP, changed: false },
        { ok: false, error: ownError('INVALID_EVENT'), action: 'dev_refuse', appid: 'not-an-appid' },
        { ok: false, error: ownError('NOT_ATTEMPTED'), action: 'dev_refuse', appid: APP_2 },
      ],
      summary: { succeeded: 1, failed: 1, notAttempted: 1, skipped: 0 },
    };

    const { records } = recordsOfCall({ items }, result, context({ nicknames: new Map([[APP, '应用一']]) }));

    expect(records.map((record) => [record.appid, record.nickname, record.reason, record.sent, record.outcome.code])).toEqual([
      [APP, '应用一', null, true, 'OK'],
      [null, null, null, false, 'INVALID_EVENT'],
      [APP_2, null, '暂不开放', false, 'NOT_ATTEMPTED'],
    ]);
  });

  it('names a cross-account caller by APPID + OPENID', () => {
    expect(actorOf({ fromAppid: 'wx1a2b3c4d5e6f7089', fromOpenid: 'o_user', openid: 'ignored' }, () => '李四')).toEqual({
      openid: 'o_user',
      appid: 'wx1a2b3c4d5e6f7089',
      name: '李四',
      rule: null,
    });
  });

  it('gives two containers the same folded _id for one caller, code and minute, and another one the next minute', () => {
    const record = recordsOfCall({}, { ok: false, error: ownError('FORBIDDEN') }, context()).folded?.record as TrailRecord;

    expect(foldId(record, new Date(AT.getTime() + 50_000))).toBe(foldId(record, AT));
    expect(foldId(record, new Date(AT.getTime() + 60_000))).not.toBe(foldId(record, AT));
    expect(foldId({ ...record, by: { ...record.by, openid: 'oOther' } }, AT)).not.toBe(foldId(record, AT));
  });

  it('remembers the nicknames the list reads show', async () => {
    const nicknames = new Map<string, string>();
    const list: ListClient = { listApplications: async () => [{ appid: APP, status: 1, nickname: '应用一' }] };
    const client = rememberingNicknames(list, nicknames);

    await client.listApplications(1, 100, deadline());

    expect(nicknames.get(APP)).toBe('应用一');
  });
});

describe('createTrailWriter', () => {
  const agree = (appid = APP): ReturnType<typeof recordsOfCall> =>
    recordsOfCall({ action: 'dev_agree', appid }, { ok: true, action: 'dev_agree', appid, changed: true }, context());
  const stranger = (): ReturnType<typeof recordsOfCall> =>
    recordsOfCall({}, { ok: false, error: ownError('FORBIDDEN') }, context({ by: actorOf({ openid: 'oStranger' }) }));

  it("writes a call's records in one add", async () => {
    const store = memoryStore();
    const writer = createTrailWriter(store);

    const failure = await writer.write(agree(), deadline(), () => undefined);

    expect(failure).toBeNull();
    expect(store.calls).toEqual(['add 1']);
  });

  it('says a record was not written, logs why, and writes it with the next call', async () => {
    // Arrange
    const store = memoryStore();
    const writer = createTrailWriter(store);
    const log: LogRecord[] = [];
    store.failNext(1);

    // Act
    const failed = await writer.write(agree(APP), deadline(), (record) => log.push(record));
    const next = await writer.write(agree(APP_2), deadline(), (record) => log.push(record));

    // Assert
    expect(failed).toEqual({ written: false, reason: 'collection.add:fail -502001 database request fail', errCode: -502001, unwritten: 1 });
    expect(next).toBeNull();
    expect(store.docs.map((doc) => doc.appid)).toEqual([APP, APP_2]);
    expect(log).toEqual([
      { level: 'warn', event: 'trailWriteFailed', errCode: -502001, detail: 'collection.add:fail -502001 database request fail', records: 1, unwritten: 1 },
      { event: 'trailRetried', records: 1 },
    ]);
  });

  it('holds at most maxUnwritten records, dropping the oldest and saying so', async () => {
    const store = memoryStore();
    const writer = createTrailWriter(store, { maxUnwritten: 2 });
    const log: LogRecord[] = [];
    store.failNext(3);

    for (const appid of [APP, APP_2, 'wx0000000000000003']) await writer.write(agree(appid), deadline(), (record) => log.push(record));
    await writer.write(agree('wx0000000000000004'), deadline(), () => undefined);

    expect(store.docs.map((doc) => doc.appid)).toEqual([APP_2, 'wx0000000000000003', 'wx0000000000000004']);
    expect(log).toContainEqual({ level: 'error', event: 'trailDropped', records: 1, unwritten: 2 });
  });

  it("writes a stranger's first attempt, counts the next ones within the interval, and writes the count when it is due", async () => {
    // Arrange
    let clock = AT.getTime();
    const store = memoryStore();
    const writer = createTrailWriter(store, { now: () => clock, foldIntervalMs: 10_000 });

    // Act
    for (let n = 0; n < 20; n += 1) await writer.write(stranger(), deadline(), () => undefined);
    const callsWithin = [...store.calls];
    clock += 10_000;
    await writer.write(stranger(), deadline(), () => undefined);

    // Assert
    expect(callsWithin).toEqual(['fold 1']);
    expect(store.calls).toEqual(['fold 1', 'fold 20']);
    expect(store.docs).toEqual([expect.objectContaining({ attempts: 21, sent: false })]);
  });

  it("writes a stranger's counted attempts along with the next decision", async () => {
    const store = memoryStore();
    const writer = createTrailWriter(store, { now: () => AT.getTime() });
    for (let n = 0; n < 5; n += 1) await writer.write(stranger(), deadline(), () => undefined);

    await writer.write(agree(), deadline(), () => undefined);

    expect(store.calls).toEqual(['fold 1', 'add 1', 'fold 4']);
  });

  it('writes nothing when no time is left, keeping the records', async () => {
    const store = memoryStore();
    const writer = createTrailWriter(store);

    const failure = await writer.write(agree(), deadline(100), () => undefined);

    expect(failure).toMatchObject({ written: false, unwritten: 1 });
    expect(store.calls).toEqual([]);
  });

  it('stops waiting for a database that does not answer, and does not write the records twice when it does', async () => {
    // Arrange
    let release: () => void = () => undefined;
    const store = memoryStore();
    let first = true;
    const slow: TrailStore = {
      ...store,
      add: (records) => {
        if (!first) return store.add(records);
        first = false;
        return new Promise((resolve) => (release = () => resolve(store.add(records))));
      },
    };
    const writer = createTrailWriter(slow, { maxWaitMs: 20 });

    // Act
    const failure = await writer.write(agree(), deadline(), () => undefined);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    await writer.write(agree(APP_2), deadline(), () => undefined);

    // Assert
    expect(failure).toMatchObject({ written: false, errCode: null, unwritten: 1 });
    expect(store.docs.map((doc) => doc.appid)).toEqual([APP, APP_2]);
  });
});

describe('readAuditSetting', () => {
  it.each([
    [undefined, true, false],
    ['on', true, false],
    [' OFF ', false, false],
    ['false', true, true],
  ])('reads PLUGIN_APPLY_AUDIT=%s', (value, enabled, problem) => {
    const setting = readAuditSetting(value === undefined ? {} : { PLUGIN_APPLY_AUDIT: value });

    expect(setting.enabled).toBe(enabled);
    expect(setting.problem !== null).toBe(problem);
    if (problem) expect(setting.problem).toMatch(/PLUGIN_APPLY_AUDIT must be "on".*or "off"/);
  });
});

describe('latestDecisions', () => {
  const record = (appid: string, minutes: number, changed: boolean, reason: string | null, code = 'OK'): TrailRecord => ({
    at: new Date(AT.getTime() + minutes * 60_000),
    action: 'dev_refuse',
    appid,
    nickname: null,
    reason,
    sent: true,
    outcome: { code, changed: code === 'OK' ? changed : null, errCode: 0 },
    by: { openid: ADMIN, appid: null, name: null, rule: null },
    source: 'wx_client',
    requestId: `req-${minutes}`,
  });

  it('prefers the latest decision that changed the application, then the latest success, else null', async () => {
    const store = memoryStore();
    store.docs.push(
      record(APP, 1, true, '类目不符'),
      record(APP, 2, false, '另一个理由'),
      record(APP, 3, false, null, 'APPLICATION_NOT_PENDING'),
      record(APP_2, 1, false, '暂不开放'),
    );

    const latest = await latestDecisions(store, [APP, APP_2, 'wx0000000000000003']);

    expect(latest.get(APP)).toMatchObject({ reason: '类目不符', changed: true, at: new Date(AT.getTime() + 60_000).toISOString() });
    expect(latest.get(APP_2)).toMatchObject({ reason: '暂不开放', changed: false });
    expect(latest.get('wx0000000000000003')).toBeNull();
  });
});

describe('handleTrailQuery', () => {
  const deps = (store: TrailStore) => ({
    store,
    caller: { openid: ADMIN },
    admins: { kind: 'listed' as const, openids: new Set([ADMIN]) },
    deadline: deadline(),
    log: () => undefined,
    requestId: 'req',
  });

  it('answers a database failure with its code from the error table', async () => {
    const store = memoryStore();
    store.failNext(1, new TrailStoreError(-502003, 'collection.get:fail -502003 database permission denied'));

    const result = await handleTrailQuery({ trail: {} }, deps(store));

    expect(result).toMatchObject({ ok: false, error: { code: 'DATABASE_PERMISSION_DENIED', errCode: -502003 } });
  });

  it('answers a database that gives no code as TRAIL_UNREADABLE', async () => {
    const store = memoryStore();
    store.failNext(1, new TrailStoreError(null, 'database.js is missing'));

    const result = await handleTrailQuery({ trail: {} }, deps(store));

    expect(result).toMatchObject({ ok: false, error: { code: 'TRAIL_UNREADABLE', raw: 'database.js is missing' } });
  });
});

describe('parseTrailEvent', () => {
  it.each([
    [{ trail: {} }, true],
    [{ trail: { appid: APP, page: 2, num: 100 } }, true],
    [{ trail: { appid: APP }, userInfo: { appId: 'wx', openId: 'o' } }, true],
    [{ trail: null }, false],
    [{ trail: { num: 101 } }, false],
    [{ trail: {}, status: 'pending' }, false],
  ])('validates %j', (event, ok) => {
    expect(parseTrailEvent(event).ok).toBe(ok);
  });
});
