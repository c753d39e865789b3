/**
 * `plugin-apply watch` in-process against the local cloud (its WeChat model and its WeCom robot) with a state file in
 * a temporary folder: the digest on stdout and to the robot, told once, the rules and their dry run, the lock, the
 * exit codes, and that the robot's key is never printed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Application, LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import { runInProcess } from './runInProcess';

const HOUR = 3_600_000;
const KEY = 'local-robot-key';
const appidOf = (n: number): string => `wx${n.toString(16).padStart(16, '0')}`;

describe('plugin-apply watch', () => {
  let cloud: LocalCloud;
  let dir: string;
  let state: string;

  /** A pending application that arrived `ageHours` before now. */
  const arrived = (n: number, fields: Partial<Application> = {}, ageHours = 1): Application => ({
    appid: appidOf(n),
    status: 1,
    nickname: `应用${n}`,
    headimgurl: '',
    categories: [{ first: '工具', second: '效率' }],
    create_time: String(Math.floor((cloud.now() - ageHours * HOUR) / 1000)),
    apply_url: '',
    reason: '想用这个插件',
    ...fields,
  });
  const webhook = (): string => `${cloud.url}/cgi-bin/webhook/send?key=${KEY}`;
  const watch = (args: string[] = [], env: Record<string, string> = {}) => runInProcess(['watch', '--base-url', cloud.url, '--state', state, ...args], { env });
  const listCalls = (): number => cloud.calls().filter((call) => call.api === 'pluginManager.getPluginDevApplyList').length;

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: [] });
  });
  afterAll(() => cloud.close());
  beforeEach(() => {
    cloud.reset([arrived(1, { nickname: '小工具' }), arrived(2, { status: 2 })]);
    dir = mkdtempSync(join(tmpdir(), 'plugin-apply-watch-'));
    state = join(dir, 'watch.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the digest of a new application on stdout and the run on stderr, then says nothing the next run (exit 0)', async () => {
    const first = await watch();
    const second = await watch();

    expect(first.code).toBe(0);
    expect(first.stdout).toContain('小工具');
    expect(first.stdout).toContain(appidOf(1));
    expect(first.stderr).toContain('watch: listed 2, 1 pending — 1 new, 0 due soon, 0 timed out unseen');
    expect(first.stderr).toMatch(/digest: printed \(1 notices, \d+ bytes\); \d+ writes to /);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain('digest: nothing to say');
    expect(cloud.robotMessages()).toEqual([]);
    expect(existsSync(state)).toBe(true);
    expect(existsSync(`${state}.lock`)).toBe(false);
  });

  it.each([
    ['--webhook', (url: string) => ({ args: ['--webhook', url], env: {} })],
    ['PLUGIN_APPLY_WEBHOOK', (url: string) => ({ args: [], env: { PLUGIN_APPLY_WEBHOOK: url } })],
  ])('sends the digest it prints to the robot given by %s, once, never printing the key', async (_how, given) => {
    const { args, env } = given(webhook());

    const first = await watch([...args, '--verbose'], env);
    const second = await watch(args, env);

    expect(first.code).toBe(0);
    expect(cloud.robotMessages().map((message) => `${message.content}\n`)).toEqual([first.stdout]);
    expect(first.stderr).toContain('digest: sent to the WeCom robot (1 notices');
    expect(second.stdout).toBe('');
    expect(cloud.robotMessages()).toHaveLength(1);
    for (const run of [first, second]) expect(`${run.stdout}${run.stderr}`).not.toContain(KEY);
  });

  it('keeps the notices for the next run when the robot refuses, saying why without the key (exit 1)', async () => {
    cloud.addFault({ kind: 'errcode', errcode: 45009, api: 'robot', times: 1 });

    const refused = await watch(['--webhook', webhook()]);
    const next = await watch(['--webhook', webhook()]);

    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(appidOf(1));
    expect(refused.stderr).toContain('✗ the digest was not sent: ROBOT_RATE_LIMITED [45009]');
    expect(refused.stderr).not.toContain(KEY);
    expect(next.code).toBe(0);
    expect(cloud.robotMessages()).toHaveLength(1);
    expect(cloud.robotMessages()[0]?.content).toContain(appidOf(1));
  });

  it("agrees what PLUGIN_AUTO_AGREE's rules agree, and with --dry-run only says what they would agree", async () => {
    const dry = await watch(['--dry-run'], { PLUGIN_AUTO_AGREE: appidOf(1) });
    const statusAfterDry = cloud.applications().find((item) => item.appid === appidOf(1))?.status;
    rmSync(state);
    const real = await watch([], { PLUGIN_AUTO_AGREE: appidOf(1) });

    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('rules (dry run): would agree 1');
    expect(statusAfterDry).toBe(1);
    expect(real.code).toBe(0);
    expect(real.stderr).toContain('rules: agreed 1, failed 0');
    expect(cloud.applications().find((item) => item.appid === appidOf(1))?.status).toBe(2);
  });

  it('records an agree by rule in the decision trail with the rule as who decided, given the environment', async () => {
    const run = await watch(['--env', 'local', '--json'], { PLUGIN_AUTO_AGREE: appidOf(1) });
    const answer = await fetch(`${cloud.url}/_local/db/plugin_apply_decisions`);
    const { documents } = (await answer.json()) as { documents: Array<Record<string, unknown>> };

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ trail: { recorded: true, records: 1 } });
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({
      action: 'dev_agree',
      appid: appidOf(1),
      nickname: '小工具',
      outcome: { code: 'OK', changed: true },
      by: { openid: null, appid: null, name: null, rule: appidOf(1) },
      source: 'cli',
    });
  });

  it("says once that the rules' agrees are not recorded without an environment, and a failed write fails nothing", async () => {
    const untold = await watch([], { PLUGIN_AUTO_AGREE: appidOf(1) });
    rmSync(state);
    cloud.reset([arrived(1, { nickname: '小工具' })]);
    // An environment the local cloud does not serve: the write is refused, the agree stands.
    const refused = await watch(['--json'], { PLUGIN_AUTO_AGREE: appidOf(1), PLUGIN_CLOUD_ENV: 'no-such-env' });

    expect(untold.code).toBe(0);
    expect(untold.stderr.match(/not recorded in the decision trail/g)).toHaveLength(1);
    expect(refused.code).toBe(0);
    expect(JSON.parse(refused.stdout)).toMatchObject({ trail: { recorded: false } });
    expect(refused.stderr).toContain('were not recorded in the decision trail');
    expect(cloud.applications().find((item) => item.appid === appidOf(1))?.status).toBe(2);
  });

  it('prints the run as the function answers it, with the digest, for --json', async () => {
    const run = await watch(['--json']);

    const printed = JSON.parse(run.stdout) as {
      ok: boolean;
      ran: boolean;
      summary: { trigger: string; seen: { new: string[] }; digest: { status: string } };
      digestMarkdown: string;
    };
    expect(run.code).toBe(0);
    expect(printed).toMatchObject({ ok: true, ran: true, summary: { trigger: 'cli', seen: { new: [appidOf(1)] }, digest: { status: 'sent' } } });
    expect(printed.digestMarkdown).toContain('小工具');
  });

  it('stops without reading anything while another run holds the lock, naming it and who holds it (exit 1)', async () => {
    writeFileSync(`${state}.lock`, JSON.stringify({ holder: 'cron-run', pid: process.ppid, host: hostname(), since: Date.now(), until: Date.now() + HOUR }));

    const run = await watch();

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`✗ another plugin-apply watch is running with this state file: run cron-run (pid ${process.ppid} on ${hostname()}`);
    expect(run.stderr).toContain(`holds ${state}.lock. Nothing was done.`);
    expect(listCalls()).toBe(0);
  });

  it('takes over a lock left by a run that was killed', async () => {
    writeFileSync(`${state}.lock`, JSON.stringify({ holder: 'killed-run', pid: 0x7ffffff0, host: hostname(), since: Date.now(), until: Date.now() + HOUR }));

    const run = await watch();

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(appidOf(1));
  });

  it('refuses a state file it did not write, naming it, before reading the list (exit 1)', async () => {
    writeFileSync(state, '{"name":"my-project"}');

    const run = await watch();

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('WATCH_STATE_UNAVAILABLE');
    expect(run.stderr).toContain(`${state} is not a plugin-apply watch state file`);
    expect(listCalls()).toBe(0);
    expect(readFileSync(state, 'utf8')).toBe('{"name":"my-project"}');
  });

  it.each([
    [['watch', 'wx0123456789abcdef'], {}, 'watch takes no appids'],
    [['watch'], { PLUGIN_AUTO_AGREE: 'everyone' }, 'PLUGIN_AUTO_AGREE'],
    [['watch', '--webhook', 'not a url with secret-part'], {}, '--webhook / PLUGIN_APPLY_WEBHOOK must be'],
  ])('refuses %j with %j before anything is read (exit 2)', async (args, env, message) => {
    const run = await runInProcess([...args, '--base-url', cloud.url, '--state', state], { env });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('secret-part');
    expect(listCalls()).toBe(0);
  });

  it('is in the general help, with its own help listing its options', async () => {
    const general = await runInProcess(['--help']);
    const own = await runInProcess(['watch', '--help']);

    expect(general.stdout).toContain('  plugin-apply watch [--webhook URL] [--state FILE] [--env ENV] [--dry-run] [--json]');
    expect(own.code).toBe(0);
    for (const flag of ['--webhook', '--state', '--env', '--dry-run', '--json', '--timeout']) expect(own.stdout).toContain(flag);
  });
});
