import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';

// The SDK's database wire spoken by hand, for what the SDK would never send on its own.

describe('POST /admin with a JSON body (the database wire)', () => {
  let cloud: LocalCloud;
  const send = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${cloud.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: [] });
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(() => cloud.reset([]));

  it.each([
    [
      'a transaction',
      { action: 'database.startTransaction' },
      'INVALID_ACTION',
      /does not model database\.startTransaction .*database\.insertDocument, database\.getDocument/,
    ],
    ['an openapi action as JSON', { action: 'wx.openApi' }, 'INVALID_ACTION', /got action "wx\.openApi"$/],
    ['text that is not JSON', 'action=database.getDocument', 'INVALID_ACTION', /got a body without an action$/],
    [
      'data that is not EJSON strings',
      { action: 'database.insertDocument', collectionName: 'c', data: [{ a: 1 }] },
      'INVALID_PARAM',
      /data must be an array of EJSON strings/,
    ],
    ['no collection name', { action: 'database.calculateDocument' }, 'INVALID_PARAM', /collectionName is missing/],
    ['a query that is not EJSON', { action: 'database.calculateDocument', collectionName: 'c', query: '{' }, 'INVALID_PARAM', /not JSON/],
    [
      'a query that is not a string',
      { action: 'database.calculateDocument', collectionName: 'c', query: {} },
      'INVALID_PARAM',
      /query must be a string of EJSON/,
    ],
    [
      'a query that is not an object',
      { action: 'database.calculateDocument', collectionName: 'c', query: '[1]' },
      'INVALID_PARAM',
      /query must be an EJSON object/,
    ],
    ['a negative offset', { action: 'database.getDocument', collectionName: 'c', offset: -1 }, 'INVALID_PARAM', /offset must be a whole number/],
    [
      'an order of 2',
      { action: 'database.getDocument', collectionName: 'c', order: '{"at":2}' },
      'DATABASE_INVALID_OPERRATOR',
      /order of "at" must be 1 or -1/,
    ],
  ])('answers %s with the cloud error %s', async (_name, body, code, message) => {
    cloud.database.createCollection('c');

    const answer = await send('/admin', body);

    expect(answer.code).toBe(code);
    expect(answer.message).toMatch(message);
  });

  it('records a call from a hosted function under its name, without the empty token fields', async () => {
    cloud.database.createCollection('c');

    await send('/admin/setPluginApplyStatus', { action: 'database.calculateDocument', collectionName: 'c', envName: 'local', wxCloudApiToken: '' });

    expect(cloud.calls()).toEqual([
      expect.objectContaining({
        transport: 'cloud',
        api: 'database',
        action: 'database.calculateDocument',
        functionName: 'setPluginApplyStatus',
        request: { action: 'database.calculateDocument', collectionName: 'c' },
        errcode: 0,
      }),
    ]);
  });

  it('caps a query at 1,000 documents and sorts mixed types in the database order', async () => {
    cloud.database.createCollection('c');
    cloud.database.add(
      'c',
      Array.from({ length: 1001 }, (_, i) => ({ i })),
    );
    cloud.database.createCollection('mixed');
    cloud.database.add('mixed', [
      { _id: 'date', v: new Date(0) },
      { _id: 'bool', v: true },
      { _id: 'array', v: [1] },
      { _id: 'object', v: { a: 1 } },
      { _id: 'string', v: 's' },
      { _id: 'number', v: 1 },
      { _id: 'none' },
    ]);

    const capped = await send('/admin', { action: 'database.getDocument', collectionName: 'c', queryType: 'WHERE', limit: 5000 });
    const sorted = await send('/admin', { action: 'database.getDocument', collectionName: 'mixed', queryType: 'WHERE', order: '{"v":{"$numberInt":"1"}}' });

    expect((capped.data as { list: unknown[] }).list).toHaveLength(1000);
    expect((sorted.data as { list: string[] }).list.map((item) => (JSON.parse(item) as { _id: string })._id)).toEqual([
      'none',
      'number',
      'string',
      'object',
      'array',
      'bool',
      'date',
    ]);
  });

  it('keeps the database across a restart when started with a databaseFile (LOCALCLOUD_DB)', async () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'localdb-'));
    const databaseFile = join(dir, 'db.json');
    const first = await startLocalCloud({ port: 0, applications: [], databaseFile });
    first.database.createCollection('plugin_apply_decisions');
    await fetch(`${first.url}/admin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        action: 'database.insertDocument',
        collectionName: 'plugin_apply_decisions',
        data: ['{"_id":"kept","at":{"$date":{"$numberLong":"0"}}}'],
      }),
    });
    await first.close();

    // Act
    const second = await startLocalCloud({ port: 0, applications: [], databaseFile });
    const documents = second.database.documents('plugin_apply_decisions');
    await second.close();
    rmSync(dir, { recursive: true, force: true });

    // Assert
    expect(documents).toEqual([{ _id: 'kept', at: new Date(0) }]);
  });
});
