/**
 * `plugin-apply` run in-process (runCli) against the local cloud: the same behaviour the built CLI's tests check
 * end to end, here where coverage is measured, plus what only stand-in streams and signals can reach.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import type { PluginApplyClient } from '../../src/core/wechatClient';
import type { HttpsClientOptions } from '../../src/wechat/httpsTransport';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import { runInProcess } from './runInProcess';

const pending = ['wx3f9a1c2b7d4e6058', 'wx8b2e4d6f0a1c3e57', 'wxc51d7a9e3f2b8046'];
const approved = 'wx0e6f8a2c4b9d1735';
const refused = 'wxa4b6c8d0e2f41357';

describe('runCli (in-process)', () => {
  let cloud: LocalCloud;
  const withCloud = (...args: string[]): string[] => [...args, '--base-url', cloud.url];
  const statusOf = (appid: string): number | undefined => cloud.applications().find((item) => item.appid === appid)?.status;
  const decisionCalls = (): number => cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus').length;

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0 });
  });
  afterAll(() => cloud.close());
  beforeEach(() => cloud.reset());

  describe('help and usage', () => {
    it('prints the general usage on stderr with exit 2 when no command is given', async () => {
      const run = await runInProcess([]);

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('Usage:\n  plugin-apply list');
    });

    it.each([['--help'], ['help'], ['help', 'refuse'], ['refuse', '-h']])('prints help on stdout with exit 0 for %p', async (...args) => {
      const run = await runInProcess(args);

      expect(run.code).toBe(0);
      expect(run.stdout).toContain('plugin-apply');
    });

    it('names an unknown command and points to --help', async () => {
      const run = await runInProcess(['approve', pending[0] ?? '']);

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('unknown command "approve"');
      expect(run.stderr).toContain('Run "plugin-apply --help" for usage.');
    });

    it.each([
      [['list', '--statuss', 'pending'], 'unknown option --statuss (did you mean --status?)'],
      [['agree', '--reason', 'x', 'wx3f9a1c2b7d4e6058'], 'agree takes no --reason (refuse and apply do)'],
      [['agree', '-x', 'wx3f9a1c2b7d4e6058'], 'unknown option -x for agree'],
      [['list', '--status'], '--status needs a value'],
      [['list', '--json=yes'], '--json takes no value'],
      [['lsit'], 'unknown command "lsit" (did you mean list?)'],
      [['reject'], 'unknown command "reject" (did you mean refuse?)'],
      [['frobnicate'], 'unknown command "frobnicate": use list, agree, refuse, delete, apply, history, watch'],
    ])("names the nearest word for %p instead of the parser's message", async (args, message) => {
      const run = await runInProcess(args);

      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`plugin-apply: ${message}\n`);
      expect(run.stderr).not.toContain('positional');
    });

    it('refuses appids given to list', async () => {
      const run = await runInProcess(withCloud('list', pending[0] ?? ''));

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('list takes no appids');
    });

    it('refuses a base URL that is not http(s)', async () => {
      const run = await runInProcess(['list', '--base-url', 'ftp://example.com']);

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('the base URL must be an http(s) URL');
    });
  });

  describe('credentials', () => {
    it.each([
      [{ PLUGIN_APPID: '', PLUGIN_APPSECRET: '' }, 'PLUGIN_APPID and PLUGIN_APPSECRET are not set'],
      [{ PLUGIN_APPID: 'wx123' }, "PLUGIN_APPID must be the plugin's appid"],
      [{ PLUGIN_APPSECRET: 'abc' }, 'this one has 3 characters.'],
    ])('exits 2 without a pointer to --help for %p', async (env, message) => {
      const run = await runInProcess(withCloud('list'), { env });

      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toContain('--help');
      expect(cloud.calls()).toEqual([]);
    });
  });

  describe('list', () => {
    it('prints the table and exits 0', async () => {
      const run = await runInProcess(withCloud('list'));

      expect(run.code).toBe(0);
      expect(run.stdout).toContain('8 applications');
    });

    it("prints one status as JSON, with the core's log records on stderr under --verbose", async () => {
      cloud.addFault({ kind: 'errcode', errcode: -1, times: 1 });

      const run = await runInProcess(withCloud('list', '--status', 'approved', '--json', '--verbose'));

      expect(run.code).toBe(0);
      const items = JSON.parse(run.stdout) as Array<{ appid: string; statusName: string }>;
      expect(items.map((item) => item.appid)).toContain(approved);
      expect(new Set(items.map((item) => item.statusName))).toEqual(new Set(['approved']));
      expect(run.stderr).toContain('"event":"retry"');
    });

    it('exits 1 when the first page cannot be read', async () => {
      const run = await runInProcess(['list', '--base-url', 'http://127.0.0.1:9']);

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('✗ list failed: ACCESS_TOKEN_UNAVAILABLE');
    });

    it('exits 2 when WeChat refuses the credentials', async () => {
      cloud.addFault({ kind: 'errcode', errcode: 40013, api: 'cgi-bin/stable_token' });

      const run = await runInProcess(withCloud('list'));

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('INVALID_APPID');
    });

    it('prints what it read and exits 1 when a later page fails', async () => {
      cloud.reset(manyPending(150));
      // The first page and the probe of page 0 pass: the fault is queued behind two delayed reads.
      cloud.addFault({ kind: 'delay', ms: 1, times: 2 });
      cloud.addFault({ kind: 'errcode', errcode: 89236, times: 1 });

      const run = await runInProcess(withCloud('list', '--json'));

      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toHaveLength(100);
      expect(run.stderr).toContain('✗ the list is incomplete: page 2 failed');
    });
  });

  describe('decisions', () => {
    it('agrees to several appids, drawing a progress bar on a terminal', async () => {
      const run = await runInProcess(withCloud('agree', ...pending), { stderrIsTTY: true });

      expect(run.code).toBe(0);
      expect(run.stdout).toContain('agree: 3 appids — 3 agreed, 0 unchanged, 0 failed');
      expect(run.stderr).toContain('3/3');
      for (const appid of pending) expect(statusOf(appid)).toBe(2);
    });

    it('refuses with a reason, reporting a failure with exit 1', async () => {
      const run = await runInProcess(withCloud('refuse', '--reason', '暂不开放', pending[0] ?? '', approved));

      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`✓ ${pending[0] ?? ''} (小鹿记账) refused`);
      expect(run.stdout).toContain('APPLICATION_NOT_PENDING');
    });

    it.each([
      [['refuse', pending[0] ?? ''], 'refuse needs --reason'],
      [['refuse', '--reason', ' ', pending[0] ?? ''], '--reason: '],
      [['delete'], 'no appids given'],
      [['agree', '--file', '/nonexistent/appids.txt'], 'cannot read --file /nonexistent/appids.txt: ENOENT'],
    ])('exits 2 on %p', async (args, message) => {
      const run = await runInProcess(withCloud(...args));

      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(cloud.calls()).toEqual([]);
    });

    it('reads appids piped on stdin', async () => {
      const run = await runInProcess(withCloud('agree'), { input: `${pending[1] ?? ''}\n` });

      expect(run.code).toBe(0);
      expect(statusOf(pending[1] ?? '')).toBe(2);
    });

    it('gives up on a stdin that stays open past --timeout', async () => {
      const run = await runInProcess(withCloud('agree', '--timeout', '0.2', '-'), { input: new PassThrough() });

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('stdin was still open when --timeout ran out (no appids had arrived)');
    });

    it('prints a dry run as JSON, calling nothing and needing no credentials', async () => {
      const run = await runInProcess(['delete', '--dry-run', '--json', refused], { env: { PLUGIN_APPID: '', PLUGIN_APPSECRET: '' } });

      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({
        dryRun: true,
        results: [{ action: 'dev_delete', appid: refused, ok: true }],
        summary: { valid: 1, invalid: 0 },
      });
    });

    it('prints results as JSON with --json', async () => {
      const run = await runInProcess(withCloud('delete', '--json', refused));

      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ results: [{ ok: true, appid: refused, changed: true }], summary: { changed: 1 } });
    });

    it('exits 2 when WeChat refuses the AppSecret mid-batch', async () => {
      cloud.addFault({ kind: 'errcode', errcode: 40125, api: 'cgi-bin/stable_token', times: 5 });

      const run = await runInProcess(withCloud('agree', pending[0] ?? ''));

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('What to do: Check PLUGIN_APPSECRET');
    });

    it('passes its deadline to every call it makes, so the transport sends nothing past it', async () => {
      const deadlines: unknown[] = [];
      const createClient = (options: HttpsClientOptions): PluginApplyClient => {
        const real = createHttpsClient(options);
        return {
          listApplications: (page, num, deadline) => (deadlines.push(deadline), real.listApplications(page, num, deadline)),
          setApplyStatus: (request, deadline) => (deadlines.push(deadline), real.setApplyStatus(request, deadline)),
        };
      };

      const run = await runInProcess(withCloud('agree', '--timeout', '30', pending[0] ?? '', approved), { createClient });

      expect(run.code).toBe(0);
      expect(deadlines.length).toBeGreaterThanOrEqual(2);
      for (const deadline of deadlines) expect(deadline).toEqual({ at: expect.any(Number), now: expect.any(Function) });
    });

    it('reports an unexpected failure with exit 1', async () => {
      const run = await runInProcess(withCloud('agree', pending[0] ?? ''), {
        createClient: () => {
          throw new TypeError('boom');
        },
      });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('plugin-apply: unexpected error: TypeError: boom');
    });
  });

  describe('stop signals', () => {
    it('reports what was applied, in flight and not attempted after SIGINT, and exits at once on a second one', async () => {
      const appids = manyPending(30).map((item) => item.appid);
      cloud.reset(manyPending(30));
      cloud.addFault({ kind: 'delay', ms: 300, times: 1000, action: 'dev_agree' });
      const signals = new EventEmitter();

      const running = runInProcess(withCloud('agree', ...appids), { signals });
      while (decisionCalls() < 10) await new Promise((resolve) => setTimeout(resolve, 20));
      signals.emit('SIGINT');
      signals.emit('SIGINT');
      const run = await running;

      expect(run.exits).toEqual([130]);
      expect(run.code).toBe(130);
      expect(run.stdout).toMatch(
        /agree stopped by SIGINT: 30 appids — \d+ agreed, 0 unchanged, 0 failed, \d+ in flight \(outcome unknown\), \d+ not attempted/,
      );
      expect(run.stdout).toContain('not attempted: the run was stopped first');
      expect(signals.listenerCount('SIGINT')).toBe(0);
    });

    it('reports the stop as JSON under --json', async () => {
      const appids = manyPending(20).map((item) => item.appid);
      cloud.reset(manyPending(20));
      cloud.addFault({ kind: 'delay', ms: 300, times: 1000, action: 'dev_agree' });
      const signals = new EventEmitter();

      const running = runInProcess(withCloud('agree', '--json', ...appids), { signals });
      while (decisionCalls() < 10) await new Promise((resolve) => setTimeout(resolve, 20));
      signals.emit('SIGTERM');
      const run = await running;

      expect(run.code).toBe(143);
      const report = JSON.parse(run.stdout) as { interrupted: string; summary: { total: number } };
      expect(report).toMatchObject({ interrupted: 'SIGTERM', summary: { total: 20 } });
    });
  });
});

function manyPending(
  count: number,
): Array<{ appid: string; status: 1; nickname: string; headimgurl: string; categories: []; create_time: string; apply_url: string; reason: string }> {
  return Array.from({ length: count }, (_, i) => ({
    appid: `wxe${i.toString(16).padStart(15, '0')}`,
    status: 1 as const,
    nickname: `申请者 ${i}`,
    headimgurl: '',
    categories: [],
    create_time: String(1717034400 + i),
    apply_url: '',
    reason: '',
  }));
}
