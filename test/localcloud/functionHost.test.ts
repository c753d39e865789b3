import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalCloud } from '../../localcloud/server';
import { FunctionCallError, startLocalCloud } from '../../localcloud/server';
import { appids, fixtureApplications } from './applications.fixture';

const sdkPath = require.resolve('wx-server-sdk');
const allApis = ['pluginManager.setDevPluginApplyStatus', 'pluginManager.getPluginDevApplyList'];

/** Tiny cloud functions, built in a temp folder: name → [index.js source, openapi permissions or null for no config.json]. */
const functions: Record<string, [string, string[] | null]> = {
  whoami: [
    `const cloud = require(${JSON.stringify(sdkPath)});
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
globalThis.invocations = (globalThis.invocations || 0) + 1;
exports.main = async (event, context) => {
  const list = await cloud.openapi.pluginManager.getPluginDevApplyList({ action: 'dev_apply_list', page: 1, num: 1 });
  return { wxContext: cloud.getWXContext(), event, context, admins: process.env.PLUGIN_ADMIN_OPENIDS || null,
    extra: process.env.EXTRA || null, leaked: process.env.JEST_WORKER_ID || null, invocations: globalThis.invocations,
    firstAppid: list.applyList[0].appid };
};`,
    allApis,
  ],
  agree: [
    `const cloud = require(${JSON.stringify(sdkPath)});
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
exports.main = async (event) => {
  try {
    return await cloud.openapi.pluginManager.setDevPluginApplyStatus({ action: 'dev_agree', appid: event.appid });
  } catch (e) {
    return { errCode: e.errCode, errMsg: e.errMsg };
  }
};`,
    ['pluginManager.getPluginDevApplyList'],
  ],
  noconfig: [
    `const cloud = require(${JSON.stringify(sdkPath)});
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
exports.main = async () => {
  try { return await cloud.openapi.pluginManager.getPluginDevApplyList({ action: 'dev_apply_list', page: 1, num: 1 }); }
  catch (e) { return { errCode: e.errCode, errMsg: e.errMsg }; }
};`,
    null,
  ],
  thrower: [`exports.main = async () => { throw new TypeError('boom'); };`, []],
  crasher: [`exports.main = () => new Promise(() => { setTimeout(() => process.exit(3), 10); });`, []],
  hanger: [`exports.main = () => new Promise(() => { setInterval(() => {}, 1000); });`, []],
  // Admits every mini-program but two: one it refuses, and one it answers without an errCode.
  cloudbase_auth: [
    `const cloud = require(${JSON.stringify(sdkPath)});
exports.main = async (event) => {
  const { FROM_APPID, FROM_OPENID } = cloud.getWXContext();
  console.log(JSON.stringify({ authEvent: event, FROM_APPID, FROM_OPENID }));
  if (FROM_APPID === 'wx000000000000dead') return { errCode: 7, errMsg: 'not this one' };
  if (FROM_APPID === 'wx00000000000empty') return { errMsg: 'no code' };
  return { errCode: 0, errMsg: '', auth: '{}' };
};`,
    [],
  ],
  napper: [`exports.main = () => new Promise((resolve) => { setTimeout(() => resolve({ napped: process.pid }), 500); });`, []],
};

