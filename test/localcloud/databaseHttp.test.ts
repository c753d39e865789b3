import type { LocalCloud } from '../../localcloud/server';
import { localAccount, startLocalCloud } from '../../localcloud/server';

// WeChat's database HTTP API as the CLI will call it: plain fetch, a token from stable_token, the query as text.

describe('POST /tcb/database* (the database HTTP API)', () => {
  let cloud: LocalCloud;
  let token = '';
  const clock = Date.UTC(2026, 5, 1);

  const post = async (endpoint: string, body: unknown, accessToken: string | null = token): Promise<Record<string, unknown>> => {
    const query = accessToken === null ? '' : `?access_token=${encodeURIComponent(accessToken)}`;
    const res = await fetch(`${cloud.url}/tcb/${endpoint}${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const run = (endpoint: string, query: string): Promise<Record<string, unknown>> => post(endpoint, { env: 'local', query });

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: [], now: () => clock });
    const res = await fetch(`${cloud.url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credential', appid: localAccount.appid, secret: localAccount.secret }),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(() => cloud.reset([]));

  it('creates a collection, adds, queries with a pager, counts, updates and deletes', async () => {
    // Arrange
    expect(await post('databasecollectionadd', { env: 'local', collection_name: 'plugin_apply_decisions' })).toEqual({ errcode: 0, errmsg: 'ok' });

    // Act
    const added = await run(
      'databaseadd',
      'db.collection("plugin_apply_decisions").add({data: [{_id: "d1", appid: "wx1", at: new Date(1000)}, {_id: "d2", appid: "wx1", at: new Date("1970-01-01T00:00:03Z")}, {_id: "d3", appid: "wx2", at: db.serverDate()}]})',
    );
    const page = await run('databasequery', 'db.collection("plugin_apply_decisions").where({appid: "wx1"}).orderBy("at", "desc").skip(0).limit(1).get()');
    const counted = await run('databasecount', 'db.collection("plugin_apply_decisions").where({at: _.lt(new Date(5000))}).count()');
    const updated = await run('databaseupdate', 'db.collection("plugin_apply_decisions").where({appid: "wx1"}).update({data: {seen: _.inc(1), note: "x"}})');
    const deleted = await run('databasedelete', 'db.collection("plugin_apply_decisions").where({appid: _.in(["wx2"])}).remove()');
    const listed = await post('databasecollectionget', { env: 'local' });

    // Assert
    expect(added).toEqual({ errcode: 0, errmsg: 'ok', id_list: ['d1', 'd2', 'd3'] });
    expect(page).toEqual({
      errcode: 0,
      errmsg: 'ok',
      pager: { Offset: 0, Limit: 1, Total: 2 },
      data: ['{"_id":"d2","appid":"wx1","at":{"$date":"1970-01-01T00:00:03.000Z"}}'],
    });
    expect(counted).toEqual({ errcode: 0, errmsg: 'ok', count: 2 });
    expect(updated).toEqual({ errcode: 0, errmsg: 'ok', matched: 2, modified: 2, id: '' });
    expect(deleted).toEqual({ errcode: 0, errmsg: 'ok', deleted: 1 });
    expect(listed).toEqual({
      errcode: 0,
      errmsg: 'ok',
      collections: [{ name: 'plugin_apply_decisions', count: 2, size: expect.any(Number), index_count: 1, index_size: 0 }],
      pager: { Offset: 0, Limit: 10, Total: 1 },
    });
    expect(cloud.database.documents('plugin_apply_decisions')).toEqual([
      { _id: 'd1', appid: 'wx1', at: new Date(1000), seen: 1, note: 'x' },
      { _id: 'd2', appid: 'wx1', at: new Date(3000), seen: 1, note: 'x' },
    ]);
  });

  it('queries 10 records when the query sets no limit, and sets a document by id', async () => {
    cloud.database.createCollection('many');
    cloud.database.add(
      'many',
      Array.from({ length: 12 }, (_, i) => ({ i })),
    );

    const page = await run('databasequery', "db.collection('many').get()");
    const set = await run('databaseupdate', 'db.collection("many").doc("lease").set({data: {holder: "cli", at: db.serverDate({offset: 1000})}})');

    expect(page.pager).toEqual({ Offset: 0, Limit: 10, Total: 12 });
    expect(page.data).toHaveLength(10);
    expect(set).toEqual({ errcode: 0, errmsg: 'ok', matched: 0, modified: 0, id: 'lease' });
    expect(cloud.database.find('many', { query: { _id: 'lease' } }).documents).toEqual([{ _id: 'lease', holder: 'cli', at: new Date(clock + 1000) }]);
  });

  it.each([
    ['a missing token', 41001, null],
    ['an unknown token', 40001, 'LOCAL_nope'],
  ])('refuses %s with errcode %i', async (_name, errcode, accessToken) => {
    const answer = await post('databasecount', { env: 'local', query: 'db.collection("c").count()' }, accessToken);

    expect(answer).toMatchObject({ errcode });
    expect(cloud.calls().at(-1)).toMatchObject({ transport: 'https', api: 'database', action: 'database.calculateDocument', errcode });
  });

  it.each([
    ['no env', 40101, { query: 'db.collection("c").count()' }, /env \(the cloud environment id\) is missing/],
    ['another env', -501005, { env: 'prod-1', query: 'db.collection("c").count()' }, /env "prod-1" is not this account's environment/],
    ['no query', 40101, { env: 'local' }, /query must be a string/],
    [
      'code outside the subset',
      40097,
      { env: 'local', query: 'db.collection("c").count(); require("fs")' },
      /^invalid args: query: nothing may follow \.count\(\)/,
    ],
    ['a query for another endpoint', 40097, { env: 'local', query: 'db.collection("c").get()' }, /runs a query ending in \.count\(\), not \.get\(\)/],
    [
      'a missing collection',
      -502005,
      { env: 'local', query: 'db.collection("none").count()' },
      /^DATABASE_COLLECTION_NOT_EXIST: \[ResourceNotFound\] Db or Table not exist: none\./,
    ],
  ] as Array<[string, number, Record<string, unknown>, RegExp]>)('answers %s with errcode %i', async (_name, errcode, body, errmsg) => {
    const answer = await post('databasecount', body);

    expect(answer.errcode).toBe(errcode);
    expect(answer.errmsg).toMatch(errmsg);
  });

  it('answers a body that is not JSON with 47001', async () => {
    const res = await fetch(`${cloud.url}/tcb/databasequery?access_token=${token}`, { method: 'POST', body: 'db.collection("c").get()' });

    expect(await res.json()).toMatchObject({ errcode: 47001 });
  });

  it('answers an unknown /tcb/database endpoint with 404, naming the ones there are', async () => {
    const res = await fetch(`${cloud.url}/tcb/databasemigrateimport?access_token=${token}`, { method: 'POST', body: '{}' });

    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/\/tcb\/databaseadd, \/tcb\/databasequery/);
  });

  it.each([
    [{ kind: 'errcode', api: 'database', errcode: 45011 }, { errcode: 45011 }],
    [
      { kind: 'tcbError', api: 'database', code: 'DATABASE_REQUEST_FAILED', message: 'busy' },
      { errcode: -502001, errmsg: 'DATABASE_REQUEST_FAILED: busy' },
    ],
  ] as const)('plays a fault on the HTTP API (%j)', async (fault, answer) => {
    cloud.addFault(fault);

    expect(await run('databasecount', 'db.collection("c").count()')).toMatchObject(answer);
  });

  it('applies a write whose answer is lost', async () => {
    cloud.database.createCollection('c');
    cloud.addFault({ kind: 'lostAnswer', api: 'database', action: 'database.insertDocument' });

    await expect(run('databaseadd', 'db.collection("c").add({data: {_id: "k"}})')).rejects.toThrow();
    expect(cloud.database.documents('c')).toEqual([{ _id: 'k' }]);
  });
});
