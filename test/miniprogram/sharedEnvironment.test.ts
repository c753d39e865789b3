/**
 * @jest-environment jsdom
 *
 * The company's admin mini-program reaching the plugin's environment through environment sharing: the page built
 * with cloudConfig.ts set to `shared`, on a phone of another account, against the local cloud (which runs
 * `cloudbase_auth` first, then the function with the caller as FROM_APPID / FROM_OPENID).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalCloud } from '../../localcloud/server';
import { localAccount, startLocalCloud } from '../../localcloud/server';
import { BUILT_MINIPROGRAM, openPage } from './pageDriver';
import type { PhoneUser } from './wxDevice';
import { installDevice } from './wxDevice';

const root = join(__dirname, '../..');
const XIAOLU = 'wx3f9a1c2b7d4e6058'; // 小鹿记账, pending in localcloud/demo-seed.json

// A user of the local cloud's demo admin mini-program, another of its users, and a mini-program nobody admitted.
const adminApp: PhoneUser = localAccount.adminApp;
const colleague: PhoneUser = { appid: adminApp.appid, openid: 'o_admin_app_colleague' };
const otherApp: PhoneUser = { appid: 'wx9f8e7d6c5b4a3921', openid: 'o_other_app_user' };

let cloud: LocalCloud;
/** What the hosted functions logged. */
let output: string[] = [];
let workDir: string;
let sharedBuild: string;
let wrongEnvBuild: string;
let placeholderBuild: string;

/** Builds the mini-program as a user would after editing the one value in cloudConfig.ts. */
function buildWithConfig(name: string, target: string): string {
  const original = readFileSync(join(root, 'miniprogram/cloudConfig.ts'), 'utf8');
  const edited = original.replace(/export const cloudTarget: CloudTarget = .*;/, `export const cloudTarget: CloudTarget = ${target};`);
  if (edited === original) throw new Error('cloudConfig.ts no longer has the line README tells users to edit');
  const configFile = join(workDir, `${name}.cloudConfig.ts`);
  writeFileSync(configFile, edited);
  const out = join(workDir, name);
  execFileSync(process.execPath, [join(root, 'scripts/buildMiniprogram.mjs'), '--quiet', '--config', configFile, '--out', out]);
  return out;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'miniprogram-shared-'));
  sharedBuild = buildWithConfig('shared', `{ kind: 'shared', resourceAppid: '${localAccount.appid}', resourceEnv: '${localAccount.envId}' }`);
  wrongEnvBuild = buildWithConfig('wrong-env', `{ kind: 'shared', resourceAppid: '${localAccount.appid}', resourceEnv: 'prod-0g1h2i' }`);
  // Left as README's example shows it.
  placeholderBuild = buildWithConfig('placeholder', `{ kind: 'shared', resourceAppid: 'wx<plugin appid>', resourceEnv: '<env id>' }`);
  cloud = await startLocalCloud({
    log: (line) => output.push(line),
    functionEnv: { PLUGIN_ADMIN_OPENIDS: `${localAccount.openid},${adminApp.appid}:${adminApp.openid}` },
  });
});
afterAll(async () => {
  await cloud.close();
  rmSync(workDir, { recursive: true, force: true });
});
beforeEach(() => {
  cloud.reset();
  output = [];
});

describe('the admin mini-program on a shared environment', () => {
  it('lets a cross-account admin list and agree', async () => {
    const device = installDevice(cloud, adminApp);
    const page = openPage(sharedBuild);
    await device.idle();
    expect(page.texts('.name')).toHaveLength(8);

    page.tapIn(XIAOLU, '.agree');
    await device.idle();

    expect(device.toasts).toEqual(['已同意']);
    expect(page.within(XIAOLU, '.status')?.dom?.textContent).toBe('已通过');
    expect(cloud.applications().find((item) => item.appid === XIAOLU)?.status).toBe(2);
    // The function saw the caller as the admin mini-program's user, not as a same-account one.
    const decisionLog = output.filter((line) => line.startsWith('[setPluginApplyStatus]') && line.includes('"outcome":"OK"'));
    expect(decisionLog).toHaveLength(1);
    expect(decisionLog[0]).toContain(adminApp.appid);
  });

  it('shows another user of the admin mini-program FORBIDDEN with the APPID:OPENID entry to add, and copies it', async () => {
    const device = installDevice(cloud, colleague);
    const page = openPage(sharedBuild);
    await device.idle();

    expect(page.texts('.error-message')).toEqual(['无权操作：只有插件管理员可以查看申请列表（FORBIDDEN）']);
    expect(page.texts('.entry')).toEqual([`${colleague.appid}:${colleague.openid}`]);

    page.tapOn('.copy-entry');
    await device.idle();
    expect(device.clipboard).toBe(`${colleague.appid}:${colleague.openid}`);
  });

  it('shows a mini-program that cloudbase_auth refuses as CALL_FAILED -601017, and changes nothing', async () => {
    const device = installDevice(cloud, otherApp);
    const page = openPage(sharedBuild);
    await device.idle();

    expect(page.texts('.error-message')).toEqual(['云函数调用失败（CALL_FAILED）']);
    expect(page.texts('.error-hint')).toEqual([expect.stringContaining('cloudbase_auth 拒绝了本小程序')]);
    expect(page.texts('.error-raw')).toEqual([expect.stringContaining('PLUGIN_ADMIN_OPENIDS')]);
    expect(page.texts('.item')).toEqual([]);
    expect(cloud.calls()).toEqual([]);
  });

  it('tells an admin mini-program still set to its own environment that the functions are not there', async () => {
    const device = installDevice(cloud, adminApp);
    const page = openPage(BUILT_MINIPROGRAM);
    await device.idle();

    expect(page.texts('.error-message')).toEqual(['云函数调用失败（CALL_FAILED）']);
    expect(page.texts('.error-hint')).toEqual([expect.stringContaining('云函数不存在')]);
    expect(page.texts('.error-raw')).toEqual([expect.stringContaining('-501000')]);
  });

  it('shows an environment that is not shared with this mini-program as CALL_FAILED, pointing at cloudConfig.ts', async () => {
    const device = installDevice(cloud, adminApp);
    const page = openPage(wrongEnvBuild);
    await device.idle();

    expect(page.texts('.error-message')).toEqual(['云函数调用失败（CALL_FAILED）']);
    expect(page.texts('.error-hint')).toEqual([expect.stringContaining('核对 cloudConfig.ts')]);
    expect(page.texts('.error-raw')).toEqual([expect.stringContaining('-601012')]);
  });

  it('refuses a cloudConfig.ts still holding the placeholders, before any call', async () => {
    const device = installDevice(cloud, adminApp);
    const page = openPage(placeholderBuild);
    await device.idle();

    expect(page.texts('.error-message')).toEqual(['云函数调用失败（CALL_FAILED）']);
    expect(page.texts('.error-hint')).toEqual(['请修改 miniprogram/cloudConfig.ts 中的插件 appid 和环境 ID，然后重新构建。']);
    expect(page.texts('.error-raw')).toEqual([expect.stringContaining('resourceAppid "wx<plugin appid>" is not an appid')]);
    expect(device.sent).toEqual([]);
  });
});