describe('function host concurrency', () => {
  let cloud: LocalCloud;
  let functionsDir: string;
  const slow = { context: { time_limit_in_ms: 20_000 } };

  beforeAll(async () => {
    functionsDir = mkdtempSync(join(tmpdir(), 'localcloud-fns-'));
    const [source] = functions.napper ?? [''];
    mkdirSync(join(functionsDir, 'napper'));
    writeFileSync(join(functionsDir, 'napper', 'index.js'), source);
  });
  afterAll(() => {
    rmSync(functionsDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await cloud.close();
  });

  it('runs at most 10 function processes at once by default and answers the rest -501004 at once', async () => {
    cloud = await startLocalCloud({ port: 0, applications: fixtureApplications(), functionsDir });

    const outcomes = await Promise.allSettled(Array.from({ length: 14 }, () => cloud.invoke('napper', {}, slow)));

    const ran = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as FunctionCallError] : []));
    // Every refusal is the cap's: a call that failed any other way (a slow fork on a loaded machine) names itself here.
    expect(refused.map((error) => error.errMsg).filter((errMsg) => !errMsg.includes('-501004'))).toEqual([]);
    expect(ran).toHaveLength(10);
    expect(refused).toHaveLength(4);
    for (const error of refused) {
      expect(error).toBeInstanceOf(FunctionCallError);
      expect(error).toMatchObject({
        errCode: -501004,
        status: 429,
        errMsg: expect.stringMatching(/^cloud\.callFunction:fail -501004 exceed concurrent request limit\. 10 function invocations/),
      });
    }
  });

  it('answers POST /functions/<name> past the cap with 429 and -501004, and runs calls again once one ends', async () => {
    cloud = await startLocalCloud({ port: 0, applications: fixtureApplications(), functionsDir, maxConcurrentFunctions: 1 });
    const first = cloud.invoke('napper', {}, slow);

    const res = await fetch(`${cloud.url}/functions/napper`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data":{}}' });

    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ errCode: -501004, errMsg: expect.stringContaining('exceed concurrent request limit') });
    await first;
    // The slot is free once the first process has exited, a moment after it answered.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(cloud.invoke('napper', {}, slow)).resolves.toMatchObject({ napped: expect.any(Number) });
  });

  it('answers a body nested thousands deep with 400 naming the limit, and still runs the next call on a single slot', async () => {
    cloud = await startLocalCloud({ port: 0, applications: fixtureApplications(), functionsDir, maxConcurrentFunctions: 1 });
    const depth = 4500;
    const body = `{"data":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;

    const res = await fetch(`${cloud.url}/functions/napper`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/4502 deep; at most 64 levels/) });
    await expect(cloud.invoke('napper', {}, slow)).resolves.toMatchObject({ napped: expect.any(Number) });
  });

  it('refuses an event IPC cannot pass to the function with a 400 error, and frees the slot at once', async () => {
    cloud = await startLocalCloud({ port: 0, applications: fixtureApplications(), functionsDir, maxConcurrentFunctions: 1 });
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i += 1) deep = [deep];

    const thrown = await cloud.invoke('napper', { x: deep }, slow).then(
      () => null,
      (error: unknown) => error,
    );

    expect(thrown).toBeInstanceOf(FunctionCallError);
    expect(thrown).toMatchObject({ status: 400, errMsg: expect.stringContaining('the event could not be passed to the function') });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(cloud.invoke('napper', {}, slow)).resolves.toMatchObject({ napped: expect.any(Number) });
  });
});

describe('function host', () => {
  let cloud: LocalCloud;
  let functionsDir: string;

  beforeAll(async () => {
    functionsDir = mkdtempSync(join(tmpdir(), 'localcloud-fns-'));
    for (const [name, [source, openapi]] of Object.entries(functions)) {
      mkdirSync(join(functionsDir, name));
      writeFileSync(join(functionsDir, name, 'index.js'), source);
      if (openapi !== null) writeFileSync(join(functionsDir, name, 'config.json'), JSON.stringify({ permissions: { openapi } }));
    }
    mkdirSync(join(functionsDir, 'unbuilt'));
    cloud = await startLocalCloud({
      port: 0,
      applications: fixtureApplications(),
      functionsDir,
      functionEnv: { PLUGIN_ADMIN_OPENIDS: 'o_admin' },
      defaultOpenid: 'o_admin',
      appid: 'wx1234567890abcdef',
    });
  });
  afterAll(async () => {
    await cloud.close();
    rmSync(functionsDir, { recursive: true, force: true });
  });
  beforeEach(() => cloud.reset());

  describe('invoke()', () => {
    it('runs the function with the platform identity, userInfo, SCF context and its own config, and attributes its calls', async () => {
      // Act
      const result = (await cloud.invoke('whoami', { action: 'x' }, { openid: 'o_user', env: { EXTRA: 'yes' } })) as Record<string, unknown>;
      // Assert
      expect(result.wxContext).toEqual({
        OPENID: 'o_user',
        APPID: 'wx1234567890abcdef',
        CLIENTIP: '127.0.0.1',
        ENV: 'local',
        SOURCE: 'wx_client',
      });
      expect(result.event).toEqual({ action: 'x', userInfo: { appId: 'wx1234567890abcdef', openId: 'o_user' } });
      expect(result.context).toMatchObject({ request_id: expect.any(String), function_name: 'whoami', time_limit_in_ms: 3000, memory_limit_in_mb: 256 });
      expect(result).toMatchObject({ admins: 'o_admin', extra: 'yes', leaked: null, firstAppid: appids.pendingA });
      expect(cloud.calls()).toEqual([expect.objectContaining({ functionName: 'whoami', api: 'pluginManager.getPluginDevApplyList', errcode: 0 })]);
    });

    it('uses the default caller when none is given, and none at all for openid null (like an HTTP trigger)', async () => {
      const byDefault = (await cloud.invoke('whoami', {})) as { wxContext: Record<string, unknown> };
      expect(byDefault.wxContext.OPENID).toBe('o_admin');
      const anonymous = (await cloud.invoke('whoami', {}, { openid: null })) as { wxContext: Record<string, unknown>; event: Record<string, unknown> };
      expect(anonymous.wxContext.OPENID).toBeUndefined();
      expect(anonymous.wxContext.SOURCE).toBe('wx_http');
      expect(anonymous.event).toEqual({});
    });

    it('starts every invocation in a fresh process, so module state does not carry over', async () => {
      const first = (await cloud.invoke('whoami', {})) as { invocations: number };
      const second = (await cloud.invoke('whoami', {})) as { invocations: number };
      expect([first.invocations, second.invocations]).toEqual([1, 1]);
    });

    it('answers -604101 to a function whose config.json does not list the API', async () => {
      const result = await cloud.invoke('agree', { appid: appids.pendingA });
      expect(result).toEqual({ errCode: -604101, errMsg: 'system error: error code: -604101' });
      expect(cloud.calls()).toEqual([expect.objectContaining({ functionName: 'agree', cloudErrorCode: -604101, errcode: null })]);
      expect(cloud.applications()).toEqual(fixtureApplications());
    });

    it('answers -604101 to a function without config.json', async () => {
      expect(await cloud.invoke('noconfig', {})).toEqual({ errCode: -604101, errMsg: 'system error: error code: -604101' });
    });

    it.each([
      ['throws', 'thrower', {}, /^cloud\.callFunction:fail -504002 functions execute fail\. requestID [\w-]+, TypeError: boom$/, 500],
      ['exits', 'crasher', {}, /-504002 functions execute fail\. .*process exited \(code 3\) before returning$/, 500],
      [
        'runs past its time limit',
        'hanger',
        { time_limit_in_ms: 300 },
        /-504002 functions execute fail\. .*Invoking task timed out after 0\.300 seconds$/,
        504,
      ],
    ])('rejects like callFunction when the function %s', async (_name, fn, context, errMsg, status) => {
      const failure = cloud.invoke(fn, {}, { context });
      await expect(failure).rejects.toBeInstanceOf(FunctionCallError);
      await expect(failure).rejects.toMatchObject({ errCode: -504002, errMsg: expect.stringMatching(errMsg), status });
    });
  });

  describe('invoke() from another mini-program (environment sharing)', () => {
    const from = { appid: 'wx1a2b3c4d5e6f7089', openid: 'o_app_user' };

    it('runs cloudbase_auth with the caller, then the function with FROM_APPID / FROM_OPENID and no OPENID', async () => {
      const output: string[] = [];
      const logged = await startLocalCloud({ port: 0, functionsDir, applications: fixtureApplications(), log: (line) => output.push(line) });
      try {
        const result = (await logged.invoke('whoami', { a: 1 }, { from })) as Record<string, unknown>;

        expect(result.wxContext).toEqual({ FROM_APPID: from.appid, FROM_OPENID: from.openid, CLIENTIP: '127.0.0.1', ENV: 'local', SOURCE: 'wx_client' });
        expect(result.event).toEqual({ a: 1, userInfo: { appId: from.appid, openId: from.openid } });
        const authLine = output.find((line) => line.startsWith('[cloudbase_auth]')) ?? '';
        expect(JSON.parse(authLine.slice(authLine.indexOf('{')))).toEqual({ authEvent: {}, FROM_APPID: from.appid, FROM_OPENID: from.openid });
      } finally {
        await logged.close();
      }
    });

    it('sets OPENID as well only when the call names one', async () => {
      const result = (await cloud.invoke('whoami', {}, { from, openid: 'o_also' })) as { wxContext: Record<string, unknown> };

      expect(result.wxContext).toMatchObject({ FROM_APPID: from.appid, FROM_OPENID: from.openid, OPENID: 'o_also' });
    });

    it.each([
      [
        'refuses (non-zero errCode)',
        'wx000000000000dead',
        -601017,
        'cloud.callFunction:fail -601017 access denied (cloudbase_auth returns non-zero errCode): not this one',
      ],
      [
        'answers without an errCode',
        'wx00000000000empty',
        -601015,
        'cloud.callFunction:fail -601015 access denied (cloudfunction cloudbase_auth returns empty errCode)',
      ],
    ])('rejects the call when cloudbase_auth %s, and never runs the function', async (_, appid, errCode, errMsg) => {
      const call = cloud.invoke('whoami', {}, { from: { appid, openid: 'o_x' } });

      await expect(call).rejects.toMatchObject({ errCode, errMsg, status: 403 });
      expect(cloud.calls()).toEqual([]);
    });
  });

  describe('POST /functions/<name>', () => {
    const call = async (name: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const res = await fetch(`${cloud.url}/functions/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };

    it('answers {result} with the caller given in the body', async () => {
      const { status, json } = await call('whoami', { data: { a: 1 }, openid: 'o_http' });
      expect(status).toBe(200);
      expect(json.result).toMatchObject({ wxContext: { OPENID: 'o_http' }, event: { a: 1, userInfo: { openId: 'o_http' } } });
    });

    it('answers a failure shaped like callFunction, and the server keeps serving', async () => {
      const { status, json } = await call('thrower', { data: {} });
      expect(status).toBe(500);
      expect(json).toEqual({ errCode: -504002, errMsg: expect.stringContaining('TypeError: boom') });
      expect((await call('whoami', { data: {} })).status).toBe(200);
    });

    it.each([
      ['a missing function', 'nosuch'],
      ['an unbuilt function', 'unbuilt'],
    ])('answers 404 for %s, saying to run npm run build', async (_name, fn) => {
      const { status, json } = await call(fn, { data: {} });
      expect(status).toBe(404);
      expect(json).toEqual({ errCode: -501000, errMsg: expect.stringContaining('npm run build') });
    });

    it('runs a cross-account call given "from", and answers a refusal by cloudbase_auth with its errCode', async () => {
      const admitted = await call('whoami', { data: {}, from: { appid: 'wx1a2b3c4d5e6f7089', openid: 'o_app_user' } });
      const refused = await call('whoami', { data: {}, from: { appid: 'wx000000000000dead', openid: 'o_app_user' } });

      expect(admitted.status).toBe(200);
      expect(admitted.json.result).toMatchObject({ wxContext: { FROM_APPID: 'wx1a2b3c4d5e6f7089', FROM_OPENID: 'o_app_user' } });
      expect(refused).toEqual({ status: 403, json: { errCode: -601017, errMsg: expect.stringContaining('not this one') } });
    });

    it.each([
      ['not an object', 'wx1a2b3c4d5e6f7089'],
      ['without an openid', { appid: 'wx1a2b3c4d5e6f7089' }],
      ['with an empty appid', { appid: '', openid: 'o' }],
    ])('answers 400 for a "from" %s', async (_, from) => {
      const { status, json } = await call('whoami', { data: {}, from });

      expect(status).toBe(400);
      expect(json.error).toMatch(/from must be \{"appid": "wx…", "openid": "o…"\}/);
    });

    it.each([
      [{ dat: { action: 'dev_agree' } }, /unknown key "dat": the body is \{"data": \{…the event…\}, "openid": .*the event goes inside "data"/],
      [{ data: {}, openID: 'o_x', extra: 1 }, /unknown keys "openID", "extra"/],
      [{ data: [1, 2] }, /data must be a JSON object \(the event the function receives\)/],
    ])('refuses a body with a misspelled or unknown top-level key by name, without running the function (%j)', async (body, message) => {
      const { status, json } = await call('whoami', body);

      expect(status).toBe(400);
      expect(String(json.error)).toMatch(message);
      expect(cloud.calls()).toEqual([]);
    });

    it('accepts the from key of a cross-account caller', async () => {
      const { status } = await call('whoami', { data: {}, from: { appid: 'wx1111222233334444', openid: 'o_other_app' } });

      expect(status).toBe(200);
    });

    it('tells a JSON POST to /admin/<function> what the endpoint expects instead of "not undefined"', async () => {
      const res = await fetch(`${cloud.url}/admin/whoami`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const json = (await res.json()) as Record<string, unknown>;

      expect(json.code).toBe('INVALID_ACTION');
      expect(json.message).toMatch(
        /multipart\/form-data body as wx-server-sdk sends .*action=wx\.openApi, apiName, requestData\); got a body without an action$/,
      );
      expect(json.message).not.toMatch(/undefined/);
    });

    it('answers 400 for a bad openid', async () => {
      const { status, json } = await call('whoami', { openid: 42 });
      expect(status).toBe(400);
      expect(json.error).toMatch(/openid must be a string or null/);
    });
  });
});
