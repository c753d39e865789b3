import { parseDecision } from '../../src/core/eventSchema';
import { REASON_MAX_CHARS } from '../../src/core/reason';

const APPID = 'wx0123456789abcdef';

describe('parseDecision', () => {
  it.each([
    ['agree with an appid', { action: 'dev_agree', appid: APPID }, { action: 'dev_agree', appid: APPID }],
    ['refuse with a reason only', { action: 'dev_refuse', reason: '类目不符' }, { action: 'dev_refuse', reason: '类目不符' }],
    ['refuse with a reason and an appid', { action: 'dev_refuse', reason: 'no', appid: APPID }, { action: 'dev_refuse', reason: 'no', appid: APPID }],
    ['delete with no appid', { action: 'dev_delete' }, { action: 'dev_delete' }],
    ['delete with an appid', { action: 'dev_delete', appid: APPID }, { action: 'dev_delete', appid: APPID }],
    ['an event carrying the platform userInfo key', { action: 'dev_delete', userInfo: { appId: 'wx1', openId: 'o1' } }, { action: 'dev_delete' }],
    [
      'a reason of exactly the maximum length',
      { action: 'dev_refuse', reason: '理'.repeat(REASON_MAX_CHARS) },
      { action: 'dev_refuse', reason: '理'.repeat(REASON_MAX_CHARS) },
    ],
  ])('accepts %s', (_, event, expected) => {
    const parsed = parseDecision(event);

    expect(parsed).toEqual({ ok: true, value: expected });
  });

  it('trims the reason it forwards', () => {
    expect(parseDecision({ action: 'dev_refuse', reason: '  资质不全 \n' })).toEqual({
      ok: true,
      value: { action: 'dev_refuse', reason: '资质不全' },
    });
  });

  it.each([
    ['no event object', null, [['', 'the event must be an object']]],
    ['an array', [{ action: 'dev_agree' }], [['', 'the event must be an object']]],
    ['a string', 'dev_agree', [['', 'the event must be an object']]],
    ['no action', {}, [['action', 'action must be one of']]],
    ['an unknown action', { action: 'dev_apply_list' }, [['action', 'action must be one of']]],
    ['agree without appid', { action: 'dev_agree' }, [['appid', 'appid is required']]],
    ['agree with an uppercase appid', { action: 'dev_agree', appid: 'WX0123456789ABCDEF' }, [['appid', 'appid is malformed']]],
    ['agree with a short appid', { action: 'dev_agree', appid: 'wx0123' }, [['appid', 'appid is malformed']]],
    ['agree with a numeric appid', { action: 'dev_agree', appid: 123 }, [['appid', 'appid must be a string']]],
    ['refuse without reason', { action: 'dev_refuse' }, [['reason', 'reason is required']]],
    ['refuse with a blank reason', { action: 'dev_refuse', reason: ' \t ' }, [['reason', 'must not be empty']]],
    ['refuse with a too long reason', { action: 'dev_refuse', reason: 'x'.repeat(REASON_MAX_CHARS + 1) }, [['reason', `at most ${REASON_MAX_CHARS}`]]],
    ['refuse with a non-string reason', { action: 'dev_refuse', reason: 42 }, [['reason', 'reason must be a string']]],
    ['refuse with a malformed appid', { action: 'dev_refuse', reason: 'r', appid: 'wx' }, [['appid', 'appid is malformed']]],
    ['delete with a malformed appid', { action: 'dev_delete', appid: '' }, [['appid', 'appid is malformed']]],
    ['an unknown key', { action: 'dev_delete', extra: 1 }, [['extra', 'unknown field "extra"']]],
    ['a reason on agree', { action: 'dev_agree', appid: APPID, reason: 'why' }, [['reason', 'field "reason" does not apply to this action']]],
  ])('refuses %s', (_, event, expected) => {
    const parsed = parseDecision(event);

    expect(parsed.ok).toBe(false);
    const issues = parsed.ok ? [] : parsed.issues.map((issue) => [issue.path, issue.messageEn]);
    expect(issues).toHaveLength(expected.length);
    expected.forEach(([path, text], index) => {
      expect(issues[index]?.[0]).toBe(path);
      expect(issues[index]?.[1]).toContain(text);
    });
  });

  it.each(['appId', 'AppID', 'APPID', 'app_id'])('tells a caller who wrote %s to write appid', (key) => {
    const parsed = parseDecision({ action: 'dev_agree', [key]: APPID });

    expect(parsed.ok).toBe(false);
    const issues = parsed.ok ? [] : parsed.issues;
    expect(issues).toContainEqual({ path: key, message: expect.stringContaining('"appid"'), messageEn: `write "appid" (all lowercase), not "${key}"` });
  });

  it('lists every problem at once, each in Chinese and English', () => {
    const parsed = parseDecision({ action: 'dev_refuse', reason: '', appid: 'nope', AppId: 'x' });

    expect(parsed.ok).toBe(false);
    const issues = parsed.ok ? [] : parsed.issues;
    expect(issues.map((issue) => issue.path).sort()).toEqual(['AppId', 'appid', 'reason']);
    for (const issue of issues) {
      expect(issue.message).toMatch(/[\u4e00-\u9fff]/);
      expect(issue.messageEn).toMatch(/^[\x20-\x7e…]+$/);
    }
  });
});
