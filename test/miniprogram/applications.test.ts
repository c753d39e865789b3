/**
 * @jest-environment jsdom
 *
 * The admin page as a same-account admin uses it: the built page in miniprogram-simulate, every call through the
 * local cloud's function host to the built functions and the real wx-server-sdk, checked on screen and in the cloud.
 */
import type { Application, LocalCloud } from '../../localcloud/server';
import { localAccount, startLocalCloud } from '../../localcloud/server';
import type { OpenPage } from './pageDriver';
import { openPage } from './pageDriver';
import type { Device, PhoneUser } from './wxDevice';
import { installDevice } from './wxDevice';

// From localcloud/demo-seed.json: three pending, two approved, two refused, one timed out.
const XIAOLU = 'wx3f9a1c2b7d4e6058'; // 小鹿记账, pending
const QINGNING = 'wx8b2e4d6f0a1c3e57'; // 青柠读书会, pending
const TUANGOU = 'wxc51d7a9e3f2b8046'; // 社区团购助手, pending
const HUISHOU = 'wxa4b6c8d0e2f41357'; // 旧物回收站, refused
const TINGCHE = 'wx2c4e6a8b0d1f3579'; // 城市停车通, timed out

const admin: PhoneUser = { appid: localAccount.appid, openid: localAccount.openid };
let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({ functionEnv: { PLUGIN_ADMIN_OPENIDS: localAccount.openid } });
});
afterAll(() => cloud.close());
beforeEach(() => cloud.reset());

function statusIn(appid: string): Application | undefined {
  return cloud.applications().find((item) => item.appid === appid);
}

/** The reason WeChat's model recorded for the latest refusal of `appid` (the list keeps the applicant's own statement). */
function refusalReasonOf(appid: string): string | undefined {
  return cloud
    .refusals()
    .filter((refusal) => refusal.appid === appid)
    .at(-1)?.reason;
}

/** Opens the page on a phone held by `user` and waits until the list (or its error) is on screen. */
async function open(user: PhoneUser = admin, online = true): Promise<{ page: OpenPage; device: Device }> {
  const device = installDevice(cloud, user);
  device.online = online;
  const page = openPage();
  await device.idle();
  return { page, device };
}

