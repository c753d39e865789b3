/**
 * @jest-environment jsdom
 *
 * The admin page and the decision trail: our decisions on each application (who, when, our refusal reason, apart
 * from the applicant's statement), one application's history, the search, and the refusal reason counted as the
 * function counts it. The built page in miniprogram-simulate against the local cloud and the built functions.
 */
import type { LocalCloud } from '../../localcloud/server';
import { localAccount, startLocalCloud } from '../../localcloud/server';
import { REASON_MAX_CHARS } from '../../src/core/reason';
import type { OpenPage } from './pageDriver';
import { openPage } from './pageDriver';
import type { Device, PhoneUser } from './wxDevice';
import { installDevice } from './wxDevice';

// From localcloud/demo-seed.json.
const XIAOLU = 'wx3f9a1c2b7d4e6058'; // 小鹿记账, pending, "用于在账单页展示图表"
const QINGNING = 'wx8b2e4d6f0a1c3e57'; // 青柠读书会, pending

const admin: PhoneUser = { appid: localAccount.appid, openid: localAccount.openid };
let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({ functionEnv: { PLUGIN_ADMIN_OPENIDS: `张三=${localAccount.openid}` } });
});
afterAll(() => cloud.close());
beforeEach(() => cloud.reset());

async function open(): Promise<{ page: OpenPage; device: Device }> {
  const device = installDevice(cloud, admin);
  const page = openPage();
  await device.idle();
  return { page, device };
}

async function refuse(page: OpenPage, device: Device, appid: string, reason: string): Promise<void> {
  device.answerModal({ confirm: true, content: reason });
  page.tapIn(appid, '.refuse');
  await device.idle();
}

describe('the applications page and the decision trail', () => {
  it("shows who refused and when, with our reason labelled apart from the applicant's statement", async () => {
    const { page, device } = await open();

    await refuse(page, device, XIAOLU, '类目不符：插件仅对工具类小程序开放');

    const row = page.row(XIAOLU)?.dom?.textContent ?? '';
    expect(row).toContain('申请方的说明：用于在账单页展示图表');
    expect(page.within(XIAOLU, '.decision-line')?.dom?.textContent).toMatch(/^我们的决定：已拒绝 · 张三 · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(page.within(XIAOLU, '.ours')?.dom?.textContent).toBe('我们的拒绝理由：类目不符：插件仅对工具类小程序开放');
    expect(page.within(QINGNING, '.decision')).toBeUndefined();
  });

  it("opens one application's history, newest first, and closes it", async () => {
    const { page, device } = await open();
    await refuse(page, device, XIAOLU, '资质不全');

    page.tapIn(XIAOLU, '.show-history');
    await device.idle();
    const entries = page.texts('.history-entry');
    page.tapIn(XIAOLU, '.show-history');
    await device.idle();

    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d · 已拒绝 · 张三 · 成功我们的拒绝理由：资质不全$/);
    expect(page.texts('.history-entry')).toEqual([]);
    expect(device.sent).toContain('getPluginApplyList');
  });

  it('says when an application has no recorded decision yet', async () => {
    const { page, device } = await open();

    page.tapIn(QINGNING, '.show-history');
    await device.idle();

    expect(page.texts('.history-text')).toEqual(['还没有记录']);
  });

  it('still lists every application when the trail cannot be read, saying so', async () => {
    cloud.addFault({ kind: 'tcbError', code: 'DATABASE_PERMISSION_DENIED', api: 'database', times: 10 });

    const { page } = await open();

    expect(page.texts('.trail-unread')[0]).toMatch(/^读不到决定记录/);
    expect(page.texts('.name')).toHaveLength(cloud.applications().length);
  });

  it('finds applications by appid or by name', async () => {
    const { page } = await open();
    page.search(XIAOLU.slice(2, 10).toUpperCase());
    const byAppid = page.texts('.name');
    page.search('青柠');
    const byName = page.texts('.name');
    page.search('');

    expect(byAppid).toEqual(['小鹿记账 待确认']);
    expect(byName).toEqual(['青柠读书会 待确认']);
    expect(page.texts('.name')).toHaveLength(cloud.applications().length);
  });
});

describe('the refusal reason in the admin page', () => {
  it('asks again for a reason longer than the function takes, with its count and the text kept, and sends nothing', async () => {
    const { page, device } = await open();
    const long = '字'.repeat(REASON_MAX_CHARS + 1);
    device.answerModal({ confirm: true, content: long });
    device.answerModal({ confirm: false, content: '' });

    page.tapIn(QINGNING, '.refuse');
    await device.idle();

    expect(device.modals.map(({ title, content }) => ({ title, content }))).toEqual([
      { title: '拒绝理由', content: '' },
      { title: `理由 ${REASON_MAX_CHARS + 1}/${REASON_MAX_CHARS} 字，请删减`, content: long },
    ]);
    expect(device.sent).toEqual(['getPluginApplyList']);
  });

  it('counts a flag as one character: 150 flags are sent whole', async () => {
    const { page, device } = await open();
    const flags = '🇨🇳'.repeat(150);

    await refuse(page, device, QINGNING, flags);

    expect(device.modals).toHaveLength(1);
    expect(cloud.refusals().at(-1)?.reason).toBe(flags);
  });
});
