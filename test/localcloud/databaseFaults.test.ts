import type { Fault, LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import type { DbOutcome } from './sdkHarness';
import { runDatabaseSdk } from './sdkHarness';

const sdkTimeoutMs = 1500;

describe('database faults as the real wx-server-sdk reports them', () => {
  let cloud: LocalCloud;
  // [name, fault, what the SDK throws (errCode, errMsg pattern)] — the table the docs give.
  const table: Array<[string, Fault, number, RegExp]> = [
    [
      'tcbError DATABASE_REQUEST_FAILED',
      { kind: 'tcbError', api: 'database', code: 'DATABASE_REQUEST_FAILED', message: 'boom' },
      -502001,
      /^collection\.get:fail -502001 database request fail\. boom$/,
    ],
    [
      'tcbError DATABASE_PERMISSION_DENIED',
      { kind: 'tcbError', api: 'database', code: 'DATABASE_PERMISSION_DENIED', message: 'no' },
      -502003,
      /^collection\.get:fail -502003 database permission denied\. no$/,
    ],
    ['errcode -502005', { kind: 'errcode', api: 'database', errcode: -502005 }, -502005, /^collection\.get:fail -502005 database collection not exists\. /],
    [
      'tcbError SYS_ERR',
      { kind: 'tcbError', api: 'database' },
      -501001,
      /^collection\.get:fail -501001 resource system error\. local cloud injected TCB error$/,
    ],
    // The database path parses any body as JSON first: a text 500 is a SyntaxError, not the -501001 openapi calls get.
    ['http500', { kind: 'http500', api: 'database' }, -1, /^collection\.get:fail Unexpected token 'I', "Internal S"\.\.\. is not valid JSON$/],
    ['reset', { kind: 'reset', api: 'database' }, -501001, /^collection\.get:fail -501001 resource system error\. socket hang up$/],
    ['hang', { kind: 'hang', api: 'database' }, -501001, /^collection\.get:fail -501001 resource system error\. request timeout$/],
  ];
  let outcomes: DbOutcome[];

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: [] });
    cloud.database.createCollection('c');
    // Faults are used in the order they were added, so one SDK process meets them all in turn.
    for (const [, fault] of table) cloud.addFault(fault);
    outcomes = await runDatabaseSdk(
      `${cloud.url}/admin`,
      table.map(() => ({ op: 'get', collection: 'c' })),
      { timeout: sdkTimeoutMs },
    );
  });
  afterAll(async () => {
    await cloud.close();
  });

  it.each(table.map(([name, , errCode, errMsg], i) => [name, errCode, errMsg, i] as const))('%s is thrown as errCode %i', (_name, errCode, errMsg, i) => {
    const outcome = outcomes[i];

    expect(outcome).toMatchObject({ ok: false, errCode });
    expect(outcome?.ok === false && outcome.errMsg).toMatch(errMsg);
  });

  it('records each faulted call under the database api and its action, and uses every fault up', () => {
    const calls = cloud.calls();

    expect(calls.map((call) => [call.api, call.action, call.fault])).toEqual(table.map(([, fault]) => ['database', 'database.getDocument', fault.kind]));
    expect(calls[0]?.errcode).toBe(-502001);
    expect(cloud.faults()).toEqual([]);
  });

  it('answers a malformed body, which the SDK throws as errCode -1', async () => {
    cloud.addFault({ kind: 'malformed', api: 'database' });

    const [outcome] = await runDatabaseSdk(`${cloud.url}/admin`, [{ op: 'count', collection: 'c' }]);

    expect(outcome).toMatchObject({ ok: false, errCode: -1, errMsg: expect.stringMatching(/^collection\.count:fail Unterminated string in JSON/) });
  });

  it('applies an add whose answer is lost: the SDK throws, yet the document is there', async () => {
    // Arrange
    cloud.addFault({ kind: 'lostAnswer', api: 'database', action: 'database.insertDocument' });

    // Act
    const [lost, read] = await runDatabaseSdk(`${cloud.url}/admin`, [
      { op: 'add', collection: 'c', data: { _id: 'kept', k: 1 } },
      { op: 'docGet', collection: 'c', id: 'kept' },
    ]);

    // Assert
    expect(lost).toMatchObject({ ok: false, errCode: -501001 });
    expect(read).toMatchObject({ ok: true, result: { data: { _id: 'kept', k: 1 } } });
  });

  it('answers normally after a delay fault, later by the delay', async () => {
    cloud.addFault({ kind: 'delay', api: 'database', ms: 300 });
    const started = Date.now();

    const [outcome] = await runDatabaseSdk(`${cloud.url}/admin`, [{ op: 'count', collection: 'c' }]);

    expect(outcome).toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('leaves database calls alone for a fault without api: "database"', async () => {
    cloud.addFault({ kind: 'errcode', errcode: -1 });

    const [outcome] = await runDatabaseSdk(`${cloud.url}/admin`, [{ op: 'count', collection: 'c' }]);

    expect(outcome).toMatchObject({ ok: true });
    expect(cloud.faults()).toHaveLength(1);
    cloud.clearFaults();
  });

  it.each([
    [{ kind: 'cloudError', api: 'database' }, /cloudError is the openapi protocol's/],
    [{ kind: 'errcode', api: 'database', action: 'dev_agree' }, /fault\.action "dev_agree" matches no call: use one of database\.insertDocument/],
    [{ kind: 'errcode', action: 'database.getDocument' }, /a database action needs "api": "database"/],
  ] as Array<[Fault, RegExp]>)('refuses a database fault that could never fire as asked (%j)', (fault, message) => {
    expect(() => cloud.addFault(fault)).toThrow(message);
  });
});
