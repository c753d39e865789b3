/**
 * Callers of every kind, through the built bundles (cloudbase_auth, setPluginApplyStatus, getPluginApplyList) with
 * the real wx-server-sdk inside, run by the local cloud: same-account callers, users of another mini-program sharing
 * the environment (环境共享), whose call first passes cloudbase_auth, and the combinations that must not widen access.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalCloud } from '../../localcloud/server';
import { FunctionCallError } from '../../localcloud/server';
import { ADMIN, PENDING, PENDING_2, scenario, startCloud, statusOf } from './localCloudFixture';

const ADMIN_APP = 'wx1a2b3c4d5e6f7089';
const OTHER_APP = 'wx99999999999999ff';
const APP_ADMIN = 'o_admin_app_user';
const ADMINS = `${ADMIN}, ${ADMIN_APP}:${APP_ADMIN}`;

type Result = { ok: boolean; items?: unknown[]; error?: Record<string, unknown> };

let cloud: LocalCloud & { output: string[] };

beforeAll(async () => {
  cloud = await startCloud({ functionEnv: { PLUGIN_ADMIN_OPENIDS: ADMINS } });
});

afterAll(async () => {
  await cloud.close();
});

beforeEach(() => {
  cloud.reset(scenario());
  cloud.output.length = 0;
});

const agree = { action: 'dev_agree', appid: PENDING };
const ranFunction = (name: string): boolean => cloud.output.some((line) => line.startsWith(`[${name}]`));

describe('a user of the admin mini-program named by an APPID:OPENID entry', () => {
  it('agrees through the shared environment: cloudbase_auth admits the mini-program, the function the user', async () => {
    const result = await cloud.invoke('setPluginApplyStatus', agree, { from: { appid: ADMIN_APP, openid: APP_ADMIN } });

    expect(result).toEqual({ ok: true, action: 'dev_agree', appid: PENDING, changed: true });
    expect(statusOf(cloud, PENDING)).toBe(2);
    expect(ranFunction('cloudbase_auth')).toBe(true);
  });

  it('lists the applications', async () => {
    const result = (await cloud.invoke('getPluginApplyList', {}, { from: { appid: ADMIN_APP, openid: APP_ADMIN } })) as Result;

    expect(result).toMatchObject({ ok: true });
    expect(result.items).toHaveLength(scenario().length);
  });

  it('is logged with the calling appid and the OPENID masked', async () => {
    await cloud.invoke('setPluginApplyStatus', agree, { from: { appid: ADMIN_APP, openid: APP_ADMIN } });

    const line = cloud.output.find((text) => text.includes('"fn":"setPluginApplyStatus"')) ?? '';
    expect(JSON.parse(line.slice(line.indexOf('{')))).toMatchObject({ caller: 'o_ad…user', callerAppid: ADMIN_APP, outcome: 'OK' });
    expect(cloud.output.join('\n')).not.toContain(APP_ADMIN);
  });
});

describe('callers the rule refuses', () => {
  it.each([
    [
      'another user of the admitted mini-program',
      { from: { appid: ADMIN_APP, openid: 'o_app_stranger' } },
      { yourOpenid: 'o_app_stranger', yourAppid: ADMIN_APP, adminEntry: `${ADMIN_APP}:o_app_stranger` },
    ],
    [
      "a cross-account user whose FROM_OPENID is a same-account admin's OPENID",
      { from: { appid: ADMIN_APP, openid: ADMIN } },
      { yourOpenid: ADMIN, yourAppid: ADMIN_APP, adminEntry: `${ADMIN_APP}:${ADMIN}` },
    ],
    [
      "a cross-account user with an admin's OPENID also in the context",
      { from: { appid: ADMIN_APP, openid: 'o_app_stranger' }, openid: ADMIN },
      { yourOpenid: 'o_app_stranger', yourAppid: ADMIN_APP },
    ],
    ['a same-account caller with the OPENID of a pair entry', { openid: APP_ADMIN }, { yourOpenid: APP_ADMIN, adminEntry: APP_ADMIN }],
    ['a same-account stranger', { openid: 'oStranger' }, { yourOpenid: 'oStranger', adminEntry: 'oStranger' }],
  ])('refuses %s with FORBIDDEN naming the entry to add, and changes nothing', async (_, options, error) => {
    for (const name of ['setPluginApplyStatus', 'getPluginApplyList']) {
      const result = (await cloud.invoke(name, name === 'getPluginApplyList' ? {} : agree, options)) as Result;

      expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', ...error } });
      if (!('from' in options)) expect(result.error).not.toHaveProperty('yourAppid');
    }
    expect(cloud.calls()).toEqual([]);
    expect(statusOf(cloud, PENDING)).toBe(1);
  });

  it('refuses a digit-only OPENID without throwing, and admits one the list names exactly', async () => {
    const refused = (await cloud.invoke('setPluginApplyStatus', agree, { openid: '0123456789' })) as Result;
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', yourOpenid: '0123456789', adminEntry: '0123456789' } });

    const env = { PLUGIN_ADMIN_OPENIDS: `0123456789, ${ADMIN_APP}:0042` };
    expect(await cloud.invoke('getPluginApplyList', {}, { openid: '0123456789', env })).toMatchObject({ ok: true });
    expect(await cloud.invoke('getPluginApplyList', {}, { openid: '123456789', env })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await cloud.invoke('getPluginApplyList', {}, { from: { appid: ADMIN_APP, openid: '0042' }, env })).toMatchObject({ ok: true });
  });
});

describe('cloudbase_auth in front of a cross-account call', () => {
  it('refuses a mini-program no entry names: -601017 with its reason, and the function never runs', async () => {
    const call = cloud.invoke('setPluginApplyStatus', agree, { from: { appid: OTHER_APP, openid: APP_ADMIN } });

    await expect(call).rejects.toBeInstanceOf(FunctionCallError);
    await expect(call).rejects.toMatchObject({
      errCode: -601017,
      errMsg: expect.stringMatching(
        new RegExp(
          `^cloud\\.callFunction:fail -601017 access denied \\(cloudbase_auth returns non-zero errCode\\): .*${OTHER_APP} is not admitted.*Add ${OTHER_APP}:${APP_ADMIN}`,
        ),
      ),
      status: 403,
    });
    expect(ranFunction('setPluginApplyStatus')).toBe(false);
    expect(cloud.calls()).toEqual([]);
    expect(statusOf(cloud, PENDING)).toBe(1);
  });

  it('refuses every mini-program while PLUGIN_ADMIN_OPENIDS is unset, naming the variable', async () => {
    const call = cloud.invoke('getPluginApplyList', {}, { from: { appid: ADMIN_APP, openid: APP_ADMIN }, env: { PLUGIN_ADMIN_OPENIDS: '' } });

    await expect(call).rejects.toMatchObject({ errCode: -601017, errMsg: expect.stringContaining('PLUGIN_ADMIN_OPENIDS is not set on cloudbase_auth') });
  });

  it('says which entries are wrong, by position and never by their text, not that the variable is unset (the built bundle)', async () => {
    const admins = `${ADMIN_APP}, ${ADMIN_APP}:oAnother*AdminOpenid12`;
    const call = cloud.invoke('getPluginApplyList', {}, { from: { appid: ADMIN_APP, openid: APP_ADMIN }, env: { PLUGIN_ADMIN_OPENIDS: admins } });

    await expect(call).rejects.toMatchObject({ errCode: -601017 });
    const { errMsg } = (await call.catch((error: unknown) => error)) as FunctionCallError;
    expect(errMsg).not.toContain('is not set');
    expect(errMsg).toContain('Entry 1 of 2 is malformed: it is an appid alone');
    expect(errMsg).toContain('Entry 2 of 2 is malformed: its OPENID has "*"');
    expect(errMsg).not.toMatch(/Another|AdminOpenid/);
    expect(errMsg).toContain(`Add ${ADMIN_APP}:${APP_ADMIN}`);
    expect(ranFunction('getPluginApplyList')).toBe(false);
  });

  it('answers the platform\'s "FunctionName not found" when the environment has no cloudbase_auth', async () => {
    const functionsDir = mkdtempSync(join(tmpdir(), 'functions-'));
    cpSync(join(__dirname, '../../cloudfunctions/setPluginApplyStatus'), join(functionsDir, 'setPluginApplyStatus'), { recursive: true });
    const bare = await startCloud({ functionsDir, functionEnv: { PLUGIN_ADMIN_OPENIDS: ADMINS } });
    try {
      const call = bare.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: PENDING_2 }, { from: { appid: ADMIN_APP, openid: APP_ADMIN } });

      await expect(call).rejects.toMatchObject({ errCode: -501000, errMsg: expect.stringContaining('FunctionName parameter could not be found'), status: 404 });
      expect(statusOf(bare, PENDING_2)).toBe(1);
      // The same function still serves same-account callers.
      expect(await bare.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: PENDING_2 })).toMatchObject({ ok: true });
    } finally {
      await bare.close();
      rmSync(functionsDir, { recursive: true, force: true });
    }
  });
});

describe('a malformed entry', () => {
  it('is reported to admins as MISCONFIGURED naming it, admits nobody, and is not shown to strangers', async () => {
    const env = { PLUGIN_ADMIN_OPENIDS: `${ADMINS}, ${OTHER_APP}` };

    const admin = (await cloud.invoke('setPluginApplyStatus', agree, { env })) as Result;
    const stranger = (await cloud.invoke('setPluginApplyStatus', agree, { openid: OTHER_APP, env })) as Result;

    expect(admin).toMatchObject({ ok: false, error: { code: 'MISCONFIGURED', problems: [expect.stringContaining(`"${OTHER_APP}" admits nobody`)] } });
    expect(stranger).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', adminEntry: null } });
    expect(JSON.stringify(stranger)).not.toContain('admits nobody');
    expect(cloud.calls()).toEqual([]);
  });
});
