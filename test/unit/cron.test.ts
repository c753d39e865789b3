import type { CronSchedule } from '../../src/core/cron';
import { nextFire, parseCron, previousFire } from '../../src/core/cron';

/** A UTC+8 wall time as the instant it is, e.g. "2026-12-02 09:30:00". */
function beijing(wall: string): number {
  return Date.parse(`${wall.replace(' ', 'T')}+08:00`);
}

/** An instant as UTC+8 wall time, the way trigger times are read. */
function wallOf(ms: number | null): string | null {
  if (ms === null) return null;
  return new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
}

function schedule(text: string): CronSchedule {
  const parsed = parseCron(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
}

describe('nextFire', () => {
  it.each([
    // [expression, from (UTC+8), next fire (UTC+8)]
    ['0 0 2 1 * * *', '2026-12-02 09:30:00', '2027-01-01 02:00:00'], // the docs' example: 02:00 on the 1st
    ['*/5 * * * * * *', '2026-12-02 09:30:00', '2026-12-02 09:30:05'], // the docs' every-5-seconds example
    ['*/5 * * * * * *', '2026-12-02 09:30:02.500', '2026-12-02 09:30:05'],
    ['0 */60 * * * * *', '2026-12-02 09:30:00', '2026-12-02 10:00:00'],
    ['0 0 10,14,16 * * * *', '2026-12-02 10:00:00', '2026-12-02 14:00:00'], // strictly after
    ['0 0 10,14,16 * * * *', '2026-12-02 16:00:01', '2026-12-03 10:00:00'],
    ['0 */30 9-17 * * * *', '2026-12-02 17:30:00', '2026-12-03 09:00:00'],
    ['0 0 12 * * MON-FRI *', '2026-12-04 12:00:00', '2026-12-07 12:00:00'], // Friday noon → Monday noon
    ['0 0 12 * * 0 *', '2026-12-02 00:00:00', '2026-12-06 12:00:00'], // Sunday is 0
    ['0 0 8 * * SUN,sat *', '2026-12-02 00:00:00', '2026-12-05 08:00:00'], // names in any case
    ['0 0 0 1 JAN-MAR * *', '2026-12-02 00:00:00', '2027-01-01 00:00:00'],
    ['0 0 0 31 * * *', '2026-11-15 00:00:00', '2026-12-31 00:00:00'], // November has no 31st
    ['0 0 0 29 2 * *', '2026-03-01 00:00:00', '2028-02-29 00:00:00'], // the next leap day
    ['0 0 0 29 2 * 2027', '2026-03-01 00:00:00', null], // 2027 has no 29 February
    ['0 0 9 * * * 2030', '2026-12-02 00:00:00', '2030-01-01 09:00:00'],
    ['0 0 9 * * * 2020-2025', '2026-12-02 00:00:00', null],
    ['0 0 0 13 * FRI *', '2026-12-02 00:00:00', '2026-12-04 00:00:00'], // day and weekday: either (Friday 4 Dec)
    ['0 0 0 13 * FRI *', '2026-12-11 00:00:00', '2026-12-13 00:00:00'], // …or the 13th (a Sunday)
    ['0 0 0 13 * * *', '2026-12-02 00:00:00', '2026-12-13 00:00:00'], // weekday *: only the day counts
    ['30 15 10 * * * *', '2026-12-02 10:15:30', '2026-12-03 10:15:30'],
    ['5/20 * * * * * *', '2026-12-02 09:30:46', '2026-12-02 09:31:05'], // "5/20": 5, 25, 45
    ['59 59 23 31 12 * 2099', '2099-12-31 23:59:58', '2099-12-31 23:59:59'],
    ['59 59 23 31 12 * 2099', '2099-12-31 23:59:59', null],
  ])('%s after %s (UTC+8) is %s', (expression, from, expected) => {
    const after = from.includes('.') ? Date.parse(`${from.replace(' ', 'T')}+08:00`) : beijing(from);

    const next = nextFire(schedule(expression), after);

    expect(wallOf(next)).toBe(expected);
  });

  it('reads times in UTC+8 whatever the machine zone: 02:00 Beijing is 18:00 UTC the day before', () => {
    const next = nextFire(schedule('0 0 2 * * * *'), Date.parse('2026-12-01T12:00:00Z'));

    expect(new Date(next ?? 0).toISOString()).toBe('2026-12-01T18:00:00.000Z');
  });
});

describe('previousFire', () => {
  it.each([
    ['0 */5 * * * * *', '2026-12-02 09:37:12', '2026-12-02 09:35:00'],
    ['0 */5 * * * * *', '2026-12-02 09:35:00', '2026-12-02 09:35:00'], // at counts
    ['0 0 12 * * MON-FRI *', '2026-12-07 11:00:00', '2026-12-04 12:00:00'], // Monday morning → Friday noon
    ['0 0 0 31 * * *', '2026-12-15 00:00:00', '2026-10-31 00:00:00'],
    ['0 0 0 29 2 * *', '2026-03-01 00:00:00', '2024-02-29 00:00:00'],
    ['0 0 9 * * * 2030', '2026-12-02 00:00:00', null],
    ['0 0 9 * * * 2020-2025', '2026-12-02 00:00:00', '2025-12-31 09:00:00'],
  ])('%s at or before %s (UTC+8) is %s', (expression, at, expected) => {
    expect(wallOf(previousFire(schedule(expression), beijing(at)))).toBe(expected);
  });
});

describe('parseCron', () => {
  it.each([
    ['*/5 * * * *', /has 5 fields.*7 \(second minute hour day month weekday year\).*needs a second in front and a year behind/],
    ['0 */5 * * * *', /has 6 fields.*add the year/],
    ['', /has 0 fields/],
    ['60 * * * * * *', /second field "60".*60 is out of range 0–59/],
    ['0 0 24 * * * *', /hour field "24".*out of range 0–23/],
    ['0 0 0 0 * * *', /day field "0".*out of range 1–31/],
    ['0 0 0 * 13 * *', /month field "13".*out of range 1–12/],
    ['0 0 0 * * 7 *', /weekday field "7".*out of range 0–6 \(Sunday is 0\)/],
    ['0 0 0 * * * 2100', /year field "2100".*out of range 1970–2099/],
    ['0 0 0 * FOO * *', /month field "FOO".*not a number or JAN–DEC/],
    ['0 0 0 * * MONDAY *', /weekday field "MONDAY".*not a number or SUN–SAT/],
    ['0 0 0 ? * * *', /day field "\?".*"\?" is not allowed: only digits, names and , - \* \//],
    ['0 0 0 L * * *', /day field "L".*not a number/],
    ['*/0 * * * * * *', /second field "\*\/0".*"\/0" must be a whole number of at least 1/],
    ['0 0 5-1 * * * *', /hour field "5-1".*runs backwards/],
    ['0 0 1,,2 * * * *', /hour field "1,,2".*empty item/],
    ['0 0 1-2-3 * * * *', /hour field "1-2-3".*not a range/],
    ['0 0 */2/3 * * * *', /hour field "\*\/2\/3".*two "\/"/],
  ])('refuses "%s", saying what is wrong', (expression, message) => {
    const parsed = parseCron(expression);

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toMatch(message);
  });

  it.each(['0 0 2 1 * * *', '*/5 * * * * * *', '0 0 9-18/3 * * MON-FRI *', '  0  0 9 * * * 2026  ', '0 0 0 1 jan,Jul * 1970-2099'])(
    'accepts "%s"',
    (expression) => {
      expect(parseCron(expression).ok).toBe(true);
    },
  );

  it('refuses a value that is not a string without throwing', () => {
    expect(parseCron(42 as unknown as string)).toEqual({ ok: false, error: 'a cron expression must be a string' });
  });
});
