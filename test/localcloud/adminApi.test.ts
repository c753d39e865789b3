import type { LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import { application, appids, fixtureApplications } from './applications.fixture';
import { runSdkOnce, setStatus } from './sdkHarness';

describe('admin endpoints under /_local/', () => {
  let cloud: LocalCloud;

  const request = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.headers = { 'content-type': 'application/json' };
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(`${cloud.url}${path}`, init);
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: fixtureApplications() });
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(() => cloud.reset());

  it('GET /_local/applications returns the current list', async () => {
    expect(await request('GET', '/_local/applications')).toEqual({ status: 200, json: { applications: fixtureApplications() } });
  });

  it('PUT /_local/applications replaces the list', async () => {
    const replacement = [application('wx9999000000000001', 1)];
    expect(await request('PUT', '/_local/applications', { applications: replacement })).toEqual({ status: 200, json: { applications: replacement } });
    expect(cloud.applications()).toEqual(replacement);
  });

  it.each([
    ['a body that is not JSON', '{oops', /body is not valid JSON/],
    ['a body without applications', {}, /applications must be an array/],
    ['a bad status', { applications: [{ ...application('wx9999000000000001', 1), status: 5 }] }, /applications\[0\]\.status must be 1/],
    [
      'a numeric create_time',
      { applications: [{ ...application('wx9999000000000001', 1), create_time: 1717034400 }] },
      /applications\[0\]\.create_time must be a string/,
    ],
    ['a duplicate appid', { applications: [application('wx9999000000000001', 1), application('wx9999000000000001', 2)] }, /twice/],
  ])('PUT /_local/applications answers 400 for %s and keeps the list', async (_name, body, message) => {
    const { status, json } = await request('PUT', '/_local/applications', body);
    expect(status).toBe(400);
    expect(String(json.error)).toMatch(message);
    expect(cloud.applications()).toEqual(fixtureApplications());
  });

  it("GET /_local/refusals shows each refusal with its reason; the applicant's statement stays in the list", async () => {
    const statement = cloud.applications().find((a) => a.appid === appids.pendingA)?.reason;
    await runSdkOnce(`${cloud.url}/admin`, setStatus({ action: 'dev_refuse', appid: appids.pendingA, reason: '暂不开放' }));

    const { status, json } = await request('GET', '/_local/refusals');

    expect(status).toBe(200);
    expect(json).toEqual({ refusals: [{ appid: appids.pendingA, reason: '暂不开放', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }] });
    expect(cloud.applications().find((a) => a.appid === appids.pendingA)?.reason).toBe(statement);
  });

  it('POST /_local/reset forgets the refusals', async () => {
    await runSdkOnce(`${cloud.url}/admin`, setStatus({ action: 'dev_refuse', appid: appids.pendingA, reason: '暂不开放' }));

    await request('POST', '/_local/reset');

    expect(await request('GET', '/_local/refusals')).toEqual({ status: 200, json: { refusals: [] } });
  });

  it('POST /_local/reset goes back to the seed and clears calls and faults', async () => {
    await runSdkOnce(`${cloud.url}/admin`, setStatus({ action: 'dev_agree', appid: appids.pendingA }));
    cloud.addFault({ kind: 'http500' });
    expect(await request('POST', '/_local/reset')).toEqual({ status: 200, json: { applications: fixtureApplications() } });
    expect(cloud.calls()).toEqual([]);
    expect(cloud.faults()).toEqual([]);
  });

  it('GET and DELETE /_local/calls show and forget the recorded calls', async () => {
    await runSdkOnce(`${cloud.url}/admin`, setStatus({ action: 'dev_agree', appid: appids.pendingA }));
    const { json } = await request('GET', '/_local/calls');
    expect(json.calls).toEqual([expect.objectContaining({ api: 'pluginManager.setDevPluginApplyStatus', action: 'dev_agree', errcode: 0 })]);
    expect(await request('DELETE', '/_local/calls')).toEqual({ status: 200, json: { calls: [] } });
    expect(cloud.calls()).toEqual([]);
  });

  it('POST, GET and DELETE /_local/faults manage faults, which then apply', async () => {
    // Arrange
    const posted = await request('POST', '/_local/faults', { kind: 'errcode', errcode: 45011, action: 'dev_agree', times: 2 });
    // Assert
    expect(posted).toEqual({ status: 201, json: { faults: [{ kind: 'errcode', errcode: 45011, action: 'dev_agree', times: 2, remaining: 2 }] } });
    const outcome = await runSdkOnce(`${cloud.url}/admin`, setStatus({ action: 'dev_agree', appid: appids.pendingA }));
    expect(outcome).toMatchObject({ ok: false, errCode: 45011 });
    expect((await request('GET', '/_local/faults')).json).toEqual({ faults: [expect.objectContaining({ remaining: 1 })] });
    expect(await request('DELETE', '/_local/faults')).toEqual({ status: 200, json: { faults: [] } });
  });

  it.each([
    [
      'an unknown kind',
      { kind: 'explode' },
      /fault\.kind must be one of errcode, cloudError, tcbError, http500, malformed, reset, lostAnswer, unreadableAnswer, delay, hang/,
    ],
    ['times 0', { kind: 'reset', times: 0 }, /fault\.times must be an integer >= 1/],
    ['an unknown field', { kind: 'reset', count: 2 }, /unknown fault field\(s\): count/],
    [
      'an api that matches no call',
      { kind: 'errcode', api: 'bogus.api' },
      /fault\.api "bogus\.api" matches no call: use one of pluginManager\.getPluginDevApplyList, pluginManager\.setDevPluginApplyStatus, cgi-bin\/stable_token/,
    ],
    ['an api with the openapi. prefix', { kind: 'errcode', api: 'openapi.pluginManager.setDevPluginApplyStatus' }, /matches no call/],
    [
      'an action that matches no call',
      { kind: 'errcode', action: 'dev_agreee' },
      /fault\.action "dev_agreee" matches no call: use one of dev_apply_list, dev_agree, dev_refuse, dev_delete/,
    ],
    ['an action on the token endpoint', { kind: 'errcode', api: 'cgi-bin/stable_token', action: 'dev_agree' }, /token requests have no action/],
    ['an array', [], /a fault must be a JSON object/],
  ])('POST /_local/faults answers 400 for %s', async (_name, body, message) => {
    const { status, json } = await request('POST', '/_local/faults', body);
    expect(status).toBe(400);
    expect(String(json.error)).toMatch(message);
    expect(cloud.faults()).toEqual([]);
  });

  it('answers 404 for an unknown /_local/ path and 405 for a wrong method', async () => {
    expect((await request('GET', '/_local/nothing')).status).toBe(404);
    expect((await request('PATCH', '/_local/faults')).status).toBe(405);
  });

  it('serves a page at /', async () => {
    const res = await fetch(`${cloud.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/<html|<!doctype/i);
  });

  describe('the database', () => {
    it('GET /_local/db lists the collections and GET /_local/db/<collection> shows one as relaxed EJSON', async () => {
      // Arrange
      cloud.database.createCollection('plugin_apply_decisions');
      cloud.database.add('plugin_apply_decisions', [{ _id: 'a', appid: 'wx1', at: new Date(0) }]);

      // Act
      const list = await request('GET', '/_local/db');
      const one = await request('GET', '/_local/db/plugin_apply_decisions/');

      // Assert
      expect(list).toEqual({ status: 200, json: { collections: [{ name: 'plugin_apply_decisions', count: 1, size: 67 }] } });
      expect(one).toEqual({ status: 200, json: { documents: [{ _id: 'a', appid: 'wx1', at: { $date: '1970-01-01T00:00:00.000Z' } }] } });
    });

    it('PUT /_local/db/<collection> creates or replaces a collection, reading EJSON dates', async () => {
      cloud.database.createCollection('c');
      cloud.database.add('c', [{ _id: 'old' }]);

      const put = await request('PUT', '/_local/db/c', { documents: [{ _id: 'new', at: { $date: 5 } }, { k: 1 }] });

      expect(put.status).toBe(200);
      expect(cloud.database.documents('c')).toEqual([
        { _id: 'new', at: new Date(5) },
        { _id: expect.any(String), k: 1 },
      ]);
    });

    it.each([
      ['no documents array', { docs: [] }, /body must be \{"documents"/],
      ['a document that is not an object', { documents: [1] }, /each document to add must be an object/],
      ['a bad EJSON date', { documents: [{ at: { $date: 'soon' } }] }, /not a valid date/],
    ])('PUT /_local/db/<collection> answers 400 for %s and leaves no collection behind', async (_name, body, message) => {
      const { status, json } = await request('PUT', '/_local/db/bad', body);

      expect(status).toBe(400);
      expect(String(json.error)).toMatch(message);
      expect(cloud.database.documents('bad')).toBeNull();
    });

    it('DELETE /_local/db/<collection> drops one; DELETE /_local/db drops them all; a missing one is 404', async () => {
      cloud.database.createCollection('one');
      cloud.database.createCollection('two');

      expect(await request('DELETE', '/_local/db/one')).toEqual({ status: 200, json: { documents: [] } });
      expect((await request('GET', '/_local/db/one')).status).toBe(404);
      expect((await request('DELETE', '/_local/db/one')).status).toBe(404);
      expect((await request('POST', '/_local/db/two')).status).toBe(405);
      expect(await request('DELETE', '/_local/db')).toEqual({ status: 200, json: { collections: [] } });
      expect(cloud.database.collections()).toEqual([]);
    });

    it('POST /_local/reset empties the database too', async () => {
      cloud.database.createCollection('c');

      await request('POST', '/_local/reset');

      expect(cloud.database.collections()).toEqual([]);
    });
  });
});
