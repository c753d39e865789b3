import type { Fault, LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import { appids, fixtureApplications } from './applications.fixture';
import type { SdkOutcome } from './sdkHarness';
import { getList, runSdk, setStatus } from './sdkHarness';

const sdkTimeoutMs = 1500;

describe('faults as the real wx-server-sdk reports them', () => {
  let cloud: LocalCloud;
  // [name, fault, what the SDK throws (errCode, errMsg pattern)] — the table the README documents.
  const table: Array<[string, Fault, number, RegExp]> = [
    ['errcode -1', { kind: 'errcode', errcode: -1 }, -1, /^openapi\.pluginManager\.getPluginDevApplyList:fail system error rid: /],
    ['errcode 45011', { kind: 'errcode', errcode: 45011 }, 45011, /^openapi\.pluginManager\.getPluginDevApplyList:fail api minute-quota reach limit/],
    ['cloudError -604101', { kind: 'cloudError', errcode: -604101 }, -604101, /^system error: error code: -604101$/],
    ['cloudError -604102', { kind: 'cloudError', errcode: -604102 }, -604102, /^system error: error code: -604102$/],
    [
      'tcbError SYS_ERR',
      { kind: 'tcbError', code: 'SYS_ERR', message: 'boom' },
      -501001,
      /^openapi\.pluginManager\.getPluginDevApplyList:fail -501001 resource system error\. boom$/,
    ],
    [
      'tcbError INVALID_PARAM',
      { kind: 'tcbError', code: 'INVALID_PARAM', message: 'bad' },
      -501007,
      /^openapi\.pluginManager\.getPluginDevApplyList:fail -501007 invalid parameters\. bad$/,
    ],
    [
      'http500',
      { kind: 'http500' },
      -501001,
      /^openapi\.pluginManager\.getPluginDevApplyList:fail -501001 resource system error\. 500 Internal Server Error \| \[http:\/\/127\.0\.0\.1:\d+\/admin\?env=local&seqId=/,
    ],
    ['malformed', { kind: 'malformed' }, -601001, /^pluginManager\.getPluginDevApplyList:fail unknown wx response received: RangeError: index out of range/],
    ['reset', { kind: 'reset' }, -501001, /^openapi\.pluginManager\.getPluginDevApplyList:fail -501001 resource system error\. socket hang up$/],
    ['hang', { kind: 'hang' }, -501001, /^openapi\.pluginManager\.getPluginDevApplyList:fail -501001 resource system error\. request timeout$/],
  ];
  let outcomes: SdkOutcome[];
  let delayed: SdkOutcome | undefined;
  let delayedMs = 0;

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: fixtureApplications() });
    // Faults are used in the order they were added, so one SDK process meets them all in turn.
    for (const [, fault] of table) cloud.addFault(fault);
    outcomes = await runSdk(
      `${cloud.url}/admin`,
      table.map(() => getList(1, 10)),
      { timeout: sdkTimeoutMs },
    );
    cloud.addFault({ kind: 'delay', ms: 300 });
    const started = Date.now();
    [delayed] = await runSdk(`${cloud.url}/admin`, [getList(1, 10)], { timeout: sdkTimeoutMs });
    delayedMs = Date.now() - started;
  });
  afterAll(async () => {
    await cloud.close();
  });

  it.each(table.map(([name, , errCode, errMsg], i) => [name, errCode, errMsg, i] as const))('%s is thrown as errCode %i', (_name, errCode, errMsg, i) => {
    const outcome = outcomes[i];
    expect(outcome).toMatchObject({ ok: false, errCode });
    if (outcome?.ok !== false) return;
    expect(outcome.errMsg).toMatch(errMsg);
  });

  it('answers normally after a delay fault, later by the delay', () => {
    expect(delayed).toMatchObject({ ok: true, result: { errCode: 0 } });
    expect(delayedMs).toBeGreaterThanOrEqual(300);
  });

  it('records each faulted call with its fault kind, and uses every fault up', () => {
    const faulted = cloud.calls().map((c) => c.fault);
    expect(faulted).toEqual([...table.map(([, fault]) => fault.kind), 'delay']);
    expect(cloud.calls()[2]).toMatchObject({ cloudErrorCode: -604101, errcode: null });
    expect(cloud.calls()[0]).toMatchObject({ errcode: -1, cloudErrorCode: null });
    expect(cloud.faults()).toEqual([]);
  });
});