describe('the applications page', () => {
  it('shows a loading state, then every application with its status', async () => {
    const device = installDevice(cloud, admin);
    const page = openPage();
    expect(page.text()).toContain('加载中…');

    await device.idle();

    expect(page.text()).not.toContain('加载中…');
    expect(page.texts('.name')).toEqual([
      '小鹿记账 待确认',
      '青柠读书会 待确认',
      '社区团购助手 待确认',
      '番茄时钟 已通过',
      '晨跑打卡 已通过',
      '旧物回收站 已拒绝',
      '宠物日记 已拒绝',
      '城市停车通 已超时',
    ]);
    expect(page.row(XIAOLU)?.dom?.textContent).toContain('说明：用于在账单页展示图表');
    expect(device.sent).toEqual(['getPluginApplyList']);
  });

  it('says when the list was cut short by the time limit', async () => {
    const many = Array.from({ length: 250 }, (_, n): Application => ({
      appid: `wx${n.toString(16).padStart(16, '0')}`,
      status: 1,
      nickname: `应用${n}`,
      headimgurl: '',
      categories: [],
      create_time: '1717034400',
      apply_url: '',
      reason: '',
    }));
    cloud.reset(many);
    // Each page of 100 takes 1.2 s against the function's 3 s limit: the walk stops before the third page.
    cloud.addFault({ kind: 'delay', ms: 1200, api: 'pluginManager.getPluginDevApplyList', times: 3 });

    const { page } = await open();

    expect(page.texts('.partial')).toEqual(['只读取了部分申请（云函数时间不足），请下拉刷新重试']);
    const shown = page.texts('.item').length;
    expect(shown).toBeGreaterThanOrEqual(100);
    expect(shown).toBeLessThan(250);
  });

  it('filters by status, and pull-down refresh shows what changed meanwhile', async () => {
    const { page, device } = await open();

    page.tapFilter('已拒绝');
    await device.idle();
    expect(page.texts('.name')).toEqual(['旧物回收站 已拒绝', '宠物日记 已拒绝']);

    await cloud.invoke('setPluginApplyStatus', { action: 'dev_refuse', appid: TUANGOU, reason: '类目不符' });
    page.pullDown();
    await device.idle();
    expect(page.texts('.name')).toEqual(['社区团购助手 已拒绝', '旧物回收站 已拒绝', '宠物日记 已拒绝']);
    expect(device.pullDownStops).toBe(1);
  });

  it('agrees to a pending application', async () => {
    const { page, device } = await open();

    page.tapIn(XIAOLU, '.agree');
    await device.idle();

    expect(device.toasts).toEqual(['已同意']);
    expect(page.texts('.notice')).toEqual(['小鹿记账：已同意']);
    expect(page.row(XIAOLU)?.dom?.textContent).toContain('已通过');
    expect(statusIn(XIAOLU)?.status).toBe(2);
  });

  it('refuses with the reason typed in the modal', async () => {
    const { page, device } = await open();
    device.answerModal({ confirm: true, content: '暂不开放该类目' });

    page.tapIn(QINGNING, '.refuse');
    await device.idle();

    expect(device.modals.map(({ title, editable }) => ({ title, editable }))).toEqual([{ title: '拒绝理由', editable: true }]);
    expect(device.toasts).toEqual(['已拒绝']);
    expect(page.row(QINGNING)?.dom?.textContent).toContain('已拒绝');
    expect(statusIn(QINGNING)?.status).toBe(3);
    expect(refusalReasonOf(QINGNING)).toBe('暂不开放该类目');
  });

  it.each([
    ['nothing typed', ''],
    ['only spaces', '   '],
  ])("refuses an empty reason (%s) before any call, with the function's own message", async (_, typed) => {
    const { page, device } = await open();
    device.answerModal({ confirm: true, content: typed });

    page.tapIn(QINGNING, '.refuse');
    await device.idle();

    expect(page.texts('.error-message')).toEqual(['请求参数有误（INVALID_EVENT）']);
    expect(page.texts('.error-issue')).toEqual(['· reason 不能为空']);
    expect(device.sent).toEqual(['getPluginApplyList']);
    expect(statusIn(QINGNING)?.status).toBe(1);
    expect(cloud.calls().filter((call) => call.api !== 'database' && call.action !== 'dev_apply_list')).toEqual([]);
  });

  it('sends nothing when the refusal modal is cancelled', async () => {
    const { page, device } = await open();
    device.answerModal({ confirm: false, content: '写了一半' });

    page.tapIn(QINGNING, '.refuse');
    await device.idle();

    expect(device.sent).toEqual(['getPluginApplyList']);
    expect(statusIn(QINGNING)?.status).toBe(1);
  });

  it('deletes a refused and a timed-out application after confirming, and offers no delete for others', async () => {
    const { page, device } = await open();

    page.tapIn(HUISHOU, '.delete');
    await device.idle();
    page.tapIn(TINGCHE, '.delete');
    await device.idle();

    expect(device.modals.map((modal) => modal.title)).toEqual(['删除申请', '删除申请']);
    expect(device.toasts).toEqual(['已删除', '已删除']);
    expect(page.row(HUISHOU)).toBeUndefined();
    expect(page.row(TINGCHE)).toBeUndefined();
    expect(statusIn(HUISHOU)).toBeUndefined();
    expect(statusIn(TINGCHE)).toBeUndefined();
    expect(page.within(XIAOLU, '.delete')).toBeUndefined();
  });

  it('shows the loading overlay while a decision is on its way, and sends no second one meanwhile', async () => {
    const { page, device } = await open();
    cloud.addFault({ kind: 'delay', ms: 1500, action: 'dev_agree' });

    page.tapIn(XIAOLU, '.agree');
    await new Promise((resolve) => setTimeout(resolve, 300));
    page.tapIn(QINGNING, '.agree');
    await device.idle();

    expect(device.loadings).toEqual(['处理中']);
    expect(device.sent.filter((name) => name === 'setPluginApplyStatus')).toHaveLength(1);
    expect(statusIn(XIAOLU)?.status).toBe(2);
    expect(statusIn(QINGNING)?.status).toBe(1);
  });

  it("shows a refused decision's Chinese message and hint, and the application's status now", async () => {
    const { page, device } = await open();
    // The application timed out while the admin was looking at the list.
    cloud.reset(cloud.applications().map((item) => (item.appid === XIAOLU ? { ...item, status: 4 } : item)));

    page.tapIn(XIAOLU, '.agree');
    await device.idle();

    expect(page.texts('.error-message')).toEqual(['无法进行此操作，只有"待确认"的申请可操作通过/拒绝（当前状态：已超时）（APPLICATION_NOT_PENDING）']);
    expect(page.texts('.error-hint')).toEqual(['请刷新列表：该申请已被处理或已超时。']);
    expect(page.within(XIAOLU, '.status')?.dom?.textContent).toBe('已超时');
    expect(device.toasts).toEqual([]);
  });

  it('shows "unchanged" when another admin already agreed', async () => {
    const { page, device } = await open();
    await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: XIAOLU });
    expect(page.row(XIAOLU)?.dom?.textContent).toContain('待确认');

    page.tapIn(XIAOLU, '.agree');
    await device.idle();

    expect(device.toasts).toEqual(['无需更改']);
    expect(page.texts('.notice')).toEqual(['小鹿记账：无需更改（已是已通过）']);
    expect(page.row(XIAOLU)?.dom?.textContent).toContain('已通过');
  });

  it("decides selected applications in one batch call, with each item's outcome", async () => {
    const { page, device } = await open();
    for (const appid of [XIAOLU, QINGNING, TUANGOU]) page.tapIn(appid, '.select');
    await device.idle();
    expect(page.texts('.batch-count')).toEqual(['已选 3 项']);
    // While the admin looks at the list, another admin agrees to one and another times out.
    await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: QINGNING });
    cloud.reset(cloud.applications().map((item) => (item.appid === TUANGOU ? { ...item, status: 4 } : item)));

    page.tapOn('.batch-agree');
    await device.idle();

    expect(device.sent.filter((name) => name === 'setPluginApplyStatus')).toHaveLength(1);
    expect(page.texts('.outcome-summary')).toEqual(['成功 1 · 无需更改 1 · 失败 1 · 未处理 0']);
    expect(page.texts('.outcome')).toEqual([
      '小鹿记账：已同意',
      '青柠读书会：无需更改（已是已通过）',
      expect.stringMatching(/^社区团购助手：无法进行此操作，只有"待确认"的申请可操作通过\/拒绝（当前状态：已超时）。请刷新列表/),
    ]);
    expect(page.texts('.outcome-failed')).toHaveLength(1);
    expect(statusIn(XIAOLU)?.status).toBe(2);
    expect(statusIn(TUANGOU)?.status).toBe(4);
    // The failed item left the pending list, so nothing stays selected.
    expect(page.texts('.batch-count')).toEqual([]);
  });

  it('selects every pending application at once and agrees to them in one call', async () => {
    const { page, device } = await open();

    page.tapOn('.select-all');
    await device.idle();
    expect(page.texts('.batch-count')).toEqual(['已选 3 项']);
    page.tapOn('.batch-agree');
    await device.idle();

    expect(page.texts('.outcome-summary')).toEqual(['成功 3 · 无需更改 0 · 失败 0 · 未处理 0']);
    expect(cloud.applications().filter((item) => item.status === 1)).toEqual([]);
    expect(device.sent.filter((name) => name === 'setPluginApplyStatus')).toHaveLength(1);
  });

  it('counts the items a batch skipped after an account-wide error in its summary', async () => {
    cloud.reset(
      Array.from({ length: 12 }, (_, n): Application => ({
        appid: `wx${n.toString(16).padStart(16, '0')}`,
        status: 1,
        nickname: `应用${n}`,
        headimgurl: '',
        categories: [],
        create_time: '1717034400',
        apply_url: '',
        reason: '',
      })),
    );
    // Every agree meets the per-minute quota: the first wave fails, the two items after it are never sent.
    cloud.addFault({ kind: 'errcode', errcode: 45011, action: 'dev_agree', times: 100 });
    const { page, device } = await open();

    page.tapOn('.select-all');
    await device.idle();
    page.tapOn('.batch-agree');
    await device.idle();

    expect(page.texts('.outcome-summary')).toEqual(['成功 0 · 无需更改 0 · 失败 10 · 未处理 0 · 已跳过 2']);
  });

  it('refuses selected applications in one batch with one reason', async () => {
    const { page, device } = await open();
    page.tapIn(XIAOLU, '.select');
    page.tapIn(TUANGOU, '.select');
    await device.idle();
    device.answerModal({ confirm: true, content: '资质不全' });

    page.tapOn('.batch-refuse');
    await device.idle();

    expect(device.modals[0]).toMatchObject({ title: '拒绝所选 2 项的理由', editable: true });
    expect(page.texts('.outcome')).toEqual(['小鹿记账：已拒绝', '社区团购助手：已拒绝']);
    expect([statusIn(XIAOLU)?.status, statusIn(TUANGOU)?.status]).toEqual([3, 3]);
    expect([refusalReasonOf(XIAOLU), refusalReasonOf(TUANGOU)]).toEqual(['资质不全', '资质不全']);
    expect(statusIn(QINGNING)?.status).toBe(1);
  });
});

