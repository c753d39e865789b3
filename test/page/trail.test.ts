import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { LocalCloud } from '../../localcloud/server';
import { ApplyStatus, localAccount, startLocalCloud } from '../../localcloud/server';
import { countResults } from '../../src/core/batch';
import { REASON_MAX_CHARS } from '../../src/core/reason';
import { STATUS_NAMES, STATUS_TEXT } from '../../src/core/status';
import { runInProcess } from '../cli/runInProcess';
import { idle as pageIdle, launchChromium, openPage } from './pageSession';

// The page at `/` showing the decision trail, searching, and counting a refusal reason as the function does,
// in Chromium against the built functions (`node scripts/build.mjs` must have run). Nothing leaves 127.0.0.1.

let cloud: LocalCloud;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  cloud = await startLocalCloud({
    port: 0,
    functionEnv: { PLUGIN_ADMIN_OPENIDS: `张三=${localAccount.openid},${localAccount.adminApp.appid}:${localAccount.adminApp.openid}` },
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
  ({ context, page } = await openPage(browser, cloud.url));
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

function firstPending(): { appid: string; nickname: string; reason: string } {
  const found = cloud.applications().find((application) => application.status === ApplyStatus.pending && application.reason !== '');
  if (found === undefined) throw new Error('the seed has no pending application with a statement');
  return found;
}

async function refuse(appid: string, reason: string): Promise<void> {
  await rowOf(appid).locator('button[data-action="dev_refuse"]').click();
  await page.locator('#refuse-reason').fill(reason);
  await page.locator('#refuse-confirm').click();
  await page.locator(`tbody tr[data-appid="${appid}"][data-status="refused"]`).waitFor();
  await idle();
}

describe('the page and the decision trail', () => {
  it("shows who refused, and our reason labelled apart from the applicant's own statement", async () => {
    const { appid, reason: theirs } = firstPending();
    const ours = '类目与插件用途不符，请更换后再申请';

    await refuse(appid, ours);

    const decision = rowOf(appid).locator('td.decision');
    expect(await decision.locator('.by').textContent()).toBe('张三');
    expect(await decision.locator('.ours').textContent()).toBe(`我们的拒绝理由 · Our refusal reason${ours}`);
    expect(await rowOf(appid).locator('td.reason').textContent()).toBe(theirs);
    expect(await page.locator('thead').textContent()).toContain("Applicant's own note");
  });

  it("lists the whole trail newest first, and one application's history in a dialog", async () => {
    const { appid, nickname } = firstPending();
    const other = cloud.applications().find((application) => application.status === ApplyStatus.pending && application.appid !== appid);
    if (other === undefined) throw new Error('the seed needs two pending applications');

    await rowOf(other.appid).locator('button[data-action="dev_agree"]').click();
    await page.locator(`tbody tr[data-appid="${other.appid}"][data-status="approved"]`).waitFor();
    await idle();
    await refuse(appid, '资质不全');

    const entries = await page.locator('#trail li .what').allTextContents();
    expect(entries).toEqual([`拒绝 Refuse · ${nickname}（${appid}） · 张三`, expect.stringContaining(`同意 Agree · `)]);
    await rowOf(appid).locator('button[data-history]').click();
    await page.locator('#history li .what').first().waitFor();
    expect(await page.locator('#history li .what').allTextContents()).toEqual(['拒绝 Refuse · 张三']);
    expect(await page.locator('#history li .ours').textContent()).toContain('资质不全');
  });

  it("shows the CLI's decisions, recorded with --env, like the functions'", async () => {
    const { appid } = firstPending();

    const cli = await runInProcess(['refuse', appid, '--reason', '资质不全', '--env', 'local', '--by', 'ops@ci', '--base-url', cloud.url]);
    await page.locator('#refresh').click();
    await idle();

    expect(cli.code).toBe(0);
    expect(await rowOf(appid).locator('td.decision .by').textContent()).toBe('ops@ci');
    expect(await rowOf(appid).locator('td.decision .ours').textContent()).toContain('资质不全');
    expect(await page.locator('#trail li').first().locator('.meta').textContent()).toContain('cli');
  });

  it('says the trail could not be read, and still lists every application', async () => {
    cloud.addFault({ kind: 'tcbError', code: 'DATABASE_PERMISSION_DENIED', api: 'database', times: 10 });

    await page.locator('#refresh').click();
    await idle();

    expect(await page.locator('#trail-unread').textContent()).toContain('The decision trail could not be read');
    expect(await page.locator('tbody tr[data-appid]').count()).toBe(cloud.applications().length);
    expect(await page.locator('td.decision .none').first().textContent()).toContain('trail unreadable');
  });

  it('finds applications by appid or by name', async () => {
    const { appid, nickname } = firstPending();

    await page.locator('#search').fill(appid.slice(2, 10).toUpperCase());
    const byAppid = await page.locator('tbody tr[data-appid]').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.appid));
    await page.locator('#search').fill(Array.from(nickname).slice(0, 2).join(''));
    const byName = await page.locator('tbody tr[data-appid] .nickname').allTextContents();
    await page.locator('#search').fill('没有这个名字');

    expect(byAppid).toEqual([appid]);
    expect(byName).toEqual([nickname]);
    expect(await page.locator('tbody td.empty').textContent()).toContain('No application matches the search');
    expect(await page.locator('#count').textContent()).toContain('匹配 0 项');
  });
});

