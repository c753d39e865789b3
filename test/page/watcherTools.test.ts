import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Application, LocalCloud } from '../../localcloud/server';
import { localAccount, startLocalCloud } from '../../localcloud/server';
import { idle as pageIdle, launchChromium, openPage } from './pageSession';

// The page's tools for trying the watcher: the model clock, a new application, timer triggers and the WeCom robot's
// messages, in Chromium against the built functions plus a tiny one with a timer trigger.

const HOUR = 3600_000;
/** The base clock: 2027-01-15T02:00:00Z, frozen, so only the page moves time. */
const BASE = Date.parse('2027-01-15T02:00:00Z');

/** What a careless digest could carry from an applicant's note: markup that must reach the page as text. */
const HOSTILE = '<img src=x onerror="document.body.dataset.owned=1"><script>document.body.dataset.owned=1</script>';

function createdHoursAgo(appid: string, nickname: string, hours: number): Application {
  return {
    appid,
    status: 1,
    nickname,
    headimgurl: '',
    categories: [{ first: '工具', second: '效率' }],
    create_time: String(Math.floor((BASE - hours * HOUR) / 1000)),
    apply_url: '',
    reason: '想用图表',
  };
}

const FRESH = 'wx00000000000000f1';
const AGEING = 'wx00000000000000f2';

let functionsDir: string;
let cloud: LocalCloud;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  functionsDir = mkdtempSync(join(tmpdir(), 'localcloud-page-tools-'));
  const built = join(__dirname, '../../cloudfunctions');
  // Not the watcher: its own timer would post digests of its own when the clock moves; its runs are tested in
  // test/contract/watch.contract.test.ts, and the tiny `digest` below is the trigger these tools are tried with.
  for (const name of readdirSync(built).filter((entry) => entry !== 'watchPluginApplyList'))
    cpSync(join(built, name), join(functionsDir, name), { recursive: true });
  mkdirSync(join(functionsDir, 'digest'));
  writeFileSync(
    join(functionsDir, 'digest', 'index.js'),
    `exports.main = async (event) => {
  const body = { msgtype: 'markdown', markdown: { content: '## 待处理申请 ' + event.Time + '\\n> ' + ${JSON.stringify(HOSTILE)} } };
  const res = await fetch(process.env.PLUGIN_APPLY_WEBHOOK, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
};`,
  );
  writeFileSync(join(functionsDir, 'digest', 'config.json'), JSON.stringify({ triggers: [{ name: 'halfHourly', type: 'timer', config: '0 */30 * * * * *' }] }));
  cloud = await startLocalCloud({
    port: 0,
    functionsDir,
    applications: [createdHoursAgo(FRESH, '刚来的', 1), createdHoursAgo(AGEING, '快超时的', 20)],
    applyTimeoutMs: 24 * HOUR,
    runTriggers: true,
    now: () => BASE,
    functionEnv: { PLUGIN_ADMIN_OPENIDS: localAccount.openid },
    defaultOpenid: localAccount.openid,
  });
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.close();
  rmSync(functionsDir, { recursive: true, force: true });
});

beforeEach(async () => {
  cloud.reset();
  ({ context, page } = await openPage(browser, cloud.url, { contextOptions: { timezoneId: 'Asia/Shanghai', viewport: { width: 1200, height: 900 } } }));
});

afterEach(async () => {
  await context.close();
});

/** Waits until the page has finished its last action and list reload. */
function idle(): Promise<void> {
  return pageIdle(page);
}

describe("the page's watcher tools", () => {
  it('shows the model clock, and +12 h times out the application that passes 24 h, with the list following', async () => {
    expect(await page.locator('#clock-now').textContent()).toBe('2027-01-15 10:00:00');

    await page.locator('#clock-12h').click();
    await page.locator(`tbody tr[data-appid="${AGEING}"][data-status="expired"]`).waitFor();
    await idle();

    expect(await page.locator('#clock-now').textContent()).toBe('2027-01-15 22:00:00');
    expect(await page.locator('#clock-offset').textContent()).toContain('12h ahead of this machine');
    expect(await page.locator('[role="status"].banner').textContent()).toContain(`1 个申请已超时：${AGEING}`);
    expect(await page.locator(`tbody tr[data-appid="${FRESH}"]`).getAttribute('data-status')).toBe('pending');
  });

  it('moves the clock by a custom amount typed in', async () => {
    await page.locator('#clock-custom').fill('90m');
    await page.locator('#clock-advance').click();
    await idle();

    expect(cloud.now()).toBe(BASE + 90 * 60_000);
    expect(await page.locator('#clock-now').textContent()).toBe('2027-01-15 11:30:00');
  });

  it('adds a new pending application from the form, and shows why one is refused', async () => {
    await page.locator('#add-appid').fill('wx00000000000000aa');
    await page.locator('#add-nickname').fill('新来的小程序');
    await page.locator('#add-category-first').fill('工具');
    await page.locator('#add-category-second').fill('效率');
    await page.locator('#add-reason').fill('想在首页展示图表');
    await page.locator('#add-submit').click();
    await page.locator('tbody tr[data-appid="wx00000000000000aa"][data-status="pending"]').waitFor();
    await idle();
    await page.locator('#add-appid').fill('wx1');
    await page.locator('#add-nickname').fill('错的');
    await page.locator('#add-submit').click();
    await idle();

    expect(cloud.applications().find((item) => item.appid === 'wx00000000000000aa')).toMatchObject({
      status: 1,
      create_time: String(BASE / 1000),
      reason: '想在首页展示图表',
    });
    expect(await page.locator('[role="alert"].banner').textContent()).toContain('appid must be "wx" and 16 hexadecimal digits');
  });

  it("runs a trigger from its button, and shows the robot's message as text, markup and all", async () => {
    const trigger = page.locator('.trigger[data-function="digest"]');
    expect(await trigger.textContent()).toContain('halfHourly · 0 */30 * * * * *');

    await trigger.locator('button[data-trigger="digest"]').click();
    await page.locator('.robot-message').waitFor();
    await idle();

    const shown = await page.locator('.robot-message .robot-content').textContent();
    expect(shown).toBe(`## 待处理申请 2027-01-15T02:00:00Z\n> ${HOSTILE}`);
    expect(await page.locator('#robot img, #robot script').count()).toBe(0);
    expect(await page.evaluate(() => document.body.dataset.owned)).toBeUndefined();
    expect(await page.locator('#robot-count').textContent()).toContain('1 message');
    expect(await trigger.locator('.last-run').textContent()).toContain('(manual): ok');
  });

  it('shows the runs a clock move starts, and clears the robot', async () => {
    await page.locator('#clock-1h').click();
    await idle();
    const afterMove = await page.locator('.robot-message').count();
    const banner = await page.locator('[role="status"].banner').textContent();

    await page.locator('#robot-clear').click();
    await idle();

    expect(afterMove).toBe(1);
    expect(banner).toContain('digest · halfHourly 2027-01-15 11:00:00: ok');
    expect(await page.locator('.robot-message').count()).toBe(0);
    expect(cloud.robotMessages()).toEqual([]);
  });

  it('looks right: a screenshot of the tools after a trigger run', async () => {
    await page.locator('#clock-12h').click();
    await idle();

    const shot = await page.locator('#watch-tools').screenshot({ path: join(tmpdir(), 'localcloud-watcher-tools.png') });

    expect(shot.length).toBeGreaterThan(10_000);
    // Nothing of the tools is wider than the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1200);
  });
});
