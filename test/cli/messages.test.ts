/**
 * What `plugin-apply` says when something fails: one language from the locale, WeChat's own text only where it adds
 * something, hints in the CLI's own words, and no talk of an unknown outcome where nothing was decided. In-process.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalCloud } from '../../localcloud/server';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import { startLocalCloud } from '../../localcloud/server';
import type { RawApplication } from '../../src/core/wechatClient';
import type { PluginApplyClient } from '../../src/core/wechatClient';
import { WeChatApiError } from '../../src/core/wechatClient';
import { langOf } from '../../src/cli/output';
import { runInProcess } from './runInProcess';

const pending = 'wx3f9a1c2b7d4e6058';
const approved = 'wx0e6f8a2c4b9d1735';
const refused = 'wxa4b6c8d0e2f41357';
const expired = 'wx2c4e6a8b0d1f3579';

describe('langOf', () => {
  it.each([
    [{ LANG: 'zh_CN.UTF-8' }, 'zh'],
    [{ LANG: 'zh_TW.UTF-8' }, 'zh'],
    [{ LANG: 'en_US.UTF-8' }, 'en'],
    [{}, 'en'],
    [{ LC_ALL: 'C', LANG: 'zh_CN.UTF-8' }, 'en'],
    [{ LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' }, 'zh'],
    [{ LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN' }, 'zh'],
  ])('reads %p as %s', (env, lang) => {
    expect(langOf(env)).toBe(lang);
  });
});

describe('plugin-apply failure messages (in-process)', () => {
  let cloud: LocalCloud;
  const withCloud = (...args: string[]): string[] => [...args, '--base-url', cloud.url];

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0 });
  });
  afterAll(() => cloud.close());
  beforeEach(() => cloud.reset());

  it("says each failure once, in English by default, without WeChat's text that repeats it", async () => {
    // Recorded, so that the decision trail's note does not join the hints.
    const run = await runInProcess(withCloud('refuse', '--reason', '暂不开放', approved), { env: { PLUGIN_CLOUD_ENV: 'local' } });

    expect(run.code).toBe(1);
    const line = run.stdout.split('\n').find((text) => text.startsWith('✗')) ?? '';
    expect(line).toBe(`✗ ${approved} (番茄时钟) APPLICATION_NOT_PENDING [89240] only pending applications can be agreed to or refused (currently approved)`);
    expect(run.stdout + run.stderr).not.toMatch(/只有|无法进行|请运行/);
    expect(run.stderr).toBe('hint (APPLICATION_NOT_PENDING): Run plugin-apply list: the application was already decided or has timed out.\n');
  });

  it('says it in Chinese under a zh locale', async () => {
    const run = await runInProcess(withCloud('refuse', '--reason', '暂不开放', approved), { env: { LANG: 'zh_CN.UTF-8', PLUGIN_CLOUD_ENV: 'local' } });

    expect(run.stdout).toContain(
      `✗ ${approved} (番茄时钟) APPLICATION_NOT_PENDING [89240] 无法进行此操作，只有"待确认"的申请可操作通过/拒绝（当前状态：已通过）`,
    );
    expect(run.stdout).not.toContain('only pending');
    expect(run.stderr).toBe('建议 (APPLICATION_NOT_PENDING): 请运行 plugin-apply list：该申请已被处理或已超时。\n');
  });

  it("prints an account-wide error's block in one language", async () => {
    cloud.addFault({ kind: 'errcode', errcode: 45011, action: 'dev_agree' });

    const run = await runInProcess(withCloud('agree', pending), { env: { LC_ALL: 'zh_CN.UTF-8' } });

    expect(run.stderr).toContain('!! 建议：请等到下一分钟再重试。');
    expect(run.stderr).not.toContain('What to do');
  });

  it.each([
    [refused, '旧物回收站'],
    [expired, '城市停车通'],
  ])('tells that the applicant of %s must apply again when agreeing to it', async (appid) => {
    const run = await runInProcess(withCloud('agree', appid));

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('A refused or timed-out application cannot be agreed to: the applicant must apply again');
  });

  it.each([
    ['delete', [approved], 'Run plugin-apply list: approved applications cannot be deleted.'],
    ['delete', [pending], 'Agree to or refuse it first (plugin-apply refuse --reason TEXT APPID), then delete it once refused.'],
  ])("hints in the CLI's words on %s %p", async (command, appids, hint) => {
    const run = await runInProcess(withCloud(command, ...appids));

    expect(run.stderr).toContain(hint);
    expect(run.stderr).not.toMatch(/getPluginDevApplyList|issues|cloud console|云函数/);
  });

  it.each([
    [89242, 'APPLICATION_NOT_FOUND', 'Check the appid against plugin-apply list'],
    [89237, 'PLUGIN_ALREADY_ADDED', 'Nothing to do: the applicant already uses the plugin.'],
    [89239, 'PLUGIN_NOT_FOUND', 'Check PLUGIN_APPID'],
    [48001, 'API_UNAUTHORIZED', 'only the plugin developer may decide on its applications'],
  ])("hints in the CLI's words on errcode %i (%s)", async (errcode, code, hint) => {
    cloud.addFault({ kind: 'errcode', errcode, action: 'dev_agree' });

    const run = await runInProcess(withCloud('agree', pending));

    expect(run.stdout).toContain(code);
    expect(run.stderr).toContain(hint);
    expect(run.stderr).not.toMatch(/getPluginDevApplyList|cloud environment|云开发/);
  });

  it("shows WeChat's own text for an errcode it does not document", async () => {
    cloud.addFault({ kind: 'errcode', errcode: 99999, message: 'something new rid: 42', action: 'dev_agree' });

    const run = await runInProcess(withCloud('agree', pending));

    expect(run.stdout).toMatch(/WECHAT_ERROR \[99999\] WeChat returned an unknown error — .*something new rid: 42/);
  });

  it('says "list", not "decide", when WeChat refuses the account while listing', async () => {
    cloud.addFault({ kind: 'errcode', errcode: 48001, action: 'dev_apply_list' });

    const run = await runInProcess(withCloud('list'));

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('only the plugin developer may list its applications');
    expect(run.stderr).not.toContain('decide');
  });

  it('does not speak of an unknown outcome when list meets a refused connection: nothing was decided', async () => {
    const run = await runInProcess(['list', '--base-url', 'http://127.0.0.1:9']);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('✗ list failed: ACCESS_TOKEN_UNAVAILABLE [-700005] no access token could be fetched, so nothing was sent to WeChat');
    expect(run.stderr).not.toMatch(/outcome|unknown|decision/);
  });

  it('tells a decision that timed out to check with plugin-apply list and to raise --timeout', async () => {
    cloud.addFault({ kind: 'hang', action: 'dev_agree' });

    const run = await runInProcess(withCloud('agree', '--timeout', '1', pending));

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'hint (TIMEOUT): Run plugin-apply list to see whether the decision was applied, then send it again if not. To allow more time, raise --timeout (this run: 1 s).',
    );
  });

  it('names the URL it used when a decision cannot reach it', async () => {
    const run = await runInProcess(['agree', pending, '--base-url', 'http://127.0.0.1:9']);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Check that this machine can reach http://127.0.0.1:9');
  });

  it.each([
    [404, 'The address answered HTTP 404: usually a wrong --base-url / WECHAT_API_BASE_URL (this run: '],
    [502, 'The address answered HTTP 502: an upstream failure, already retried. Listing changes nothing, so just run it again.'],
    [429, 'The address answered HTTP 429 (too many requests): wait, then run again.'],
  ])('says what an HTTP %i from the list address means, not which field to read', async (status, hint) => {
    const server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end('nope');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The token comes from the local cloud; the list call goes to the failing server.
    const run = await runInProcess(['list', '--base-url', base], {
      createClient: (options) => createHttpsClient({ ...options, tokens: { get: async () => 'TOKEN', invalidate: () => undefined } }),
    }).finally(() => new Promise((resolve) => server.close(resolve)));

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(hint);
    expect(run.stderr).not.toContain('httpStatus');
  });

  it('does not speak of an unknown outcome when a list times out', async () => {
    cloud.addFault({ kind: 'hang', action: 'dev_apply_list' });

    const run = await runInProcess(withCloud('list', '--timeout', '0.5'));

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('TIMEOUT WeChat did not answer within the time limit');
    expect(run.stderr).not.toMatch(/outcome|decision/);
  });
});

describe('plugin-apply list after a cut walk (in-process)', () => {
  /** A list of `pages` full pages of fresh appids, then an empty one; counts the pages read. */
  function endlessList(pages: number): { client: PluginApplyClient; firstPages: number[] } {
    const firstPages: number[] = [];
    const item = (page: number, i: number): RawApplication => ({ appid: `wx${(page * 1000 + i).toString(16).padStart(16, '0')}`, status: 1, nickname: 'n' });
    return {
      firstPages,
      client: {
        listApplications: async (page, num) => {
          firstPages.push(page);
          // Counts from 1: page 0 lists nothing.
          return page < 1 || page > pages ? [] : Array.from({ length: num }, (_, i) => item(page, i));
        },
        setApplyStatus: async () => undefined,
      },
    };
  }

  it('names --from-page, an option it has, to continue after the most pages one walk reads', async () => {
    const { client } = endlessList(5000);

    const run = await runInProcess(['list', '--json'], { createClient: () => client });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('continue with plugin-apply list --from-page 1001');
    expect(JSON.parse(run.stdout)).toHaveLength(100_000);
  });

  it('starts at --from-page, once it found where WeChat counts pages from', async () => {
    const { client, firstPages } = endlessList(3);

    const run = await runInProcess(['list', '--from-page', '3', '--json'], { createClient: () => client });

    expect(run.code).toBe(0);
    expect(firstPages).toEqual([1, 0, 3, 4]);
    expect(JSON.parse(run.stdout)).toHaveLength(100);
  });

  it('finds that WeChat counts pages from 0, as the functions do, and lists that first page', async () => {
    const application = (n: number): RawApplication => ({ appid: `wx${n.toString(16).padStart(16, '0')}`, status: 1, nickname: `n${n}` });
    const pages = new Map([
      [0, [application(1), application(2)]],
      [1, [application(3)]],
    ]);
    const client: PluginApplyClient = { listApplications: async (page) => pages.get(page) ?? [], setApplyStatus: async () => undefined };

    const run = await runInProcess(['list', '--json'], { createClient: () => client });

    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Array<{ appid: string }>).map((item) => item.appid)).toEqual([application(1).appid, application(2).appid]);
  });

  it('settles an "already done" answer by the list it read for nicknames, reading it no second time', async () => {
    const appid = 'wx0123456789abcdef';
    const pagesRead: number[] = [];
    const client: PluginApplyClient = {
      listApplications: async (page) => {
        pagesRead.push(page);
        return page === 1 ? [{ appid, status: 2, nickname: '小鹿记账' }] : [];
      },
      setApplyStatus: async () => {
        throw new WeChatApiError(89240, 'only pending application can be approved rid: 1');
      },
    };

    const run = await runInProcess(['agree', appid, '--json'], { createClient: () => client });

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ results: [{ ok: true, appid, changed: false }] });
    // Page 1 for the nicknames, page 0 once to find where WeChat counts from; the lookup reuses them.
    expect(pagesRead).toEqual([1, 0]);
  });

  it.each(['0', 'two', '1.5'])('refuses --from-page %s', async (value) => {
    const run = await runInProcess(['list', '--from-page', value]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--from-page must be a page number, 1 or more');
  });
});
