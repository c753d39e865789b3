import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalCloud, TriggerRun } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import { fixtureApplications } from './applications.fixture';

const sdkPath = require.resolve('wx-server-sdk');
const HOUR = 3600_000;
/** The base clock of these tests: 2027-01-15 10:30:00 in UTC+8, frozen. */
const BASE = Date.parse('2027-01-15T10:30:00+08:00');

/** Tiny functions: name → [index.js, config.json or null]. */
const functions: Record<string, [string, unknown]> = {
  // What a watcher needs to see: its event and context, the robot's address, the model's now; it posts a digest.
  watch: [
    `const cloud = require(${JSON.stringify(sdkPath)});
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
exports.main = async (event, context) => {
  const modelNow = Date.now() + Number(process.env.LOCALCLOUD_NOW_OFFSET_MS);
  const list = await cloud.openapi.pluginManager.getPluginDevApplyList({ action: 'dev_apply_list', page: 1, num: 10 });
  const pending = list.applyList.filter((item) => item.status === 1).length;
  const answer = await (await fetch(process.env.PLUGIN_APPLY_WEBHOOK, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msgtype: 'markdown', markdown: { content: '## ' + pending + ' pending at ' + event.Time } }) })).json();
  return { event, context: { function_name: context.function_name, request_id: typeof context.request_id }, wxContext: cloud.getWXContext(),
    webhook: process.env.PLUGIN_APPLY_WEBHOOK, autoAgree: process.env.PLUGIN_AUTO_AGREE || null, modelNow, robot: answer };
};`,
    { permissions: { openapi: ['pluginManager.getPluginDevApplyList'] }, triggers: [{ name: 'hourly', type: 'timer', config: '0 0 * * * * *' }] },
  ],
  slow: [
    `exports.main = () => new Promise((resolve) => setTimeout(() => resolve('done'), 1000));`,
    { triggers: [{ name: 'everyMinute', type: 'timer', config: '0 * * * * * *' }] },
  ],
  broken: [`exports.main = async () => 'never';`, { triggers: [{ name: 'tick', type: 'timer', config: '*/5 * * * *' }] }],
  plain: [`exports.main = async () => 'plain';`, {}],
};