describe('the applications page, when the call is refused or fails', () => {
  it('shows a stranger FORBIDDEN with the entry to add, and copies it', async () => {
    const { page, device } = await open({ appid: localAccount.appid, openid: 'o_stranger_4711' });

    expect(page.texts('.error-message')).toEqual(['无权操作：只有插件管理员可以查看申请列表（FORBIDDEN）']);
    expect(page.texts('.entry')).toEqual(['o_stranger_4711']);
    expect(page.texts('.item')).toEqual([]);

    page.tapOn('.copy-entry');
    await device.idle();

    expect(device.clipboard).toBe('o_stranger_4711');
    expect(device.toasts).toEqual(['内容已复制']);
  });

  it("shows a rejected call as CALL_FAILED with the platform's text and a hint, until a pull-down refresh succeeds", async () => {
    const { page, device } = await open(admin, false);

    expect(page.texts('.error-message')).toEqual(['云函数调用失败（CALL_FAILED）']);
    expect(page.texts('.error-hint')).toEqual([expect.stringContaining('请检查网络后重试')]);
    expect(page.texts('.error-raw')).toEqual([expect.stringContaining('ECONNREFUSED')]);

    device.online = true;
    page.pullDown();
    await device.idle();

    expect(page.texts('.error-message')).toEqual([]);
    expect(page.texts('.item')).toHaveLength(8);
  });
});
