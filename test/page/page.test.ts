import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Application, LocalCloud } from '../../localcloud/server';
import { ApplyStatus, localAccount, startLocalCloud } from '../../localcloud/server';
import { idle as pageIdle, launchChromium, openPage } from './pageSession';

// The page at `/` of the local cloud, driven in Chromium (or Chrome / Edge) against the built functions
// (`node scripts/build.mjs` must have run). Every request to a host other than 127.0.0.1 is aborted.

// Found when the file loads, so a machine without a browser fails the suite at once with one message saying how to get one.

/** How long to wait for visible state: a few forked function invocations on a slow machine. */

const statusLabels: Record<number, string> = { 1: '待确认', 2: '已通过', 3: '已拒绝', 4: '已超时' };

let cloud: LocalCloud;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** URLs the page asked for outside 127.0.0.1 (all aborted). */
let foreignRequests: Array<{ url: string; resourceType: string }>;

beforeAll(async () => {
  cloud = await startLocalCloud({
    port: 0,
    // As npm start has it: the local admin, and the demo admin mini-program's user calling through environment sharing.
    functionEnv: { PLUGIN_ADMIN_OPENIDS: `${localAccount.openid},${localAccount.adminApp.appid}:${localAccount.adminApp.openid}` },
    defaultOpenid: localAccount.openid,
  });
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.close();
});

beforeEach(async () => {
  cloud.reset();
  foreignRequests = [];
  ({ context, page } = await openPage(browser, cloud.url, {
    onForeign: (request) => foreignRequests.push({ url: request.url(), resourceType: request.resourceType() }),
  }));
});

afterEach(async () => {
  await context.close();
});

/** Waits until the page has finished its last action and list reload. */
function idle(): Promise<void> {
  return pageIdle(page);
}

function rowOf(appid: string) {
  return page.locator(`tbody tr[data-appid="${appid}"]`);
}

function applicationsWith(status: number): Application[] {
  return cloud.applications().filter((application) => application.status === status);
}

function firstWith(status: number): Application {
  const found = applicationsWith(status)[0];
  if (found === undefined) throw new Error(`the seed has no application with status ${status}`);
  return found;
}

function stored(appid: string): Application | undefined {
  return cloud.applications().find((application) => application.appid === appid);
}

async function rowAppids(): Promise<string[]> {
  return page.locator('tbody tr[data-appid]').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.appid ?? ''));
}