describe('fault matching', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: fixtureApplications() });
  });
  afterAll(async () => {
    await cloud.close();
  });

  it('applies a fault only to its api and action, for `times` calls', async () => {
    // Arrange
    cloud.addFault({ kind: 'errcode', errcode: 45011, api: 'pluginManager.setDevPluginApplyStatus', action: 'dev_agree', times: 2 });
    // Act
    const outcomes = await runSdk(`${cloud.url}/admin`, [
      getList(1, 1),
      setStatus({ action: 'dev_refuse', appid: appids.pendingB, reason: 'x' }),
      setStatus({ action: 'dev_agree', appid: appids.pendingA }),
      setStatus({ action: 'dev_agree', appid: appids.pendingA }),
      setStatus({ action: 'dev_agree', appid: appids.pendingA }),
    ]);
    // Assert
    expect(outcomes.map((o) => (o.ok ? 0 : o.errCode))).toEqual([0, 0, 45011, 45011, 0]);
    expect(cloud.faults()).toEqual([]);
  });

  it('lists active faults with their remaining uses and clears them', () => {
    cloud.addFault({ kind: 'http500', times: 3 });
    expect(cloud.faults()).toEqual([{ kind: 'http500', times: 3, remaining: 3 }]);
    cloud.clearFaults();
    expect(cloud.faults()).toEqual([]);
  });

  it('rejects an invalid fault', () => {
    expect(() => cloud.addFault({ kind: 'explode' } as unknown as Fault)).toThrow(/fault\.kind must be one of/);
    expect(() => cloud.addFault({ kind: 'delay', ms: -5 })).toThrow(/fault\.ms must be an integer >= 0/);
  });
});

describe('faults on the HTTPS API', () => {
  let cloud: LocalCloud;
  let token: string;
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${cloud.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const list = (): Promise<Response> => post(`/wxa/devplugin?access_token=${token}`, { action: 'dev_apply_list', page: 1, num: 10 });

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: fixtureApplications(), appid: 'wx1234567890abcdef', secret: 's3cret' });
    const res = await post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: 'wx1234567890abcdef', secret: 's3cret' });
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await cloud.close();
  });

  it.each([
    ['errcode', { kind: 'errcode', errcode: 45011 }, 200, /^\{"errcode":45011,"errmsg":"api minute-quota/],
    ['cloudError', { kind: 'cloudError', errcode: -604101 }, 200, /^\{"errcode":-604101,/],
    ['tcbError', { kind: 'tcbError' }, 200, /^\{"code":"SYS_ERR","message":"local cloud injected TCB error"\}$/],
    ['http500', { kind: 'http500' }, 500, /^Internal Server Error/],
    ['malformed', { kind: 'malformed' }, 200, /^\{"errcode":0,"errmsg":"ok","apply_li$/],
  ] as Array<[string, Fault, number, RegExp]>)('answers a %s fault', async (_name, fault, status, body) => {
    cloud.addFault(fault);
    const res = await list();
    expect(res.status).toBe(status);
    expect(await res.text()).toMatch(body);
  });

  it('resets the connection on a reset fault', async () => {
    cloud.addFault({ kind: 'reset' });
    await expect(list()).rejects.toThrow(/fetch failed/);
  });

  it('never answers on a hang fault', async () => {
    cloud.addFault({ kind: 'hang' });
    await expect(
      fetch(`${cloud.url}/wxa/devplugin?access_token=${token}`, {
        method: 'POST',
        body: JSON.stringify({ action: 'dev_apply_list', page: 1, num: 1 }),
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow(/aborted/);
  });

  it('delays the normal answer', async () => {
    cloud.addFault({ kind: 'delay', ms: 200 });
    const started = Date.now();
    const res = await list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(await res.json()).toMatchObject({ errcode: 0, apply_list: expect.any(Array) });
  });

  it('faults the token endpoint only when the fault names it', async () => {
    cloud.addFault({ kind: 'errcode', errcode: -1, api: 'cgi-bin/stable_token' });
    cloud.addFault({ kind: 'errcode', errcode: 45011 });
    const tokenRes = await post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: 'wx1234567890abcdef', secret: 's3cret' });
    expect(await tokenRes.json()).toMatchObject({ errcode: -1 });
    const tokenRes2 = await post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: 'wx1234567890abcdef', secret: 's3cret' });
    expect(await tokenRes2.json()).toMatchObject({ access_token: token });
    expect(await (await list()).json()).toMatchObject({ errcode: 45011 });
  });
});