describe('the refusal reason in the page', () => {
  it('counts a flag or an emoji as one character, as the function does, and sends 150 flags whole', async () => {
    const { appid } = firstPending();
    const flags = '🇨🇳'.repeat(150);

    await rowOf(appid).locator('button[data-action="dev_refuse"]').click();
    await page.locator('#refuse-reason').fill('👍🏽 好的 🇨🇳');
    const mixed = await page.locator('#refuse-counter').textContent();
    await page.locator('#refuse-reason').fill(flags);
    const counted = await page.locator('#refuse-counter').textContent();
    await page.locator('#refuse-confirm').click();
    await page.locator(`tbody tr[data-appid="${appid}"][data-status="refused"]`).waitFor();

    expect(mixed).toBe(`6 / ${REASON_MAX_CHARS}`);
    expect(counted).toBe(`150 / ${REASON_MAX_CHARS}`);
    expect(cloud.refusals().at(-1)?.reason).toBe(flags);
  });

  it('refuses a reason longer than the limit before any call, saying how long it is', async () => {
    const { appid } = firstPending();
    const calls = cloud.calls().length;

    await rowOf(appid).locator('button[data-action="dev_refuse"]').click();
    await page.locator('#refuse-reason').fill('字'.repeat(REASON_MAX_CHARS + 1));
    await page.locator('#refuse-confirm').click();

    expect(await page.locator('#refuse-problem').textContent()).toContain(`this has ${REASON_MAX_CHARS + 1}`);
    expect(await page.locator('#refuse-counter').getAttribute('class')).toBe('invalid');
    expect(await page.locator('#refuse-dialog').evaluate((dialog) => (dialog as HTMLDialogElement).open)).toBe(true);
    expect(cloud.calls().length).toBe(calls);
  });
});

describe("the page's status vocabulary", () => {
  it("offers the functions' own statuses, with their own names, served with the page", async () => {
    const offered = await page.locator('#filter input').evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
    const labels = await page.locator('#filter label').allTextContents();

    expect(offered).toEqual(['', ...STATUS_NAMES]);
    expect(labels.slice(1)).toEqual(STATUS_NAMES.map((name) => `${STATUS_TEXT[name][0]} ${STATUS_TEXT[name][1]}`));
  });

  it("counts batch results with the core's own countResults, served with the page", async () => {
    const results = [
      { ok: true, changed: true },
      { ok: true, changed: false },
      { ok: false, error: { code: 'APPLICATION_NOT_PENDING' } },
      { ok: false, error: { code: 'NOT_ATTEMPTED' } },
      { ok: false, error: { code: 'SKIPPED' } },
    ];

    const counted = await page.evaluate((given) => (window as unknown as { countResults(r: unknown): unknown }).countResults(given), results);

    expect(counted).toEqual(countResults(results as unknown as Parameters<typeof countResults>[0]));
  });
});
