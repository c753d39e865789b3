/**
 * The `plugin-apply` CLI end to end: the built dist/plugin-apply.js run as a child process against the local
 * cloud's HTTPS API, with the credentials in its environment as an operator would set them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Application, LocalCloud } from '../../localcloud/server';
import { localAccount, startLocalCloud } from '../../localcloud/server';
import { displayWidth } from '../../src/cli/output';

const repo = join(__dirname, '../..');
const cli = join(repo, 'dist/plugin-apply.js');

/** Demo seed appids (localcloud/demo-seed.json) by what the tests use them for. */
const pending = ['wx3f9a1c2b7d4e6058', 'wx8b2e4d6f0a1c3e57', 'wxc51d7a9e3f2b8046'];
const approved = 'wx0e6f8a2c4b9d1735';
const refused = 'wxa4b6c8d0e2f41357';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from start to exit, in milliseconds. */
  ms: number;
}

/** Control characters an applicant could put in a nickname or reason to drive the operator's terminal (line feed aside). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('plugin-apply (dist/plugin-apply.js)', () => {
  let cloud: LocalCloud;
  let dir: string;
  /** Everything every run printed, checked for the AppSecret after each test. */
  let printed: string[];

  /** Runs the CLI with the local account's credentials (unless `env` overrides them) and `input` on stdin. */
  const run = (args: readonly string[], { env = {}, input = '' }: { env?: Record<string, string>; input?: string } = {}): Promise<Run> =>
    new Promise((resolve) => {
      const started = Date.now();
      const childEnv = {
        PATH: process.env.PATH ?? '',
        TZ: 'Asia/Shanghai',
        PLUGIN_APPID: localAccount.appid,
        PLUGIN_APPSECRET: localAccount.secret,
        ...env,
      };
      const child = execFile(process.execPath, [cli, ...args], { env: childEnv, timeout: 15_000 }, (error, stdout, stderr) => {
        printed.push(stdout, stderr);
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      });
      // Always end stdin: a child that reads it must see end-of-file rather than wait forever.
      child.stdin?.end(input);
    });
  const withCloud = (...args: string[]): string[] => [...args, '--base-url', cloud.url];
  const statusOf = (appid: string): number | undefined => cloud.applications().find((item) => item.appid === appid)?.status;
  const decisionCalls = (): number => cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus').length;

  beforeAll(async () => {
    if (!existsSync(cli)) await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: repo });
    cloud = await startLocalCloud({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'plugin-apply-cli-'));
  });

  afterAll(async () => {
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    cloud.reset();
    printed = [];
  });

  afterEach(() => {
    for (const output of printed) expect(output).not.toContain(localAccount.secret);
  });

  describe('list', () => {
    it('prints every application as a table aligned for Chinese text, with status in Chinese and English', async () => {
      const result = await run(withCloud('list'));

      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toMatch(/^APPID\s+STATUS\s+NICKNAME\s+APPLIED AT\s+REASON$/);
      const rows = lines.filter((line) => line.startsWith('wx'));
      expect(rows).toHaveLength(8);
      expect(rows[0]).toMatch(/^wx3f9a1c2b7d4e6058 +待确认 pending +小鹿记账 +2024-05-30 10:00 +用于在账单页展示图表$/);
      expect(result.stdout).toContain('已超时 timed out');
      // Each row's applied-at column starts at the header's column, counting wide characters as two.
      const column = (line: string): number => displayWidth(line.slice(0, line.search(/\d{4}-\d\d-\d\d|APPLIED AT/)));
      for (const row of rows) expect(column(row)).toBe(column(lines[0] ?? ''));
      expect(result.stdout).toContain('8 applications');
    });

    it('prints the normalised items as JSON with --json, and only one status with --status', async () => {
      const result = await run(withCloud('list', '--status', 'pending', '--json'));

      expect(result.code).toBe(0);
      const items = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
      expect(items.map((item) => item.appid)).toEqual(pending);
      expect(items[0]).toMatchObject({ status: 1, statusName: 'pending', nickname: '小鹿记账', createTime: '2024-05-30T02:00:00.000Z' });
    });

    it('walks every page of a list longer than one page', async () => {
      cloud.reset(pendingApplications(150));

      const result = await run(withCloud('list', '--json'));

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toHaveLength(150);
      // Pages 1 and 2, and once page 0, to find where WeChat counts pages from.
      expect(
        cloud
          .calls()
          .filter((call) => call.action === 'dev_apply_list')
          .map((call) => call.request.page),
      ).toEqual([1, 0, 2]);
    });

    it('refuses an unknown --status with exit code 2 before calling WeChat', async () => {
      const result = await run(withCloud('list', '--status', 'done'));

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('status must be one of pending, approved, refused, expired');
      expect(cloud.calls()).toEqual([]);
    });
  });

  describe('decisions', () => {
    it('agrees to several appids, changes their status and exits 0', async () => {
      const result = await run(withCloud('agree', ...pending));

      expect(result.code).toBe(0);
      for (const appid of pending) {
        expect(statusOf(appid)).toBe(2);
        expect(result.stdout).toMatch(new RegExp(`✓ ${appid} \\(.+\\) agreed`));
      }
      expect(result.stdout).toContain(`✓ ${pending[0] ?? ''} (小鹿记账) agreed`);
      expect(result.stdout).toContain('agree: 3 appids — 3 agreed, 0 unchanged, 0 failed');
    });

    it('exits 1 and names the appid and its current status when one item of a batch fails', async () => {
      const result = await run(withCloud('refuse', '--reason', '暂不开放', pending[0] ?? '', approved));

      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`✓ ${pending[0] ?? ''} (小鹿记账) refused`);
      expect(result.stdout).toMatch(new RegExp(`✗ ${approved} \\(番茄时钟\\) APPLICATION_NOT_PENDING \\[89240\\] .*currently approved`));
      expect(statusOf(pending[0] ?? '')).toBe(3);
      expect(cloud.refusals()).toEqual([{ appid: pending[0], reason: '暂不开放', time: expect.any(String) }]);
    });

    it('says "not in the list" for a delete of an appid WeChat does not list, so a typo does not read as a deletion', async () => {
      const neverListed = 'wx00000000000000ff';

      const result = await run(withCloud('delete', neverListed));

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`= ${neverListed} not in the list (unchanged)`);
      expect(result.stdout).not.toContain('already gone');
    });

    it('counts a decision that was already so as a success, marked unchanged', async () => {
      const result = await run(withCloud('agree', approved));

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`= ${approved} (番茄时钟) already approved (unchanged)`);
      expect(result.stdout).toContain('0 agreed, 1 unchanged, 0 failed');
    });

    it('refuses a malformed appid with exit 2, naming it, and decides none of the others', async () => {
      const result = await run(withCloud('agree', 'WX3F9A1C2B7D4E6058', pending[1] ?? ''));

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('argument 1: "WX3F9A1C2B7D4E6058" is not an appid');
      expect(cloud.calls()).toEqual([]);
      expect(statusOf(pending[1] ?? '')).toBe(1);
    });

    it('prints the results and a summary as JSON with --json', async () => {
      const result = await run(withCloud('delete', '--json', refused, approved));

      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as { results: Array<Record<string, unknown>>; summary: Record<string, number> };
      expect(report.results[0]).toEqual({ ok: true, action: 'dev_delete', appid: refused, nickname: '旧物回收站', changed: true });
      expect(report.results[1]).toMatchObject({ ok: false, appid: approved, error: { code: 'APPLICATION_NOT_DELETABLE', errCode: 89241 } });
      expect(report.summary).toEqual({ total: 2, changed: 1, unchanged: 0, failed: 1, notAttempted: 0, skipped: 0 });
      expect(statusOf(refused)).toBeUndefined();
    });

    it('reads appids from --file, skipping comments, blank lines and duplicates', async () => {
      const file = join(dir, 'appids.txt');
      writeFileSync(file, `# to approve\n${pending[0] ?? ''}\n\n${pending[1] ?? ''}, ${pending[0] ?? ''}  # again\n`);

      const result = await run(withCloud('agree', '--file', file));

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('agree: 2 appids — 2 agreed');
      expect(statusOf(pending[0] ?? '')).toBe(2);
      expect(statusOf(pending[1] ?? '')).toBe(2);
      expect(decisionCalls()).toBe(2);
    });

    it('refuses a file line that is not an appid (a mixed-action line) with exit 2, naming the line, and sends nothing', async () => {
      const file = join(dir, 'mixed.txt');
      writeFileSync(file, `# decisions\n${pending[0] ?? ''}\n\nrefuse ${pending[1] ?? ''} 资质不全\n`);

      const result = await run(withCloud('agree', '--file', file));

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--file ${file} line 4: "refuse", "资质不全" are not appids`);
      expect(result.stderr).toContain('nothing was sent');
      expect(cloud.calls()).toEqual([]);
      expect(statusOf(pending[0] ?? '')).toBe(1);
      expect(statusOf(pending[1] ?? '')).toBe(1);
    });

    it.each([
      ['piped in with no other appids', []],
      ['given as "-"', ['-']],
    ])('reads appids from stdin %s', async (_name, args) => {
      const result = await run(withCloud('agree', ...args), { input: `${pending[1] ?? ''}\n${pending[2] ?? ''}\n` });

      expect(result.code).toBe(0);
      expect(statusOf(pending[1] ?? '')).toBe(2);
      expect(statusOf(pending[2] ?? '')).toBe(2);
    });

    it('takes the base URL from WECHAT_API_BASE_URL when --base-url is not given', async () => {
      const result = await run(['agree', pending[0] ?? ''], { env: { WECHAT_API_BASE_URL: cloud.url } });

      expect(result.code).toBe(0);
      expect(statusOf(pending[0] ?? '')).toBe(2);
    });
  });

  describe('--dry-run', () => {
    it('names every invalid appid, exits 2 and calls nothing', async () => {
      const result = await run(withCloud('agree', '--dry-run', pending[0] ?? '', 'wx123'));

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('argument 2: "wx123" is not an appid');
      expect(cloud.calls()).toEqual([]);
    });

    it('lists what it would send when everything is valid', async () => {
      const result = await run(withCloud('agree', '--dry-run', pending[0] ?? ''));

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`✓ ${pending[0] ?? ''} valid`);
      expect(result.stdout).toContain('dry run: 1 valid, 0 invalid; nothing was sent');
    });

    it('exits 0 when everything is valid, still calling nothing', async () => {
      const result = await run(withCloud('refuse', '--dry-run', '--reason', '暂不开放', ...pending));

      expect(result.code).toBe(0);
      expect(cloud.calls()).toEqual([]);
      expect(statusOf(pending[0] ?? '')).toBe(1);
    });

    it('needs no credentials, since it calls nothing', async () => {
      const result = await run(['agree', '--dry-run', pending[0] ?? ''], { env: { PLUGIN_APPID: '', PLUGIN_APPSECRET: '' } });

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`✓ ${pending[0] ?? ''} valid`);
      expect(cloud.calls()).toEqual([]);
    });
  });

  describe('configuration and usage errors', () => {
    it('exits 2 naming PLUGIN_APPSECRET and where to find it when it is missing, without calling WeChat', async () => {
      const result = await run(withCloud('agree', pending[0] ?? ''), { env: { PLUGIN_APPSECRET: '' } });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('PLUGIN_APPSECRET is not set');
      expect(result.stderr).toContain('开发管理 → 开发设置');
      expect(cloud.calls()).toEqual([]);
    });

    it('exits 2 with the AppSecret hint, and never the secret itself, when WeChat refuses the secret', async () => {
      const wrongSecret = 'f'.repeat(32);

      const result = await run(withCloud('agree', pending[0] ?? ''), { env: { PLUGIN_APPSECRET: wrongSecret } });

      expect(result.code).toBe(2);
      expect(result.stdout).toContain('INVALID_APPSECRET [40125]');
      expect(result.stderr).toContain('What to do: Check PLUGIN_APPSECRET');
      expect(result.stdout + result.stderr).not.toContain(wrongSecret);
    });

    it.each([
      ['too short', 'abc', 'this one has 3 characters.'],
      ['not hexadecimal', 'z'.repeat(32), 'this one has 32 characters and not only hexadecimal ones'],
    ])('exits 2 without calling WeChat when PLUGIN_APPSECRET is malformed (%s), never printing it', async (_name, secret, detail) => {
      const result = await run(withCloud('list'), { env: { PLUGIN_APPSECRET: secret } });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`PLUGIN_APPSECRET is malformed: an AppSecret is 32 hexadecimal characters, ${detail}`);
      expect(result.stderr).not.toContain(secret);
      expect(cloud.calls()).toEqual([]);
    });

    it.each([
      ['refuse without --reason', ['refuse', pending[0] ?? ''], 'refuse needs --reason'],
      ['an unknown option', ['agree', '--force', pending[0] ?? ''], 'unknown option --force for agree'],
      ['a mistyped option', ['list', '--statuss', 'pending'], 'unknown option --statuss (did you mean --status?)'],
      ['a decision without appids', ['delete'], 'no appids given'],
      ['an unknown command', ['approve', pending[0] ?? ''], 'unknown command "approve" (did you mean agree?)'],
      ['a reason that is too long', ['refuse', '--reason', 'x'.repeat(201), pending[0] ?? ''], 'reason must be at most 200 characters'],
    ])('exits 2 on %s', async (_name, args, message) => {
      const result = await run(withCloud(...args));

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(cloud.calls()).toEqual([]);
    });

    it.each(['list', 'agree', 'refuse', 'delete'])('prints the usage of %s with --help and exits 0', async (command) => {
      const result = await run([command, '--help']);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: plugin-apply ${command}`);
      expect(result.stdout).toContain('PLUGIN_APPSECRET');
    });
  });

  describe('--timeout', () => {
    let silent: Server;
    let silentUrl: string;

    beforeAll(async () => {
      // Accepts every request and never answers, like a WeChat that hangs.
      silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('ends the process soon after printing TIMEOUT when the server never answers a list', async () => {
      const result = await run(['list', '--timeout', '1', '--base-url', silentUrl]);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('✗ list failed: TIMEOUT');
      // The HTTPS request's own limit is 10 s: the process must not wait for it.
      expect(result.ms).toBeLessThan(6000);
    });

    it('ends the process soon after the deadline when a decision hangs', async () => {
      cloud.addFault({ kind: 'hang', api: 'pluginManager.setDevPluginApplyStatus' });

      const result = await run(withCloud('agree', '--timeout', '1', pending[0] ?? ''));

      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`✗ ${pending[0] ?? ''} (小鹿记账) TIMEOUT`);
      expect(result.ms).toBeLessThan(6000);
    });

    it("tells a CLI user to raise --timeout, not the cloud function's timeout", async () => {
      cloud.addFault({ kind: 'hang', api: 'pluginManager.setDevPluginApplyStatus' });

      const result = await run(withCloud('agree', '--timeout', '1', pending[0] ?? ''));

      expect(result.stderr).toContain('raise --timeout (this run: 1 s)');
      expect(result.stderr).toContain('Run plugin-apply list to see whether the decision was applied');
      expect(result.stderr).not.toContain('cloud console');
    });

    it('does not tell a failed list to check whether a decision was applied', async () => {
      const result = await run(['list', '--timeout', '1', '--base-url', silentUrl]);

      expect(result.stderr).toContain('Listing changes nothing, so just run it again.');
      expect(result.stderr).not.toMatch(/decision|cloud console/);
    });

    it.each(['3000000', '86401', '0', 'soon'])('refuses --timeout %s with exit 2 before calling WeChat', async (value) => {
      const result = await run(withCloud('list', '--timeout', value));

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--timeout must be a number of seconds above 0 and at most 86400');
      expect(result.stderr).not.toContain('TimeoutOverflowWarning');
      expect(cloud.calls()).toEqual([]);
    });
  });

  describe('network errors', () => {
    it('names the URL actually used, not api.weixin.qq.com, when --base-url cannot be reached', async () => {
      const unreachable = 'http://127.0.0.1:9';

      const result = await run(['agree', pending[0] ?? '', '--base-url', unreachable]);

      expect(result.code).toBe(1);
      expect(result.stdout).toContain('ACCESS_TOKEN_UNAVAILABLE');
      expect(result.stderr).toContain(`Check that this machine can reach ${unreachable}`);
      expect(result.stderr).not.toContain('api.weixin.qq.com');
    });

    it('says no decision was sent, and names --base-url with the URL used, when the token fetch answers 404', async () => {
      const wrong = `${cloud.url}/nope`;

      const result = await run(['agree', pending[0] ?? '', '--base-url', wrong]);

      expect(result.code).toBe(1);
      expect(result.stdout).toContain('HTTP_ERROR');
      expect(result.stderr).toContain('Fetching the access token got HTTP 404, so no decision was sent');
      expect(result.stderr).toContain(`check --base-url / WECHAT_API_BASE_URL (this run: ${wrong})`);
      expect(decisionCalls()).toBe(0);
    });
  });

  describe('text from WeChat', () => {
    const hostile = {
      appid: 'wx00000000000000aa',
      status: 1 as const,
      nickname: '\u001b[2J\u001b]0;pwned\u0007清屏',
      headimgurl: '',
      categories: [],
      create_time: '1717034400',
      apply_url: '',
      reason: 'hidden:\u001b[8msecret\u001b[0m up:\u001b[1A csi:\u009b2J rtl:\u202etxt.exe',
    };

    it('escapes control characters in nicknames and reasons instead of sending them to the terminal', async () => {
      cloud.reset([hostile]);

      const result = await run(withCloud('list'));

      expect(result.code).toBe(0);
      expect(result.stdout).not.toMatch(TERMINAL_CONTROLS);
      expect(result.stdout).toContain('\\x1b[2J\\x1b]0;pwned\\x07清屏');
      expect(result.stdout).toContain('hidden:\\x1b[8msecret\\x1b[0m up:\\x1b[1A csi:\\x9b2J rtl:\\u{202e}txt.exe');
    });

    it('keeps the exact text in --json while no control character reaches the terminal raw', async () => {
      cloud.reset([hostile]);

      const result = await run(withCloud('list', '--json'));

      expect(result.stdout).not.toMatch(TERMINAL_CONTROLS);
      const [item] = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
      expect(item).toMatchObject({ nickname: hostile.nickname, reason: hostile.reason });
    });

    it("escapes control characters in WeChat's error text", async () => {
      // An errcode WeChat does not document: its own text is all there is, so the line shows it.
      cloud.addFault({ kind: 'errcode', errcode: 99999, message: '\u001b[2J\u001b[31mfake ✓ agreed', action: 'dev_agree' });

      const result = await run(withCloud('agree', pending[0] ?? ''));

      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).not.toMatch(TERMINAL_CONTROLS);
      expect(result.stdout).toContain('\\x1b[2J\\x1b[31mfake');
    });
  });

  describe('account-wide WeChat errors', () => {
    it.each([
      [45011, 'RATE_LIMITED', 'Wait for the next minute'],
      [45009, 'DAILY_QUOTA_EXCEEDED', 'Wait until tomorrow'],
      [61004, 'IP_NOT_WHITELISTED', 'IP whitelist'],
      [40164, 'IP_NOT_WHITELISTED', 'IP whitelist'],
    ])('prints the hint prominently for errcode %i (%s) and exits 1', async (errcode, code, hint) => {
      cloud.addFault({ kind: 'errcode', errcode, action: 'dev_agree' });

      const result = await run(withCloud('agree', pending[0] ?? ''));

      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`✗ ${pending[0] ?? ''} (小鹿记账) ${code} [${errcode}]`);
      expect(result.stderr).toMatch(new RegExp(`!! What to do: .*${hint}`));
    });

    it('exits 2 with the hint when the token request itself is refused (wrong PLUGIN_APPID account)', async () => {
      cloud.addFault({ kind: 'errcode', errcode: 40013, api: 'cgi-bin/stable_token' });

      const result = await run(withCloud('list'));

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('INVALID_APPID [40013]');
      expect(result.stderr).toContain('What to do: Check PLUGIN_APPID');
    });

    it.each([
      [45011, 'RATE_LIMITED'],
      [45009, 'DAILY_QUOTA_EXCEEDED'],
    ])('stops starting new items after errcode %i, reporting the rest as skipped after %s, not as out of time', async (errcode, code) => {
      cloud.reset(pendingApplications(15));
      const appids = cloud.applications().map((item) => item.appid);
      cloud.addFault({ kind: 'errcode', errcode, times: 100 });

      const result = await run(withCloud('agree', ...appids));

      expect(result.code).toBe(1);
      expect(decisionCalls()).toBe(10);
      expect(result.stdout).toContain('0 agreed, 0 unchanged, 10 failed, 5 skipped');
      expect(result.stdout.match(new RegExp(`SKIPPED .*\\(${code}\\)`, 'g'))).toHaveLength(5);
      expect(result.stdout).not.toContain('NOT_ATTEMPTED');
      expect(result.stdout).not.toContain('time limit');
      expect(result.stderr).toContain('hint (SKIPPED): ');
      expect(result.stderr).toContain('Fix the account-wide error reported above');
      expect(result.stderr).not.toContain('Send this item again');
    });
  });
});

/** `count` pending applications with distinct appids, in the local cloud's wire shape. */
function pendingApplications(count: number): Application[] {
  return Array.from({ length: count }, (_, i) => ({
    appid: `wx${String(i).padStart(16, '0')}`,
    status: 1,
    nickname: `申请者 ${i}`,
    headimgurl: '',
    categories: [],
    create_time: String(1717034400 + i),
    apply_url: '',
    reason: '',
  }));
}
