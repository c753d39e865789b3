import type { LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import { appids, fixtureApplications } from './applications.fixture';

const appid = 'wx1234567890abcdef';
const secret = '0123456789abcdef0123456789abcdef';

describe('HTTPS API: /cgi-bin/stable_token and /wxa/devplugin', () => {
  let cloud: LocalCloud;

  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${cloud.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const stableToken = (extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
    post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid, secret, ...extra });
  const tokenOf = async (extra: Record<string, unknown> = {}): Promise<string> => String((await stableToken(extra)).access_token);
  const devplugin = (token: string | null, body: unknown): Promise<Record<string, unknown>> =>
    post(token === null ? '/wxa/devplugin' : `/wxa/devplugin?access_token=${encodeURIComponent(token)}`, body);

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: fixtureApplications(), appid, secret, tokenTtlSeconds: 1 });
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(() => cloud.reset());

  describe('stable_token', () => {
    it('issues a token with expires_in for the right appid and secret, the same one until it expires', async () => {
      const first = await stableToken();
      expect(first).toEqual({ access_token: expect.stringMatching(/^LOCAL_/), expires_in: 1 });
      expect(await tokenOf()).toBe(first.access_token);
    });

    it.each(
      (
        [
          ['a wrong appid', { appid: 'wx0000000000000000' }, 40013],
          ['a wrong secret', { secret: 'nope' }, 40125],
          ['a missing appid', { appid: undefined }, 41002],
          ['a missing secret', { secret: undefined }, 41004],
          ['a wrong grant_type', { grant_type: 'password' }, 40002],
        ] as Array<[string, Record<string, unknown>, number]>
      ).map(([name, extra, errcode]) => [name, errcode, extra] as const),
    )('refuses %s with %i', async (_name, errcode, extra) => {
      expect(await stableToken(extra)).toEqual({ errcode, errmsg: expect.stringContaining('rid: ') });
    });

    it('issues a new token on force_refresh and keeps the old one working for the overlap', async () => {
      const old = await tokenOf();
      const fresh = await tokenOf({ force_refresh: true });
      expect(fresh).not.toBe(old);
      expect(await devplugin(old, { action: 'dev_apply_list', page: 1, num: 1 })).toMatchObject({ errcode: 0 });
      expect(await devplugin(fresh, { action: 'dev_apply_list', page: 1, num: 1 })).toMatchObject({ errcode: 0 });
    });
  });

  describe('token checks on /wxa/devplugin', () => {
    it.each(
      (
        [
          ['missing', null, 41001],
          ['empty', '', 41001],
          ['unknown', 'LOCAL_not-a-token', 40001],
        ] as Array<[string, string | null, number]>
      ).map(([name, token, errcode]) => [name, errcode, token] as const),
    )('answers a %s access_token with %i', async (_name, errcode, token) => {
      expect(await devplugin(token, { action: 'dev_apply_list', page: 1, num: 1 })).toMatchObject({ errcode });
    });

    it('answers an expired token with 42001, and a fresh token works again', async () => {
      const token = await tokenOf({ force_refresh: true });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await devplugin(token, { action: 'dev_apply_list', page: 1, num: 1 })).toMatchObject({
        errcode: 42001,
        errmsg: expect.stringMatching(/^access_token expired/),
      });
      const fresh = await tokenOf();
      expect(fresh).not.toBe(token);
      expect(await devplugin(fresh, { action: 'dev_apply_list', page: 1, num: 1 })).toMatchObject({ errcode: 0 });
    });
  });

  describe('actions', () => {
    it('lists in snake_case, pages 1-based, and applies every transition', async () => {
      const token = await tokenOf({ force_refresh: true });
      const page = await devplugin(token, { action: 'dev_apply_list', page: 2, num: 2 });
      expect(page).toEqual({ errcode: 0, errmsg: 'ok', apply_list: fixtureApplications().slice(2, 4) });
      expect(await devplugin(token, { action: 'dev_agree', appid: appids.pendingA })).toEqual({ errcode: 0, errmsg: 'ok' });
      expect(await devplugin(token, { action: 'dev_refuse', appid: appids.pendingB, reason: '不符' })).toEqual({ errcode: 0, errmsg: 'ok' });
      expect(await devplugin(token, { action: 'dev_delete', appid: appids.pendingB })).toEqual({ errcode: 0, errmsg: 'ok' });
      expect(cloud.applications().map((a) => [a.appid, a.status])).toEqual([
        [appids.pendingA, 2],
        [appids.approved, 2],
        [appids.refused, 3],
        [appids.timedOut, 4],
      ]);
    });

    it.each(
      (
        [
          ['agree of an approved one', { action: 'dev_agree', appid: appids.approved }, 89240],
          ['delete of an approved one', { action: 'dev_delete', appid: appids.approved }, 89241],
          ['agree of an unknown appid', { action: 'dev_agree', appid: appids.unknown }, 89242],
          ['delete of a pending one', { action: 'dev_delete', appid: appids.pendingA }, 89243],
          ['an unknown action', { action: 'dev_nothing' }, 40097],
          ['a list with page 0', { action: 'dev_apply_list', page: 0, num: 10 }, 40097],
          ['a body that is not a JSON object', '[1,2]', 47001],
          ['a body that is not JSON', 'action=dev_agree', 47001],
        ] as Array<[string, unknown, number]>
      ).map(([name, body, errcode]) => [name, errcode, body] as const),
    )('answers %s with %i', async (_name, errcode, body) => {
      const token = await tokenOf({ force_refresh: true });
      expect(await devplugin(token, body)).toMatchObject({ errcode, errmsg: expect.stringContaining('rid: ') });
    });

    it('records HTTPS calls under the API name of their action, with the secret redacted', async () => {
      const token = await tokenOf({ force_refresh: true });
      await devplugin(token, { action: 'dev_agree', appid: appids.pendingA });
      expect(cloud.calls()).toEqual([
        expect.objectContaining({
          transport: 'https',
          api: 'cgi-bin/stable_token',
          request: { grant_type: 'client_credential', appid, secret: '***', force_refresh: true },
          errcode: 0,
        }),
        expect.objectContaining({ transport: 'https', api: 'pluginManager.setDevPluginApplyStatus', action: 'dev_agree', functionName: null, errcode: 0 }),
      ]);
    });
  });
});
