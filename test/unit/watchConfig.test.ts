/** The watcher's variables (readWatchConfig) and the automatic rules (autoAgree.ts). */
import { normalizeApplication } from '../../src/core/applicationList';
import { matchingRule, parseAgreeRules } from '../../src/core/autoAgree';
import { readWatchConfig, WECOM_ROBOT_URL } from '../../src/core/watchConfig';
import { applicant, appidOf, HOUR } from './watchFixture';

describe('readWatchConfig', () => {
  it('reads nothing automatic, no robot, 12h and 20h reminders of an assumed 24 h timeout when nothing is set', () => {
    const config = readWatchConfig({});

    expect(config).toEqual({
      rules: [],
      dryRun: false,
      webhookUrl: null,
      mentions: [],
      remindAt: [
        { label: '12h', ms: 12 * HOUR },
        { label: '20h', ms: 20 * HOUR },
      ],
      timeoutMs: 24 * HOUR,
      problems: [],
    });
  });

  it("turns a bare robot key into WeCom's webhook address and keeps a full address as it is", () => {
    const key = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';

    expect(readWatchConfig({ PLUGIN_APPLY_WEBHOOK: key }).webhookUrl).toBe(`${WECOM_ROBOT_URL}${key}`);
    expect(readWatchConfig({ PLUGIN_APPLY_WEBHOOK: `http://127.0.0.1:3000/cgi-bin/webhook/send?key=${key}` }).webhookUrl).toBe(
      `http://127.0.0.1:3000/cgi-bin/webhook/send?key=${key}`,
    );
  });

  it.each([
    [{ PLUGIN_APPLY_WEBHOOK: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' }, 'PLUGIN_APPLY_WEBHOOK is a URL without a key='],
    [{ PLUGIN_APPLY_WEBHOOK: 'not a key!' }, 'PLUGIN_APPLY_WEBHOOK must be'],
    [{ PLUGIN_AUTO_AGREE_DRY_RUN: 'yes' }, 'PLUGIN_AUTO_AGREE_DRY_RUN must be 1'],
    [{ PLUGIN_APPLY_TIMEOUT_HOURS: '0' }, 'PLUGIN_APPLY_TIMEOUT_HOURS must be'],
    [{ PLUGIN_APPLY_REMIND_AT: '12h,30h' }, 'PLUGIN_APPLY_REMIND_AT: "30h"'],
    [{ PLUGIN_APPLY_REMIND_AT: 'soon' }, 'PLUGIN_APPLY_REMIND_AT: "soon"'],
    [{ PLUGIN_APPLY_MENTION: '<@all>' }, 'PLUGIN_APPLY_MENTION: "<@all>"'],
    [{ PLUGIN_AUTO_AGREE: 'everyone' }, 'PLUGIN_AUTO_AGREE: the rule "everyone"'],
  ])('names the variable and the fix for %j', (env, problem) => {
    expect(readWatchConfig(env).problems).toEqual([expect.stringContaining(problem)]);
  });

  it('never quotes the webhook in a problem: it is a secret', () => {
    const secret = 'https://example.com/hook-with-secret-1234';

    expect(readWatchConfig({ PLUGIN_APPLY_WEBHOOK: secret }).problems.join(' ')).not.toContain('secret-1234');
  });

  it('reads reminder ages in hours or minutes, sorted, and mentions separated by commas', () => {
    const config = readWatchConfig({ PLUGIN_APPLY_REMIND_AT: '20h, 90m,1.5h', PLUGIN_APPLY_MENTION: 'zhangsan，@all', PLUGIN_AUTO_AGREE_DRY_RUN: '1' });

    expect(config.remindAt).toEqual([
      { label: '90m', ms: 1.5 * HOUR },
      { label: '20h', ms: 20 * HOUR },
    ]);
    expect(config.mentions).toEqual(['zhangsan', '@all']);
    expect(config.dryRun).toBe(true);
  });
});

describe('automatic rules', () => {
  it('reads appids and categories, full-width punctuation too', () => {
    expect(parseAgreeRules(`${appidOf(1)}，category：游戏／休闲, category:工具`)).toEqual({
      rules: [
        { kind: 'appid', appid: appidOf(1), text: appidOf(1) },
        { kind: 'category', first: '游戏', second: '休闲', text: 'category:游戏/休闲' },
        { kind: 'category', first: '工具', second: null, text: 'category:工具' },
      ],
      malformed: [],
    });
  });

  it.each(['wx123', 'category:', 'category:a/b/c', 'agree:all', `${appidOf(1)}x`])('finds %j malformed', (entry) => {
    expect(parseAgreeRules(entry).malformed).toEqual([entry]);
  });

  it('matches an applicant by appid, by first and second level, or by a whole first level', () => {
    const { rules } = parseAgreeRules(`${appidOf(9)},category:游戏/休闲,category:教育`);
    const of = (n: number, first: string, second: string) =>
      matchingRule(
        rules,
        normalizeApplication(
          applicant(n, {
            categories: [
              { first: '工具', second: '效率' },
              { first, second },
            ],
          }),
        ),
      )?.text ?? null;

    expect(of(9, '工具', '效率')).toBe(appidOf(9));
    expect(of(1, '游戏', '休闲')).toBe('category:游戏/休闲');
    expect(of(1, '游戏', '棋牌')).toBeNull();
    expect(of(1, '教育', '在线')).toBe('category:教育');
  });
});
