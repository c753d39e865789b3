/**
 * The decision trail in a warm container: one copy of the built setPluginApplyStatus bundle (real wx-server-sdk
 * inside, its database client from database.js) loaded in this process and called again and again, as the cloud
 * reuses a container, against the local cloud's database model. What one call could not write, the next writes;
 * a stranger's loop is counted in memory rather than written call by call.
 */
import { join } from 'node:path';
import { localAccount } from '../../localcloud/server';
import { ADMIN, PENDING, PENDING_2, scenario, startCloud, statusOf } from './localCloudFixture';

const BUNDLE = join(__dirname, '../../cloudfunctions/setPluginApplyStatus/index.js');
const COLLECTION = 'plugin_apply_decisions';
const STRANGER = 'oStrangerOpenid1234567890abc';

type Main = (event: unknown, context: unknown) => Promise<Record<string, unknown>>;

let cloud: Awaited<ReturnType<typeof startCloud>>;
let main: Main;
const saved = new Map<string, string | undefined>();
const stdoutWrite = process.stdout.write.bind(process.stdout);
const logged: string[] = [];

/** The caller the platform names for the next call (the SDK reads it at each call). */
function callAs(openid: string): void {
  process.env.WX_OPENID = openid;
}

const context = (): Record<string, unknown> => ({ request_id: `req-${Math.random().toString(16).slice(2)}`, time_limit_in_ms: 3000 });
const databaseCalls = (action: string): number => cloud.databaseCalls().filter((call) => call.action === action).length;

beforeAll(async () => {
  cloud = await startCloud();
  const env: Record<string, string> = {
    TENCENTCLOUD_RUNENV: 'SCF',
    TENCENTCLOUD_REGION: 'ap-shanghai',
    SCF_NAMESPACE: localAccount.envId,
    TCB_ENV: localAccount.envId,
    TCB_SOURCE: 'wx_client',
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${cloud.url}/admin/setPluginApplyStatus` }),
    TENCENTCLOUD_SECRETID: 'warm-secret-id',
    TENCENTCLOUD_SECRETKEY: 'warm-secret-key',
    WX_APPID: localAccount.appid,
    WX_OPENID: ADMIN,
    WX_CONTEXT_KEYS: 'WX_APPID,WX_OPENID',
    PLUGIN_ADMIN_OPENIDS: ADMIN,
    SILENCE: 'true',
  };
  for (const key of [...Object.keys(env), 'PLUGIN_APPID', 'PLUGIN_APPSECRET', 'PLUGIN_APPLY_AUDIT']) saved.set(key, process.env[key]);
  for (const key of ['PLUGIN_APPID', 'PLUGIN_APPSECRET', 'PLUGIN_APPLY_AUDIT']) Reflect.deleteProperty(process.env, key);
  Object.assign(process.env, env);
  // The bundle's log lines are kept, not printed.
  process.stdout.write = ((chunk: unknown): boolean => {
    logged.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  jest.isolateModules(() => {
    main = (require(BUNDLE) as { main: Main }).main;
  });
});

afterAll(async () => {
  process.stdout.write = stdoutWrite;
  for (const [key, value] of saved) {
    if (value === undefined) Reflect.deleteProperty(process.env, key);
    else process.env[key] = value;
  }
  await cloud.close();
});

describe('the trail of a warm setPluginApplyStatus', () => {
  it('leaves a decision correct when the database fails, and writes its record with the next decision', async () => {
    // Arrange
    cloud.reset(scenario());
    callAs(ADMIN);
    cloud.addFault({ kind: 'tcbError', code: 'SYS_ERR', api: 'database', times: 1 });

    // Act
    const first = await main({ action: 'dev_agree', appid: PENDING }, context());
    const kept = cloud.database.documents(COLLECTION);
    const second = await main({ action: 'dev_refuse', appid: PENDING_2, reason: '暂不开放' }, context());

    // Assert
    expect(first).toMatchObject({ ok: true, changed: true, trail: { written: false, errCode: -501001, unwritten: 1 } });
    expect(statusOf(cloud, PENDING)).toBe(2);
    expect(kept ?? []).toEqual([]);
    expect(second).toEqual({ ok: true, action: 'dev_refuse', appid: PENDING_2, changed: true });
    expect(cloud.database.documents(COLLECTION)?.map((doc) => [doc.action, doc.appid])).toEqual([
      ['dev_agree', PENDING],
      ['dev_refuse', PENDING_2],
    ]);
    expect(logged.join('')).toMatch(/"event":"trailRetried","records":1/);
  });

  it('counts a stranger calling 50 times in a minute in memory, writes a few times, and the next decision writes the count', async () => {
    // Arrange
    cloud.reset(scenario());
    callAs(STRANGER);

    // Act
    for (let n = 0; n < 50; n += 1) await main({ action: 'dev_agree', appid: PENDING }, context());
    const writesByStranger = databaseCalls('database.modifyDocument') + databaseCalls('database.insertDocument');
    const attemptsWritten = cloud.database.documents(COLLECTION)?.[0]?.attempts;
    callAs(ADMIN);
    await main({ action: 'dev_agree', appid: PENDING_2 }, context());

    // Assert
    expect(statusOf(cloud, PENDING)).toBe(1);
    // The first attempt is written (bump, then add after creating the collection); the next 49 within 10 s are counted.
    expect(writesByStranger).toBeLessThanOrEqual(4);
    expect(attemptsWritten).toBe(1);
    const folded = cloud.database.documents(COLLECTION)?.filter((doc) => doc.outcome !== null && (doc.outcome as { code: string }).code === 'FORBIDDEN');
    // Unless the minute turned during the loop, which leaves two records.
    expect(folded?.reduce((sum, doc) => sum + Number(doc.attempts), 0)).toBe(50);
    expect(folded?.length).toBeLessThanOrEqual(2);
  });
});
