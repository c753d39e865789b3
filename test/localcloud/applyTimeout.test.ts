import { newApplication, recentSeed, timeOutLapsed } from '../../localcloud/applyTimeout';
import { application } from './applications.fixture';

const HOUR = 3600_000;
/** 2026-12-02T00:00:00Z, the model's now in these tests. */
const NOW = Date.parse('2026-12-02T00:00:00Z');

function createdHoursAgo(appid: string, status: 1 | 2 | 3 | 4, hours: number): ReturnType<typeof application> {
  return { ...application(appid, status), create_time: String((NOW - hours * HOUR) / 1000) };
}

describe('timeOutLapsed', () => {
  it('times out exactly the pending applications whose create_time + timeout has come, and names them', () => {
    const list = [
      createdHoursAgo('wx0000000000000001', 1, 23.99),
      createdHoursAgo('wx0000000000000002', 1, 24),
      createdHoursAgo('wx0000000000000003', 1, 30),
      createdHoursAgo('wx0000000000000004', 2, 48),
      createdHoursAgo('wx0000000000000005', 3, 48),
    ];

    const lapsed = timeOutLapsed(list, NOW, 24 * HOUR);

    expect(lapsed).toEqual(['wx0000000000000002', 'wx0000000000000003']);
    expect(list.map((item) => item.status)).toEqual([1, 4, 4, 2, 3]);
  });
});

describe('recentSeed', () => {
  it('moves every create_time so the newest is now, keeping the distances, without touching the seed', () => {
    const seed = [createdHoursAgo('wx0000000000000001', 1, 1000), createdHoursAgo('wx0000000000000002', 1, 1006)];
    const later = NOW + 5 * HOUR;

    const moved = recentSeed(seed, later);

    expect(moved.map((item) => Number(item.create_time) * 1000)).toEqual([later, later - 6 * HOUR]);
    expect(seed[0]?.create_time).toBe(String((NOW - 1000 * HOUR) / 1000));
    expect(recentSeed([], later)).toEqual([]);
  });
});

describe('newApplication', () => {
  it("makes a pending application that arrives now, with WeChat's fields", () => {
    const made = newApplication(
      { appid: 'wx0123456789abcdef', nickname: ' 新来的小程序 ', categories: [{ first: '工具', second: '效率' }], reason: '想用图表' },
      NOW + 999,
    );

    expect(made).toEqual({
      appid: 'wx0123456789abcdef',
      status: 1,
      nickname: '新来的小程序',
      headimgurl: '',
      categories: [{ first: '工具', second: '效率' }],
      create_time: String(NOW / 1000),
      apply_url: 'https://mp.weixin.qq.com/wxopen/plugindevdoc?appid=wx0123456789abcdef',
      reason: '想用图表',
    });
  });

  it('takes categories and reason as optional', () => {
    expect(newApplication({ appid: 'wx0123456789abcdef', nickname: 'n' }, NOW)).toMatchObject({ categories: [], reason: '' });
  });

  it.each([
    [null, /body must be \{"appid"/],
    [{ appid: 'wx0123456789abcdef', nickname: 'n', status: 2 }, /unknown field\(s\) status.*always pending/],
    [{ nickname: 'n' }, /appid must be "wx" and 16 hexadecimal digits/],
    [{ appid: 'wx0123456789ABCDEF', nickname: 'n' }, /appid must be/],
    [{ appid: 'wx0123456789abcdef' }, /nickname must be a non-empty string/],
    [{ appid: 'wx0123456789abcdef', nickname: '  ' }, /nickname must be a non-empty string/],
    [{ appid: 'wx0123456789abcdef', nickname: 'x'.repeat(31) }, /nickname must be at most 30/],
    [{ appid: 'wx0123456789abcdef', nickname: 'n', reason: 5 }, /reason must be a string/],
    [{ appid: 'wx0123456789abcdef', nickname: 'n', reason: 'x'.repeat(201) }, /reason must be at most 200/],
    [{ appid: 'wx0123456789abcdef', nickname: 'n', categories: [{ first: '工具' }] }, /categories must be an array of \{"first"/],
    [{ appid: 'wx0123456789abcdef', nickname: 'n', categories: '工具' }, /categories must be an array/],
  ])('refuses %j, naming the field', (body, message) => {
    expect(() => newApplication(body, NOW)).toThrow(message);
  });
});