describe('timer triggers', () => {
  let functionsDir: string;
  let cloud: LocalCloud;
  const logged: string[] = [];

  const post = async (path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${cloud.url}${path}`, {
      method: 'POST',
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const lastRun = (name: string): TriggerRun | null | undefined => cloud.triggers().find((trigger) => trigger.function === name)?.lastRun;

  beforeAll(async () => {
    functionsDir = mkdtempSync(join(tmpdir(), 'localcloud-triggers-'));
    for (const [name, [source, config]] of Object.entries(functions)) {
      mkdirSync(join(functionsDir, name));
      writeFileSync(join(functionsDir, name, 'index.js'), source);
      writeFileSync(join(functionsDir, name, 'config.json'), JSON.stringify(config));
    }
    cloud = await startLocalCloud({
      port: 0,
      functionsDir,
      applications: fixtureApplications(),
      now: () => BASE,
      runTriggers: true,
      functionEnv: { PLUGIN_AUTO_AGREE: 'on' },
      log: (line) => logged.push(line),
    });
  });
  afterAll(async () => {
    await cloud.close();
    rmSync(functionsDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    cloud.reset();
    logged.length = 0;
  });

  it("lists each function's trigger with its next fire time, and what is wrong with a broken one", async () => {
    const res = await fetch(`${cloud.url}/_local/triggers`);

    expect(await res.json()).toEqual({
      triggers: [
        {
          function: 'broken',
          name: null,
          config: null,
          next: null,
          running: false,
          lastRun: null,
          error: expect.stringMatching(/config\.json triggers\[0\]\.config: .*has 5 fields/),
        },
        { function: 'slow', name: 'everyMinute', config: '0 * * * * * *', next: '2027-01-15T02:31:00Z', running: false, lastRun: null },
        { function: 'watch', name: 'hourly', config: '0 0 * * * * *', next: '2027-01-15T03:00:00Z', running: false, lastRun: null },
      ],
    });
  });

  it('runs a trigger when the model clock reaches its fire time, with the timer event and a caller-less wx_trigger context', async () => {
    const { body } = await post('/_local/clock', { advance: '30m' });

    const run = (body.triggered as TriggerRun[]).find((item) => item.function === 'watch');
    const result = run?.result as Record<string, unknown>;

    expect(run).toMatchObject({ trigger: 'hourly', time: '2027-01-15T03:00:00Z', by: 'schedule', outcome: 'ok' });
    expect(result.event).toEqual({ Type: 'Timer', TriggerName: 'hourly', Time: '2027-01-15T03:00:00Z', Message: '' });
    expect(result.context).toEqual({ function_name: 'watch', request_id: 'string' });
    expect(result.wxContext).toMatchObject({ SOURCE: 'wx_trigger', ENV: 'local' });
    expect(result.wxContext).not.toHaveProperty('OPENID');
    expect(result.wxContext).not.toHaveProperty('FROM_APPID');
    expect(result.wxContext).not.toHaveProperty('FROM_OPENID');
  });

  it("gives hosted functions the local robot's address, the watcher's variables and the model's now, and keeps what they post", async () => {
    const { body } = await post('/_local/triggers/watch');
    const result = (body.run as TriggerRun).result as Record<string, unknown>;

    expect(result.webhook).toBe(`${cloud.url}/cgi-bin/webhook/send?key=local-robot-key`);
    expect(result.autoAgree).toBe('on');
    expect(Math.abs(Number(result.modelNow) - BASE)).toBeLessThan(60_000);
    expect(result.robot).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(cloud.robotMessages()).toEqual([expect.objectContaining({ msgtype: 'markdown', content: '## 2 pending at 2027-01-15T02:30:00Z' })]);
  });

  it('runs once, for the latest fire time, when the clock jumps over several, and says how many it passed', async () => {
    const { body } = await post('/_local/clock', { advance: '12h' });

    const runs = (body.triggered as TriggerRun[]).filter((item) => item.function === 'watch');

    expect(runs).toEqual([expect.objectContaining({ time: '2027-01-15T14:00:00Z', outcome: 'ok' })]);
    expect(logged).toContain('[trigger watch] trigger hourly: the clock passed 11 earlier fire times at once; it runs once, for 2027-01-15T14:00:00Z');
    expect(cloud.robotMessages()).toHaveLength(1);
    expect(cloud.triggers().find((trigger) => trigger.function === 'watch')?.next).toBe('2027-01-15T15:00:00Z');
  });

  it('skips a fire time that comes while the last run is still going, and logs it', async () => {
    const manual = cloud.fireTrigger('slow');

    const refused = await post('/_local/triggers/slow');
    await cloud.advanceClock(60_000);
    const run = await manual;

    expect(refused).toEqual({ status: 409, body: { error: expect.stringMatching(/slow's trigger is still running/) } });
    expect(logged).toContain('[trigger slow] trigger everyMinute skipped the 2027-01-15T02:31:00Z fire: the run for 2027-01-15T02:30:00Z is still going');
    expect(run).toMatchObject({ by: 'manual', outcome: 'ok', result: 'done' });
    expect(lastRun('slow')).toMatchObject({ time: '2027-01-15T02:30:00Z' });
  });

  it('answers 404 for a function without a trigger, or with a broken one, naming why', async () => {
    const plain = await post('/_local/triggers/plain');
    const broken = await post('/_local/triggers/broken');
    const missing = await post('/_local/triggers/nothing');

    expect(plain).toEqual({ status: 404, body: { error: expect.stringMatching(/plain has no timer trigger to run: .*no "triggers"/) } });
    expect(broken).toEqual({ status: 404, body: { error: expect.stringMatching(/has 5 fields/) } });
    expect(missing.status).toBe(404);
  });

  it('counts fire times again from the base clock after a reset', async () => {
    await cloud.advanceClock(12 * HOUR);

    cloud.reset();

    expect(cloud.triggers().find((trigger) => trigger.function === 'watch')?.next).toBe('2027-01-15T03:00:00Z');
  });
});

describe('timer triggers when the scheduler is off', () => {
  it('runs none on the clock but still on demand, and reports a run that fails', async () => {
    const functionsDir = mkdtempSync(join(tmpdir(), 'localcloud-triggers-off-'));
    mkdirSync(join(functionsDir, 'plainTimer'));
    writeFileSync(join(functionsDir, 'plainTimer', 'index.js'), 'exports.main = async (event) => event.TriggerName;');
    writeFileSync(join(functionsDir, 'plainTimer', 'config.json'), JSON.stringify({ triggers: [{ name: 'nightly', type: 'timer', config: '0 0 2 * * * *' }] }));
    mkdirSync(join(functionsDir, 'thrower'));
    writeFileSync(join(functionsDir, 'thrower', 'index.js'), "exports.main = async () => { throw new TypeError('boom'); };");
    writeFileSync(join(functionsDir, 'thrower', 'config.json'), JSON.stringify({ triggers: [{ name: 'nightly', type: 'timer', config: '0 0 2 * * * *' }] }));
    const logged: string[] = [];
    const cloud = await startLocalCloud({ port: 0, functionsDir, now: () => BASE, log: (line) => logged.push(line) });
    try {
      await cloud.advanceClock(48 * HOUR);
      const before = cloud.triggers();
      const run = await cloud.fireTrigger('plainTimer');
      const failed = await cloud.fireTrigger('thrower');

      expect(before).toEqual([
        expect.objectContaining({ function: 'plainTimer', next: null, lastRun: null }),
        expect.objectContaining({ function: 'thrower', next: null }),
      ]);
      expect(run).toMatchObject({ outcome: 'ok', result: 'nightly', time: '2027-01-17T02:30:00Z' });
      expect(failed).toMatchObject({ outcome: 'failed', errMsg: expect.stringMatching(/-504002 functions execute fail.*TypeError: boom/) });
      expect(
        logged.some((line) => line.startsWith('[trigger thrower] trigger nightly run for 2027-01-17T02:30:00Z failed: cloud.callFunction:fail -504002')),
      ).toBe(true);
    } finally {
      await cloud.close();
      rmSync(functionsDir, { recursive: true, force: true });
    }
  });
});

describe("timer triggers on the machine's clock (npm start)", () => {
  it('runs a trigger when its fire time comes, without anyone moving the clock', async () => {
    const functionsDir = mkdtempSync(join(tmpdir(), 'localcloud-triggers-real-'));
    mkdirSync(join(functionsDir, 'everySecond'));
    writeFileSync(join(functionsDir, 'everySecond', 'index.js'), 'exports.main = async (event) => event.Time;');
    writeFileSync(join(functionsDir, 'everySecond', 'config.json'), JSON.stringify({ triggers: [{ name: 'tick', type: 'timer', config: '* * * * * * *' }] }));
    const cloud = await startLocalCloud({ port: 0, functionsDir, runTriggers: true });
    try {
      // Generous: one fire a second, each run a fresh process on a possibly loaded machine.
      const deadline = Date.now() + 20_000;
      let run = cloud.triggers()[0]?.lastRun ?? null;
      while ((run === null || run.outcome === 'running') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        run = cloud.triggers()[0]?.lastRun ?? null;
      }

      expect(run).toMatchObject({ by: 'schedule', outcome: 'ok' });
      expect(run?.result).toBe(run?.time);
    } finally {
      await cloud.close();
      rmSync(functionsDir, { recursive: true, force: true });
    }
  });
});