describe('the local cloud page', () => {
  it('lists the seeded applications with their statuses', async () => {
    const seeded = cloud.applications();

    const shown = await rowAppids();

    expect(shown.sort()).toEqual(seeded.map((application) => application.appid).sort());
    for (const application of seeded) {
      const row = rowOf(application.appid);
      expect(await row.locator('.nickname').textContent()).toBe(application.nickname);
      expect(await row.locator('.status .zh').textContent()).toBe(statusLabels[application.status]);
      // The demo avatars are unreachable offline: each row shows the nickname's first character instead.
      expect(await row.locator('.avatar').textContent()).toBe(Array.from(application.nickname)[0]);
    }
    expect(await page.locator('#count').textContent()).toContain(`${seeded.length} applications`);
    // Only the applicants' avatars were asked for outside 127.0.0.1: no CDN, no fonts.
    const avatarUrls = new Set(seeded.map((application) => application.headimgurl));
    expect(foreignRequests.filter((request) => !(request.resourceType === 'image' && avatarUrls.has(request.url)))).toEqual([]);
  });

  it('agrees to a pending application: the cloud stores status 2 and the row shows it approved', async () => {
    const { appid } = firstWith(ApplyStatus.pending);

    await rowOf(appid).locator('button[data-action="dev_agree"]').click();
    await page.locator(`tbody tr[data-appid="${appid}"][data-status="approved"]`).waitFor();

    expect(stored(appid)?.status).toBe(ApplyStatus.approved);
    expect(await rowOf(appid).locator('.status .zh').textContent()).toBe('已通过');
    expect(await page.locator('[role="status"].banner').textContent()).toContain('已同意');
  });

  it('refuses a pending application with the reason typed in the dialog', async () => {
    const { appid } = firstWith(ApplyStatus.pending);
    const reason = '类目与插件用途不符，请更换后再申请';

    await rowOf(appid).locator('button[data-action="dev_refuse"]').click();
    await page.locator('#refuse-reason').fill(reason);
    await page.locator('#refuse-confirm').click();
    await page.locator(`tbody tr[data-appid="${appid}"][data-status="refused"]`).waitFor();

    expect(stored(appid)?.status).toBe(ApplyStatus.refused);
    expect(cloud.refusals()).toEqual([{ appid, reason, time: expect.any(String) }]);
    // The column shows the applicant's own statement, which a refusal leaves as it was.
    expect(await rowOf(appid).locator('.reason').textContent()).toBe(stored(appid)?.reason || '—');
  });

  it('keeps the refuse dialog open and sends nothing while the reason is blank', async () => {
    const { appid } = firstWith(ApplyStatus.pending);
    const callsBefore = cloud.calls().length;

    await rowOf(appid).locator('button[data-action="dev_refuse"]').click();
    await page.locator('#refuse-reason').fill('   ');
    await page.locator('#refuse-confirm').click();

    expect(await page.locator('#refuse-problem').textContent()).toContain('请填写拒绝理由');
    expect(await page.locator('#refuse-dialog').evaluate((dialog) => (dialog as HTMLDialogElement).open)).toBe(true);
    await page.locator('#refuse-cancel').click();
    expect(cloud.calls().length).toBe(callsBefore);
    expect(stored(appid)?.status).toBe(ApplyStatus.pending);
  });

  it('deletes a refused application from the cloud list', async () => {
    const { appid } = firstWith(ApplyStatus.refused);

    await rowOf(appid).locator('button[data-action="dev_delete"]').click();
    await rowOf(appid).waitFor({ state: 'detached' });
    await idle();

    expect(stored(appid)).toBeUndefined();
    expect(await page.locator('[role="status"].banner').textContent()).toContain('已删除');
  });

  it('shows a WeChat refusal in Chinese and English with its code, and changes nothing', async () => {
    const { appid } = firstWith(ApplyStatus.pending);
    cloud.addFault({ kind: 'errcode', errcode: 45011, api: 'pluginManager.setDevPluginApplyStatus' });

    await rowOf(appid).locator('button[data-action="dev_agree"]').click();
    const banner = page.locator('.banner[role="alert"]');
    await banner.waitFor();
    await idle();

    expect(await banner.locator('.message').textContent()).toBe('接口调用过于频繁，请稍后再试');
    expect(await banner.locator('.message-en').textContent()).toBe('calls are too frequent; try again in a minute');
    expect(await banner.locator('.code').textContent()).toBe('RATE_LIMITED');
    expect(await banner.textContent()).toContain('Wait for the next minute before retrying.');
    expect(stored(appid)?.status).toBe(ApplyStatus.pending);
    expect(await rowOf(appid).getAttribute('data-status')).toBe('pending');
    await banner.getByRole('button', { name: /Dismiss/ }).click();
    expect(await page.locator('.banner').count()).toBe(0);
  });

  it('says nothing needed changing when another admin already agreed', async () => {
    const { appid } = firstWith(ApplyStatus.pending);
    await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid });

    await rowOf(appid).locator('button[data-action="dev_agree"]').click();
    await page.locator(`tbody tr[data-appid="${appid}"][data-status="approved"]`).waitFor();

    expect(await page.locator('[role="status"].banner').textContent()).toContain('无需更改');
    expect(await page.locator('[role="status"].banner').textContent()).toContain('Already done');
  });

  it('filters the list by status through getPluginApplyList', async () => {
    const refused = applicationsWith(ApplyStatus.refused).map((application) => application.appid);
    // The list's own read, not the trail's (which goes to the same function).
    const listRequest = page.waitForRequest(
      (request) => request.url().endsWith('/functions/getPluginApplyList') && !(request.postData() ?? '').includes('"trail"'),
    );

    await page.getByRole('radio', { name: /refused/i }).check();
    const sent: unknown = (await listRequest).postDataJSON();
    await page.waitForFunction((n) => document.querySelectorAll('tbody tr[data-appid]').length === n, refused.length);
    await idle();

    expect(sent).toEqual({ data: { all: true, status: 'refused' } });
    expect((await rowAppids()).sort()).toEqual([...refused].sort());
  });

  it('agrees to two selected pending applications in one batch call', async () => {
    const [first, second] = applicationsWith(ApplyStatus.pending).map((application) => application.appid);
    if (first === undefined || second === undefined) throw new Error('the seed needs two pending applications');
    const setStatusBodies: unknown[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/functions/setPluginApplyStatus')) setStatusBodies.push(request.postDataJSON());
    });

    await rowOf(first).locator('input.select').check();
    await rowOf(second).locator('input.select').check();
    await page.locator('#agree-selected').click();
    const summary = page.locator('.banner .summary');
    await summary.waitFor();
    await page.locator(`tbody tr[data-appid="${second}"][data-status="approved"]`).waitFor();

    expect(setStatusBodies).toEqual([
      {
        data: {
          items: [
            { action: 'dev_agree', appid: first },
            { action: 'dev_agree', appid: second },
          ],
        },
      },
    ]);
    expect(await summary.textContent()).toContain('2 succeeded, 0 failed');
    expect([stored(first)?.status, stored(second)?.status]).toEqual([ApplyStatus.approved, ApplyStatus.approved]);
    const decisions = cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus');
    expect(decisions.map((call) => [call.functionName, call.action, call.request.appid]).sort()).toEqual(
      [
        ['setPluginApplyStatus', 'dev_agree', first],
        ['setPluginApplyStatus', 'dev_agree', second],
      ].sort(),
    );
  });

  it('refuses selected applications with one reason and lists the item that failed', async () => {
    const [first, second] = applicationsWith(ApplyStatus.pending).map((application) => application.appid);
    if (first === undefined || second === undefined) throw new Error('the seed needs two pending applications');
    cloud.addFault({ kind: 'errcode', errcode: 45011, api: 'pluginManager.setDevPluginApplyStatus' });

    await rowOf(first).locator('input.select').check();
    await rowOf(second).locator('input.select').check();
    await page.locator('#refuse-selected').click();
    await page.locator('#refuse-reason').fill('暂不开放');
    await page.locator('#refuse-confirm').click();
    const banner = page.locator('.banner[role="alert"]');
    await banner.locator('.summary').waitFor();
    await idle();

    expect(await banner.locator('.summary').textContent()).toContain('1 succeeded, 1 failed');
    expect(await banner.locator('li').textContent()).toContain('RATE_LIMITED');
    const statuses = [stored(first), stored(second)].map((application) => application?.status);
    expect(statuses.filter((status) => status === ApplyStatus.refused)).toHaveLength(1);
    expect(statuses.filter((status) => status === ApplyStatus.pending)).toHaveLength(1);
    expect(cloud.refusals().map((refusal) => refusal.reason)).toEqual(['暂不开放']);
  });

  it('shows the function host failure when a function cannot run', async () => {
    // The host's own answer for a function that is not deployed, as wx.cloud.callFunction would reject.
    await page.route('**/functions/setPluginApplyStatus', (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({ errCode: -501000, errMsg: 'cloud.callFunction:fail -501000 FunctionName parameter could not be found.' }),
      }),
    );
    const { appid } = firstWith(ApplyStatus.pending);

    await rowOf(appid).locator('button[data-action="dev_agree"]').click();
    const banner = page.locator('.banner[role="alert"]');
    await banner.waitFor();
    await idle();

    expect(await banner.textContent()).toContain('云函数调用失败');
    expect(await banner.textContent()).toContain('FunctionName parameter could not be found');
    expect(await banner.locator('.code').textContent()).toBe('errCode -501000');
  });

  it('calls as an admin of the demo admin mini-program through the shared environment, and agrees', async () => {
    const { appid } = firstWith(ApplyStatus.pending);
    const { adminApp } = localAccount;
    const bodies: unknown[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/functions/')) bodies.push(request.postDataJSON());
    });

    await page.locator('#call-as').selectOption('adminApp');
    await idle();
    await rowOf(appid).locator('button[data-action="dev_agree"]').click();
    await page.locator(`tbody tr[data-appid="${appid}"][data-status="approved"]`).waitFor();

    expect(await page.locator('#call-as-note').textContent()).toContain(`FROM_APPID ${adminApp.appid}`);
    expect(bodies).toContainEqual({ data: { action: 'dev_agree', appid }, from: { appid: adminApp.appid, openid: adminApp.openid } });
    expect(bodies.every((body) => JSON.stringify(body).includes(adminApp.openid))).toBe(true);
    expect(stored(appid)?.status).toBe(ApplyStatus.approved);
  });

  it('shows a stranger FORBIDDEN with their OPENID and the entry to add, copyable, and lists nothing', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cloud.url });
    const callsBefore = cloud.calls().length;

    await page.locator('#call-as').selectOption('stranger');
    const banner = page.locator('.banner[role="alert"]');
    await banner.waitFor();
    await idle();
    await banner.locator('.copy-entry').click();

    expect(await banner.locator('.code').textContent()).toBe('FORBIDDEN');
    expect(await banner.locator('.your-openid').textContent()).toBe('o_stranger');
    expect(await banner.locator('.admin-entry').textContent()).toBe('o_stranger');
    expect(await banner.textContent()).toContain('The entry to add: o_stranger');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('o_stranger');
    expect(await rowAppids()).toEqual([]);
    // Refused before WeChat: the list was never asked for.
    expect(cloud.calls()).toHaveLength(callsBefore);
  });

  it('fits a 420 px wide phone: filter tabs on one line each, every button and card inside the screen', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    const [first, second] = applicationsWith(ApplyStatus.pending).map((application) => application.appid);

    // Nothing is wider than the screen, so nothing is cut off or needs sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
    const overflowing = await page.locator('.table-scroll').evaluate((node) => node.scrollWidth > node.clientWidth);
    expect(overflowing).toBe(false);
    // Each tab's Chinese label stays on one line: as tall as a single line of text.
    const tabs = await page.locator('#filter label').evaluateAll((labels) =>
      labels.map((label) => {
        const zh = label.firstChild?.nextSibling;
        const range = document.createRange();
        range.selectNodeContents(zh ?? label);
        return { lines: range.getClientRects().length, right: label.getBoundingClientRect().right };
      }),
    );
    expect(tabs).toHaveLength(5);
    for (const tab of tabs) expect(tab).toEqual({ lines: 1, right: expect.any(Number) });
    expect(Math.max(...tabs.map((tab) => tab.right))).toBeLessThanOrEqual(420);
    const buttons = page.locator('#agree-selected, #refuse-selected, #refresh, tbody button');
    for (const box of await buttons.evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().toJSON() as DOMRect))) {
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.right).toBeLessThanOrEqual(420);
    }
    // And it still works there: select two and agree in one batch.
    if (first === undefined || second === undefined) throw new Error('the seed needs two pending applications');
    await rowOf(first).locator('input.select').check();
    await rowOf(second).locator('input.select').check();
    await page.locator('#agree-selected').click();
    await page.locator('.banner .summary').waitFor();
    expect(await page.locator('.banner .summary').textContent()).toContain('2 succeeded');
  });
});
