/**
 * The local cloud's one clock: the base clock (the machine's, or a test's) plus however far `POST /_local/clock` has
 * moved it. The database's serverDate, new applications' create_time, timeouts, the robot's rate window and the
 * trigger scheduler all read it; hosted functions get its distance from their own clock (LOCALCLOUD_NOW_OFFSET_MS).
 */
export interface ModelClock {
  /** Model now, Unix milliseconds. */
  now(): number;
  /** How far the clock has been moved from its base, in milliseconds. */
  offsetMs(): number;
  /** Moves the clock forward; listeners hear of it. */
  advance(ms: number): void;
  /** Back to the base clock (offset 0); listeners hear of it. */
  rewind(): void;
  /** Called after every advance or rewind. */
  onChange(listener: () => void): void;
}

/** Creates a model clock over `base` (default Date.now). */
export function createModelClock(base: () => number = Date.now): ModelClock {
  let offset = 0;
  const listeners: Array<() => void> = [];
  const changed = (): void => {
    for (const listener of listeners) listener();
  };
  return {
    now: () => base() + offset,
    offsetMs: () => offset,
    advance(ms) {
      offset += ms;
      changed();
    },
    rewind() {
      offset = 0;
      changed();
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** The most one advance may move the clock: a year, far past any timeout or reminder. */
export const MAX_ADVANCE_MS = 366 * 86_400_000;

/**
 * How far a `POST /_local/clock` body moves the clock: `{"advance": "12h"}` (a whole number of s, m, h or d, or
 * several: "1h30m") or `{"advanceMs": n}`. Throws an Error saying what is accepted.
 */
export function advanceOf(body: unknown): number {
  const shape = 'body must be {"advance": "12h"} (s, m, h or d, e.g. "90m", "1h30m") or {"advanceMs": 3600000}';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(shape);
  const fields = body as Record<string, unknown>;
  const keys = Object.keys(fields);
  if (keys.length !== 1 || (keys[0] !== 'advance' && keys[0] !== 'advanceMs')) throw new Error(shape);
  let ms: number;
  if (keys[0] === 'advanceMs') {
    const value = fields.advanceMs;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`advanceMs must be a whole number of milliseconds; ${shape}`);
    ms = value;
  } else {
    const text = typeof fields.advance === 'string' ? fields.advance.trim() : '';
    if (!/^(\d+[smhd])+$/.test(text))
      throw new Error(`advance must be like "30s", "90m", "12h", "2d" or "1h30m" (got ${JSON.stringify(fields.advance)}); ${shape}`);
    ms = [...text.matchAll(/(\d+)([smhd])/g)].reduce((sum, [, n, unit]) => sum + Number(n) * (UNIT_MS[unit ?? 's'] ?? 0), 0);
  }
  // The clock only goes forward: a timed-out application cannot become pending again, nor a sent message unsent.
  if (ms <= 0) throw new Error("the clock only moves forward: give a positive amount (POST /_local/reset puts it back to the machine's time)");
  if (ms > MAX_ADVANCE_MS) throw new Error(`one advance may move the clock at most 366 days (got ${ms} ms)`);
  return ms;
}
