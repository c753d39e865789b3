/**
 * The 7-field cron of WeChat cloud function timer triggers (config.json `triggers[].config`): second minute hour day
 * month weekday year, only `, - * /`, months JAN–DEC and weekdays SUN–SAT (0 = Sunday), times in UTC+8 whatever the
 * machine's zone. When both day and weekday are set (neither is a bare `*`), a time matching either fires.
 */

/** One parsed expression: the allowed values of each field. */
export interface CronSchedule {
  readonly text: string;
  readonly seconds: ReadonlySet<number>;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly weekdays: ReadonlySet<number>;
  readonly years: ReadonlySet<number>;
  /** Whether day, weekday are restricted (not a bare `*`): with both, either one matching is enough. */
  readonly dayRestricted: boolean;
  readonly weekdayRestricted: boolean;
}

/** What parseCron makes of a text: the schedule, or a message that says what is wrong and where. */
export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The fields in order; ranges from WeChat's timer trigger docs (year 1970–2099). */
const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'weekday', min: 0, max: 6, names: WEEKDAY_NAMES },
  { name: 'year', min: 1970, max: 2099 },
];

/** UTC+8, the zone trigger times are read in; China has no daylight saving, so a fixed offset is exact. */
const ZONE_OFFSET_MS = 8 * 3600_000;

class CronError extends Error {}

function valueOf(text: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named !== -1) return spec.names === MONTH_NAMES ? named + 1 : named;
  if (!/^\d+$/.test(text)) {
    const choices = spec.names === undefined ? '' : ` or ${spec.names[0]}–${spec.names[spec.names.length - 1]}`;
    throw new CronError(`"${text}" is not a number${choices}`);
  }
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    const sunday = spec.name === 'weekday' && value === 7 ? ' (Sunday is 0)' : '';
    throw new CronError(`${value} is out of range ${spec.min}–${spec.max}${sunday}`);
  }
  return value;
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new CronError('an empty item between commas');
    const [range = '', stepText, extra] = item.split('/');
    if (extra !== undefined) throw new CronError(`"${item}" has two "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronError(`"/${stepText}" must be a whole number of at least 1`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else if (range.includes('-')) {
      const [a = '', b = '', more] = range.split('-');
      if (more !== undefined || a === '' || b === '') throw new CronError(`"${range}" is not a range like 1-5`);
      from = valueOf(a, spec);
      to = valueOf(b, spec);
      if (from > to) throw new CronError(`the range "${range}" runs backwards`);
    } else {
      from = valueOf(range, spec);
      // "5/15": from 5 to the end, every 15.
      to = stepText === undefined ? from : spec.max;
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

/** Reads a 7-field timer cron; never throws. */
export function parseCron(text: string): CronParse {
  if (typeof text !== 'string') return { ok: false, error: 'a cron expression must be a string' };
  const fields = text
    .trim()
    .split(/\s+/)
    .filter((field) => field !== '');
  if (fields.length !== FIELDS.length) {
    const hint =
      fields.length === 5
        ? ': a 5-field crontab line needs a second in front and a year behind, e.g. "0 */5 * * * * *"'
        : fields.length === 6
          ? ': add the year, e.g. "*" at the end'
          : '';
    return {
      ok: false,
      error: `"${text}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; a timer trigger's cron has 7 (second minute hour day month weekday year)${hint}`,
    };
  }
  const sets: Set<number>[] = [];
  for (const [i, spec] of FIELDS.entries()) {
    const field = fields[i] ?? '';
    const bad = /[^0-9A-Za-z,*/-]/.exec(field);
    try {
      if (bad !== null) throw new CronError(`"${bad[0]}" is not allowed: only digits, names and , - * /`);
      sets.push(parseField(field, spec));
    } catch (error) {
      if (!(error instanceof CronError)) throw error;
      return { ok: false, error: `${spec.name} field "${field}" of "${text}": ${error.message}` };
    }
  }
  const [seconds, minutes, hours, days, months, weekdays, years] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  return {
    ok: true,
    schedule: { text, seconds, minutes, hours, days, months, weekdays, years, dayRestricted: fields[3] !== '*', weekdayRestricted: fields[5] !== '*' },
  };
}

function dayMatches(schedule: CronSchedule, wall: Date): boolean {
  const day = schedule.days.has(wall.getUTCDate());
  const weekday = schedule.weekdays.has(wall.getUTCDay());
  if (schedule.dayRestricted && schedule.weekdayRestricted) return day || weekday;
  return day && weekday;
}

/**
 * Walks UTC+8 wall time from `startWall` one field at a time, forward or backward, until every field matches.
 * `step(fieldIndex, wall)` gives the first (or last) second of the next (or previous) unit of that field.
 */
function search(schedule: CronSchedule, startWall: number, forward: boolean): number | null {
  let t = startWall;
  const edge = (ms: number): number => (forward ? ms : ms - 1000);
  for (let guard = 0; guard < 1_000_000; guard += 1) {
    const wall = new Date(t);
    const [y, mo, d, h, mi, s] = [wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds()];
    if (y < 1970 || y > 2099) return null;
    if (!schedule.years.has(y)) {
      const years = [...schedule.years].filter((year) => (forward ? year > y : year < y));
      if (years.length === 0) return null;
      t = forward ? Date.UTC(Math.min(...years), 0, 1) : Date.UTC(Math.max(...years) + 1, 0, 1) - 1000;
    } else if (!schedule.months.has(mo + 1)) {
      t = edge(Date.UTC(y, forward ? mo + 1 : mo, 1));
    } else if (!dayMatches(schedule, wall)) {
      t = edge(Date.UTC(y, mo, forward ? d + 1 : d));
    } else if (!schedule.hours.has(h)) {
      t = edge(Date.UTC(y, mo, d, forward ? h + 1 : h));
    } else if (!schedule.minutes.has(mi)) {
      t = edge(Date.UTC(y, mo, d, h, forward ? mi + 1 : mi));
    } else if (!schedule.seconds.has(s)) {
      t += forward ? 1000 : -1000;
    } else {
      return t - ZONE_OFFSET_MS;
    }
  }
  return null;
}

/** The first fire time strictly after `afterMs` (a Unix instant in ms), or null when there is none before 2100. */
export function nextFire(schedule: CronSchedule, afterMs: number): number | null {
  return search(schedule, Math.floor((afterMs + ZONE_OFFSET_MS) / 1000) * 1000 + 1000, true);
}

/** The last fire time at or before `atMs`, or null when there is none since 1970. */
export function previousFire(schedule: CronSchedule, atMs: number): number | null {
  return search(schedule, Math.floor((atMs + ZONE_OFFSET_MS) / 1000) * 1000, false);
}
