/**
 * The refusal reason rule as deployed: the built setPluginApplyStatus (real SDK, local cloud) refuses what the
 * applicant could not read, or would read differently from what was typed, and forwards what they can, counted as
 * they see it.
 */
import type { LocalCloud } from '../../localcloud/server';
import { PENDING, scenario, startCloud, statusOf } from './localCloudFixture';

const FN = 'setPluginApplyStatus';

let cloud: LocalCloud & { output: string[] };

beforeAll(async () => {
  cloud = await startCloud();
});

afterAll(async () => {
  await cloud.close();
});

beforeEach(() => {
  cloud.reset(scenario());
});

type Result = { ok: boolean; error?: { code: string; issues?: Array<{ path: string; messageEn: string }> } };

describe('setPluginApplyStatus refusal reasons (built bundle, real SDK, local cloud)', () => {
  it.each([
    ['zero-width characters only', '\u200b\u200c\u200d', 'no visible character'],
    ['a right-to-left override before text', '\u202eabc', 'text direction controls'],
    ['a noncharacter only', '\uffff', 'noncharacters'],
    ['private-use and unassigned code points only', '\ue000\u{f0000}\u0378', 'no visible character'],
    ['a paragraph separator inside the text', '资质\u2029不全', 'control characters'],
    ['an escape sequence', '\u001b]0;pwned\u0007资质不全', 'control characters'],
    ['half an emoji', '资质不全\ud83d', 'lone UTF-16 surrogate'],
  ])('refuses %s, names the problem, and sends nothing', async (_, reason, problem) => {
    const result = (await cloud.invoke(FN, { action: 'dev_refuse', appid: PENDING, reason })) as Result;

    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT', issues: [{ path: 'reason', messageEn: expect.stringContaining(problem) }] } });
    expect(cloud.calls()).toEqual([]);
    expect(statusOf(cloud, PENDING)).toBe(1);
  });

  it('forwards a reason of 200 flags: 200 characters to the applicant, though 400 code points', async () => {
    const reason = '🇨🇳'.repeat(200);

    const result = (await cloud.invoke(FN, { action: 'dev_refuse', appid: PENDING, reason })) as Result;

    expect(result).toMatchObject({ ok: true });
    expect(cloud.calls()[0]?.request).toEqual({ action: 'dev_refuse', appid: PENDING, reason });
    expect(statusOf(cloud, PENDING)).toBe(3);
  });
});
