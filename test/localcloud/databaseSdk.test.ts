import { parseEjson } from '../../localcloud/ejson';
import { parseQueryText } from '../../localcloud/queryText';
import type { LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import type { DbOutcome, DbStep } from './sdkHarness';
import { runDatabaseSdk } from './sdkHarness';

// The real wx-server-sdk from node_modules (not the lean bundles, which stand @cloudbase/database in) against the
// local cloud's database model: every answer and error below is what the SDK itself made of the wire.

const clockStart = Date.UTC(2026, 0, 2, 3, 4, 5);
const cmd = (name: string, arg?: unknown): Record<string, unknown> => (arg === undefined ? { $cmd: name } : { $cmd: name, arg });
const date = (ms: number): { $date: number } => ({ $date: ms });

function result(outcome: DbOutcome | undefined): Record<string, unknown> {
  if (outcome?.ok !== true) throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  return outcome.result;
}

describe('the database model through the real SDK', () => {
  let cloud: LocalCloud;
  let clock = clockStart;
  const run = (steps: DbStep[], init: Record<string, unknown> = {}): Promise<DbOutcome[]> => runDatabaseSdk(`${cloud.url}/admin`, steps, init);

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: [], now: () => clock });
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(() => {
    cloud.reset([]);
    clock = clockStart;
  });

  it('refuses a write to a missing collection with -502005, and adds once db.createCollection made it', async () => {
    // Act
    const [missing, created, again, added] = await run([
      { op: 'add', collection: 'plugin_apply_decisions', data: { appid: 'wx1' } },
      { op: 'createCollection', collection: 'plugin_apply_decisions' },
      { op: 'createCollection', collection: 'plugin_apply_decisions' },
      { op: 'add', collection: 'plugin_apply_decisions', data: { appid: 'wx1' } },
    ]);

    // Assert
    expect(missing).toMatchObject({ ok: false, isError: true, errCode: -502005 });
    expect(missing?.ok === false && missing.errMsg).toMatch(
      /^collection\.add:fail -502005 database collection not exists\. \[ResourceNotFound\] Db or Table not exist: plugin_apply_decisions\./,
    );
    expect(created).toEqual({ ok: true, result: expect.objectContaining({ errMsg: 'createCollection:ok' }) });
    expect(again).toMatchObject({ ok: false, errCode: -1, code: 'DATABASE_COLLECTION_ALREADY_EXIST' });
    expect(result(added)).toEqual({ _id: expect.stringMatching(/^[0-9a-f]{32}$/), errMsg: 'collection.add:ok' });
  });

  it('answers -502005 to every kind of call on a missing collection', async () => {
    const steps: DbStep[] = [
      { op: 'get', collection: 'none' },
      { op: 'count', collection: 'none' },
      { op: 'update', collection: 'none', where: { a: 1 }, data: { a: 2 } },
      { op: 'remove', collection: 'none', where: { a: 1 } },
      { op: 'docGet', collection: 'none', id: 'x' },
    ];

    const outcomes = await run(steps);

    expect(outcomes.map((outcome) => (outcome.ok ? 0 : outcome.errCode))).toEqual([-502005, -502005, -502005, -502005, -502005]);
  });

  it('adds one document or an array, keeping a given _id, dates and db.serverDate() at the model clock', async () => {
    // Arrange
    cloud.database.createCollection('c');

    // Act
    const [one, many, read] = await run([
      {
        op: 'add',
        collection: 'c',
        data: { _id: 'd1', at: date(1000), when: { $serverDate: {} }, later: { $serverDate: { offset: 60000 } }, n: 1.5, big: 2 ** 40 },
      },
      { op: 'add', collection: 'c', data: [{ k: 1 }, { k: 2 }] },
      { op: 'docGet', collection: 'c', id: 'd1' },
    ]);

    // Assert
    expect(result(one)).toEqual({ _id: 'd1', errMsg: 'collection.add:ok' });
    expect(result(many)._ids).toHaveLength(2);
    expect(result(read).data).toEqual({
      _id: 'd1',
      at: { $date: new Date(1000).toISOString() },
      when: { $date: new Date(clockStart).toISOString() },
      later: { $date: new Date(clockStart + 60000).toISOString() },
      n: 1.5,
      big: 2 ** 40,
    });
  });

  it('selects with where, orders by several fields, skips and limits', async () => {
    // Arrange
    cloud.database.createCollection('d');
    cloud.database.add('d', [
      { _id: 'a', appid: 'wx1', action: 'dev_agree', at: new Date(1000), by: { openid: 'o1' } },
      { _id: 'b', appid: 'wx2', action: 'dev_refuse', at: new Date(3000), by: { openid: 'o2' } },
      { _id: 'c', appid: 'wx1', action: 'dev_refuse', at: new Date(2000), by: { openid: 'o1' } },
      { _id: 'e', appid: 'wx3', action: 'dev_agree', at: new Date(2000), by: { openid: 'o3' } },
    ]);
    const ids = (outcome: DbOutcome | undefined): unknown => (result(outcome).data as Array<{ _id: string }>).map((doc) => doc._id);

    // Act
    const outcomes = await run([
      { op: 'get', collection: 'd', where: { appid: 'wx1' }, orderBy: [['at', 'desc']] },
      {
        op: 'get',
        collection: 'd',
        orderBy: [
          ['at', 'desc'],
          ['appid', 'asc'],
        ],
        skip: 1,
        limit: 2,
      },
      { op: 'get', collection: 'd', where: { by: { openid: 'o1' } } },
      { op: 'get', collection: 'd', where: { at: cmd('lt', date(2000)) } },
      { op: 'get', collection: 'd', where: { appid: cmd('in', ['wx2', 'wx3']) } },
      { op: 'get', collection: 'd', where: { appid: cmd('nin', ['wx1']), action: cmd('neq', 'dev_refuse') } },
      { op: 'get', collection: 'd', where: cmd('or', [{ appid: 'wx2' }, { _id: 'e' }]), orderBy: [['_id', 'asc']] },
      { op: 'get', collection: 'd', where: { reason: cmd('exists', false), at: cmd('lte', date(2000)) }, orderBy: [['_id', 'asc']] },
      { op: 'get', collection: 'd', where: { _id: 'a' }, field: { appid: true } },
    ]);

    // Assert
    expect(outcomes.map(ids)).toEqual([['c', 'a'], ['c', 'e'], ['a', 'c'], ['a'], ['b', 'e'], ['e'], ['b', 'e'], ['a', 'c', 'e'], ['a']]);
    expect(result(outcomes[8]).data).toEqual([{ _id: 'a', appid: 'wx1' }]);
  });

  it('counts and removes by query and by id', async () => {
    // Arrange
    cloud.database.createCollection('r');
    cloud.database.add('r', [
      { _id: '1', k: 1 },
      { _id: '2', k: 1 },
      { _id: '3', k: 2 },
    ]);

    // Act
    const [all, ones, removed, removedById, missingId, left] = await run([
      { op: 'count', collection: 'r' },
      { op: 'count', collection: 'r', where: { k: 1 } },
      { op: 'remove', collection: 'r', where: { k: 1 } },
      { op: 'docRemove', collection: 'r', id: '3' },
      { op: 'docRemove', collection: 'r', id: '3' },
      { op: 'count', collection: 'r' },
    ]);

    // Assert
    expect(result(all)).toEqual({ total: 3, errMsg: 'collection.count:ok' });
    expect(result(ones).total).toBe(2);
    expect(result(removed)).toEqual({ stats: { removed: 2 }, errMsg: 'collection.remove:ok' });
    expect(result(removedById)).toEqual({ stats: { removed: 1 }, errMsg: 'document.remove:ok' });
    expect(result(missingId).stats).toEqual({ removed: 0 });
    expect(result(left).total).toBe(0);
  });

  it('updates with operators and plain merges, and says how many documents changed', async () => {
    // Arrange
    cloud.database.createCollection('u');
    cloud.database.add('u', [
      { _id: 'x', n: 1, tags: ['a'], nested: { keep: 1, change: 1 }, gone: true },
      { _id: 'y', n: 5 },
    ]);

    // Act
    const [bulk, byId, none, read] = await run([
      { op: 'update', collection: 'u', where: { n: cmd('gte', 1) }, data: { n: cmd('inc', 1), seen: { $serverDate: {} } } },
      { op: 'docUpdate', collection: 'u', id: 'x', data: { tags: cmd('push', ['b', 'c']), nested: { change: 2 }, gone: cmd('remove') } },
      { op: 'update', collection: 'u', where: { n: cmd('gt', 100) }, data: { n: 0 } },
      { op: 'docGet', collection: 'u', id: 'x' },
    ]);

    // Assert
    expect(result(bulk)).toEqual({ stats: { updated: 2 }, errMsg: 'collection.update:ok' });
    expect(result(byId)).toEqual({ stats: { updated: 1 }, errMsg: 'document.update:ok' });
    expect(result(none).stats).toEqual({ updated: 0 });
    expect(result(read).data).toEqual({
      _id: 'x',
      n: 2,
      tags: ['a', 'b', 'c'],
      nested: { keep: 1, change: 2 },
      seen: { $date: new Date(clockStart).toISOString() },
    });
  });

  it('sets a document by id: creates it when missing, replaces it when present', async () => {
    // Arrange
    cloud.database.createCollection('s');

    // Act
    const [created, replaced, read] = await run([
      { op: 'docSet', collection: 's', id: 'lease', data: { holder: 'a', extra: 1 } },
      { op: 'docSet', collection: 's', id: 'lease', data: { holder: 'b' } },
      { op: 'docGet', collection: 's', id: 'lease' },
    ]);

    // Assert
    expect(result(created)).toEqual({ _id: 'lease', errMsg: 'document.set:ok', stats: { updated: 0, created: 1 } });
    expect(result(replaced)).toEqual({ _id: 'lease', errMsg: 'document.set:ok', stats: { updated: 1, created: 0 } });
    expect(result(read).data).toEqual({ _id: 'lease', holder: 'b' });
  });

  it('gives a lease to exactly one of two concurrent conditional updates', async () => {
    // Arrange: a lease that expired at the model's time
    cloud.database.createCollection('watcher_state');
    cloud.database.add('watcher_state', [{ _id: 'lease', lockedUntil: new Date(clockStart - 1) }]);
    const take = (holder: string): DbStep => ({
      op: 'update',
      collection: 'watcher_state',
      where: { _id: 'lease', lockedUntil: cmd('lt', date(clockStart)) },
      data: { lockedUntil: date(clockStart + 60000), holder },
    });

    // Act
    const [both] = await run([{ op: 'parallel', steps: [take('a'), take('b')] }]);

    // Assert
    const updated = (result(both) as unknown as DbOutcome[]).map((outcome) => (result(outcome).stats as { updated: number }).updated);
    expect(updated.sort()).toEqual([0, 1]);
    const [lease] = cloud.database.documents('watcher_state') ?? [];
    expect(lease?.lockedUntil).toEqual(new Date(clockStart + 60000));
  });

  it('throws for a missing document unless throwOnNotFound is false', async () => {
    cloud.database.createCollection('g');

    const [thrown] = await run([{ op: 'docGet', collection: 'g', id: 'nope' }]);
    const [quiet] = await run([{ op: 'docGet', collection: 'g', id: 'nope' }], { throwOnNotFound: false });

    expect(thrown).toMatchObject({ ok: false, errCode: -1, errMsg: 'document.get:fail document with _id nope does not exist' });
    expect(quiet).toEqual({ ok: true, result: { data: null, errMsg: 'document.get:ok' } });
  });

  it('refuses an operator it does not model as the SDK reports an invalid one (-502002)', async () => {
    cloud.database.createCollection('o');
    cloud.database.add('o', [{ k: 1 }]);

    const [outcome] = await run([{ op: 'get', collection: 'o', where: { k: cmd('elemMatch', { a: 1 }) } }]);

    expect(outcome).toMatchObject({ ok: false, errCode: -502002 });
  });

  it('shows what the SDK wrote at GET /_local/db and /_local/db/<collection>', async () => {
    // Arrange
    await run([
      { op: 'createCollection', collection: 'plugin_apply_decisions' },
      { op: 'add', collection: 'plugin_apply_decisions', data: { _id: 'one', appid: 'wx1', at: date(0) } },
    ]);

    // Act
    const list = (await (await fetch(`${cloud.url}/_local/db`)).json()) as unknown;
    const one = (await (await fetch(`${cloud.url}/_local/db/plugin_apply_decisions`)).json()) as unknown;

    // Assert
    expect(list).toEqual({ collections: [{ name: 'plugin_apply_decisions', count: 1, size: expect.any(Number) }] });
    expect(one).toEqual({ documents: [{ _id: 'one', appid: 'wx1', at: { $date: '1970-01-01T00:00:00.000Z' } }] });
  });

  it('reads the /tcb/ query text into the same query and update the SDK sends for the same call', async () => {
    // Arrange
    cloud.database.createCollection('x');
    const text =
      'db.collection("x").where({appid: "wx1", by: {openid: "o1"}, at: _.lt(new Date(5)), n: _.in([1, 2])}).update({data: {n: _.inc(1), sub: {k: 1}, gone: _.remove(), tags: _.push(["a"]), at: new Date(9)}})';

    // Act
    await run([
      {
        op: 'update',
        collection: 'x',
        where: { appid: 'wx1', by: { openid: 'o1' }, at: cmd('lt', date(5)), n: cmd('in', [1, 2]) },
        data: { n: cmd('inc', 1), sub: { k: 1 }, gone: cmd('remove'), tags: cmd('push', ['a']), at: date(9) },
      },
    ]);

    // Assert
    const sent = cloud.calls().find((call) => call.action === 'database.modifyDocument')?.request ?? {};
    const parsed = parseQueryText(text);
    expect(parsed.kind === 'update' && [parsed.query, parsed.data]).toEqual([parseEjson(String(sent.query)), parseEjson(String(sent.data))]);
  });
});
