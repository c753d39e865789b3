/**
 * `plugin-apply apply` and what every decision command does before sending: a decisions file that mixes actions,
 * checked whole first; the question a terminal is asked, with the applicants' nicknames; `--yes`. In-process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import { runInProcess } from './runInProcess';

const pending = ['wx3f9a1c2b7d4e6058', 'wx8b2e4d6f0a1c3e57', 'wxc51d7a9e3f2b8046'];
const refused = 'wxa4b6c8d0e2f41357';

describe('plugin-apply apply (in-process)', () => {
  let cloud: LocalCloud;
  let dir: string;
  const withCloud = (...args: string[]): string[] => [...args, '--base-url', cloud.url];
  const statusOf = (appid: string): number | undefined => cloud.applications().find((item) => item.appid === appid)?.status;
  const decisionCalls = (): number => cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus').length;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'plugin-apply-apply-'));
  });
  afterAll(async () => {
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => cloud.reset());

  it('sends a file that mixes actions as one batch, showing the plan first and one result line per decision', async () => {
    // Arrange
    const decisions = file('mixed.txt', `# Monday\nagree  ${pending[0] ?? ''}\nrefuse ${pending[1] ?? ''} 资质不全\n\ndelete ${refused}  # cleanup\n`);

    // Act
    const run = await runInProcess(withCloud('apply', '--file', decisions));

    // Assert
    expect(run.code).toBe(0);
    expect(statusOf(pending[0] ?? '')).toBe(2);
    expect(statusOf(pending[1] ?? '')).toBe(3);
    expect(statusOf(refused)).toBeUndefined();
    expect(cloud.refusals()).toEqual([{ appid: pending[1], reason: '资质不全', time: expect.any(String) }]);
    expect(run.stderr).toContain('about to send 3 decisions:');
    expect(run.stderr).toMatch(new RegExp(`refuse +${pending[1] ?? ''} \\(青柠读书会\\) +\\[待确认 pending\\] +— 资质不全`));
    expect(run.stdout).toContain(`✓ ${pending[0] ?? ''} (小鹿记账) agreed`);
    expect(run.stdout).toContain(`✓ ${pending[1] ?? ''} (青柠读书会) refused`);
    expect(run.stdout).toContain(`✓ ${refused} (旧物回收站) deleted`);
    expect(run.stdout).toContain('apply: 3 decisions — 1 agreed, 1 refused, 1 deleted, 0 unchanged, 0 failed');
  });

  it('names the action of a failed decision in a mixed batch', async () => {
    const decisions = file('fails.txt', `agree ${refused}\ndelete ${pending[2] ?? ''}\n`);

    const run = await runInProcess(withCloud('apply', '--file', decisions));

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`✗ ${refused} \\(旧物回收站\\) agree: APPLICATION_NOT_PENDING`));
    expect(run.stdout).toMatch(new RegExp(`✗ ${pending[2] ?? ''} \\(社区团购助手\\) delete: APPLICATION_PENDING`));
  });

  it('refuses the whole file with exit 2 naming every line that is not a decision, and sends nothing', async () => {
    // Arrange
    const decisions = file(
      'bad.txt',
      [
        `approve ${pending[0] ?? ''}`,
        'agree',
        'agree wx123',
        `agree ${pending[1] ?? ''} 资质不全`,
        `refuse ${pending[2] ?? ''}`,
        `delete ${refused}`,
        `agree ${refused}`,
        `refuse ${pending[0] ?? ''} \u001b[2J`,
      ].join('\n'),
    );

    // Act
    const run = await runInProcess(withCloud('apply', '--file', decisions));

    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the decisions file has mistakes; nothing was sent:');
    expect(run.stderr).toContain(`--file ${decisions} line 1: "approve" is not an action: start the line with agree, refuse or delete`);
    expect(run.stderr).toContain(`--file ${decisions} line 2: no appid`);
    expect(run.stderr).toContain(`--file ${decisions} line 3: "wx123" is not an appid`);
    expect(run.stderr).toContain(`--file ${decisions} line 4: agree takes no reason (got "资质不全")`);
    expect(run.stderr).toContain(`--file ${decisions} line 5: refuse needs a reason after the appid`);
    expect(run.stderr).toContain(`--file ${decisions} line 7: decides ${refused} differently from --file ${decisions} line 6`);
    expect(run.stderr).toContain(`--file ${decisions} line 8: reason contains control characters`);
    expect(run.stderr).not.toContain('\u001b');
    expect(cloud.calls()).toEqual([]);
  });

  it('gives refuse lines without a reason the --reason, and reads the file from stdin', async () => {
    const run = await runInProcess(withCloud('apply', '--reason', '暂不开放'), { input: `refuse ${pending[0] ?? ''}\nrefuse ${pending[1] ?? ''} 资质不全\n` });

    expect(run.code).toBe(0);
    expect(cloud.refusals().map(({ appid, reason }) => ({ appid, reason }))).toEqual(
      expect.arrayContaining([
        { appid: pending[0], reason: '暂不开放' },
        { appid: pending[1], reason: '资质不全' },
      ]),
    );
  });

  it('keeps one of the same decision written twice', async () => {
    const run = await runInProcess(withCloud('apply', '-'), { input: `agree ${pending[0] ?? ''}\nagree ${pending[0] ?? ''}\n` });

    expect(run.code).toBe(0);
    expect(decisionCalls()).toBe(1);
  });

  it('shows each decision in a dry run, needing no credentials and calling nothing', async () => {
    const decisions = file('dry.txt', `agree ${pending[0] ?? ''}\nrefuse ${pending[1] ?? ''} 资质不全\n`);

    const run = await runInProcess(['apply', '--dry-run', '--file', decisions], { env: { PLUGIN_APPID: '', PLUGIN_APPSECRET: '' } });

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`✓ agree ${pending[0] ?? ''} valid\n✓ refuse ${pending[1] ?? ''} valid\ndry run: 2 valid, 0 invalid; nothing was sent\n`);
  });

  it.each([
    [['apply', pending[0] ?? ''], 'apply takes its decisions from --file F or stdin, not as arguments'],
    [['apply', '-'], 'no decisions given'],
  ])('exits 2 on %p', async (args, message) => {
    const run = await runInProcess(withCloud(...args));

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('reports a stopped mixed batch in its own words', async () => {
    const decisions = file('slow.txt', `agree ${pending[0] ?? ''}\nrefuse ${pending[1] ?? ''} 资质不全\n`);
    cloud.addFault({ kind: 'delay', ms: 400, times: 10, action: 'dev_agree' });
    const signals = new EventEmitter();

    const running = runInProcess(withCloud('apply', '--file', decisions), { signals });
    while (cloud.calls().filter((call) => call.action === 'dev_agree').length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    signals.emit('SIGINT');
    const run = await running;

    expect(run.code).toBe(130);
    expect(run.stdout).toMatch(/apply stopped by SIGINT: 2 decisions — \d+ decided, /);
  });

  it('sends nothing and reports every decision not attempted when stopped while the list is read', async () => {
    cloud.addFault({ kind: 'hang', action: 'dev_apply_list' });
    const signals = new EventEmitter();

    const running = runInProcess(withCloud('agree', '--json', pending[0] ?? '', pending[1] ?? ''), { signals });
    while (!cloud.calls().some((call) => call.action === 'dev_apply_list')) await new Promise((resolve) => setTimeout(resolve, 20));
    signals.emit('SIGTERM');
    const run = await running;

    expect(run.code).toBe(143);
    expect(JSON.parse(run.stdout)).toMatchObject({ interrupted: 'SIGTERM', inFlight: [], notAttempted: [pending[0], pending[1]] });
    expect(cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus')).toEqual([]);
  });

  it('prints a dry run of a decisions file as JSON', async () => {
    const decisions = file('dry.json.txt', `refuse ${pending[1] ?? ''} 资质不全\n`);

    const run = await runInProcess(['apply', '--dry-run', '--json', '--file', decisions]);

    expect(JSON.parse(run.stdout)).toEqual({
      dryRun: true,
      results: [{ action: 'dev_refuse', appid: pending[1], reason: '资质不全', ok: true }],
      summary: { valid: 1, invalid: 0 },
    });
  });

  it('points a single-action command given a mixed-action file to apply', async () => {
    const decisions = file('forAgree.txt', `refuse ${pending[1] ?? ''} 资质不全\n`);

    const run = await runInProcess(withCloud('agree', '--file', decisions));

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('goes to plugin-apply apply --file F');
    expect(cloud.calls()).toEqual([]);
  });
});

describe('asking before deciding (in-process)', () => {
  let cloud: LocalCloud;
  const withCloud = (...args: string[]): string[] => [...args, '--base-url', cloud.url];
  const statusOf = (appid: string): number | undefined => cloud.applications().find((item) => item.appid === appid)?.status;

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0 });
  });
  afterAll(() => cloud.close());
  beforeEach(() => cloud.reset());

  it('shows the nicknames it is about to decide on a terminal and sends on "y"', async () => {
    const run = await runInProcess(withCloud('agree', pending[0] ?? '', pending[1] ?? ''), { stdinIsTTY: true, input: 'y\n' });

    expect(run.code).toBe(0);
    expect(run.stderr).toContain('about to send agree 2 applications:');
    expect(run.stderr).toContain(`${pending[0] ?? ''} (小鹿记账)  [待确认 pending]`);
    expect(run.stderr).toContain('send these 2? [y/N] ');
    expect(statusOf(pending[0] ?? '')).toBe(2);
  });

  it('sends nothing and exits 1 when the answer is not yes', async () => {
    const run = await runInProcess(withCloud('refuse', '--reason', '暂不开放', pending[0] ?? ''), { stdinIsTTY: true, input: '\n' });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('send it? [y/N] nothing was sent');
    expect(statusOf(pending[0] ?? '')).toBe(1);
    expect(cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus')).toEqual([]);
  });

  it("says how to send without asking when the terminal's stdin is already closed", async () => {
    const run = await runInProcess(withCloud('agree', pending[0] ?? ''), { stdinIsTTY: true, input: '' });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(no answer: stdin is closed; add --yes to send without asking)');
    expect(run.stderr).toContain('nothing was sent');
  });

  it('does not ask with --yes', async () => {
    const run = await runInProcess(withCloud('agree', '--yes', pending[0] ?? ''), { stdinIsTTY: true });

    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('[y/N]');
    expect(statusOf(pending[0] ?? '')).toBe(2);
  });

  it('never asks when stdin is not a terminal', async () => {
    const run = await runInProcess(withCloud('agree', pending[0] ?? ''));

    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('[y/N]');
  });

  it('marks an appid the list does not hold, and an unknown nickname, on the question', async () => {
    const run = await runInProcess(withCloud('delete', 'wx00000000000000ff'), { stdinIsTTY: true, input: 'yes\n' });

    expect(run.code).toBe(0);
    expect(run.stderr).toContain('wx00000000000000ff  [not in the list]');
    expect(run.stdout).toContain('= wx00000000000000ff not in the list (unchanged)');
  });

  it('says in one line that no nicknames are shown when the list cannot be read, and still decides', async () => {
    cloud.addFault({ kind: 'errcode', errcode: 89236, action: 'dev_apply_list' });

    const run = await runInProcess(withCloud('agree', pending[0] ?? ''));

    expect(run.code).toBe(0);
    expect(run.stderr).toContain('(the list could not be read, so no nicknames are shown: PLUGIN_NOT_APPLICABLE [89236]');
    expect(run.stdout).toContain(`✓ ${pending[0] ?? ''} agreed`);
  });
});
