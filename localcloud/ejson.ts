import { JSON_MAX_DEPTH, jsonDepth } from './httpIo';

/**
 * A value stored in the database model: JSON plus dates. Objects are plain; a `{"$tcb_server_date": …}` marker may
 * appear in what a request sends (db.serverDate()) until the model resolves it to its clock.
 */
export type DbValue = null | boolean | number | string | Date | DbValue[] | DbObject;
/** A stored object or document. */
export interface DbObject {
  [key: string]: DbValue;
}

/** Thrown for text that is not the EJSON the SDK sends; the wire answers it as an invalid parameter. */
export class EjsonError extends Error {
  override readonly name = 'EjsonError';
}

const NUMBER_WRAPPERS = ['$numberInt', '$numberDouble', '$numberLong', '$numberDecimal'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function numberOf(text: unknown, wrapper: string): number {
  if (typeof text !== 'string') throw new EjsonError(`${wrapper} must hold a string, e.g. {"${wrapper}":"1"}`);
  if (text === 'Infinity') return Infinity;
  if (text === '-Infinity') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new EjsonError(`${wrapper} "${text}" is not a number`);
  return value;
}

/** `$date` in every form EJSON allows: `{"$numberLong": "ms"}`, an ISO-8601 string, or milliseconds. */
function dateOf(value: unknown): Date {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') ms = Date.parse(value);
  else if (isPlainObject(value) && Object.keys(value).length === 1 && '$numberLong' in value) ms = numberOf(value.$numberLong, '$numberLong');
  else throw new EjsonError('$date must be {"$numberLong":"ms"}, an ISO-8601 string or a number of milliseconds');
  if (!Number.isFinite(ms)) throw new EjsonError(`$date ${JSON.stringify(value)} is not a valid date`);
  return new Date(ms);
}

/** Turns the EJSON wrappers of a parsed JSON value into numbers and dates; `__proto__` keys are refused. */
export function reviveEjson(value: unknown): DbValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(reviveEjson);
  if (!isPlainObject(value)) throw new EjsonError(`unexpected ${typeof value} in EJSON`);
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    if ((NUMBER_WRAPPERS as readonly string[]).includes(key)) return numberOf(value[key], key);
    if (key === '$date') return dateOf(value.$date);
    if (key === '$oid') {
      if (typeof value.$oid !== 'string') throw new EjsonError('$oid must hold a string');
      return value.$oid;
    }
  }
  const out: DbObject = {};
  for (const key of keys) {
    if (key === '__proto__') throw new EjsonError('a field may not be named __proto__');
    out[key] = reviveEjson(value[key]);
  }
  return out;
}

/** Parses EJSON text as the SDK sends it (canonical or relaxed); throws EjsonError. */
export function parseEjson(text: string): DbValue {
  const depth = jsonDepth(text);
  if (depth > JSON_MAX_DEPTH) throw new EjsonError(`EJSON nests ${depth} deep; at most ${JSON_MAX_DEPTH} levels are accepted`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EjsonError(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return reviveEjson(parsed);
}

/** The years relaxed EJSON writes as an ISO string; other dates keep milliseconds. */
const ISO_YEARS = { from: 1970, to: 9999 } as const;

/**
 * A value as relaxed EJSON: dates as `{"$date":"<ISO-8601>"}` (outside 1970–9999 `{"$date":{"$numberLong":"ms"}}`),
 * non-finite numbers as `$numberDouble`, everything else plain JSON. The SDK reads every form with EJSON.parse.
 */
export function toEjsonValue(value: DbValue): unknown {
  if (value instanceof Date) {
    const year = value.getUTCFullYear();
    return year >= ISO_YEARS.from && year <= ISO_YEARS.to ? { $date: value.toISOString() } : { $date: { $numberLong: String(value.getTime()) } };
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { $numberDouble: String(value) };
  if (Array.isArray(value)) return value.map(toEjsonValue);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toEjsonValue(item as DbValue);
    return out;
  }
  return value;
}

/** Relaxed EJSON text of a value: what the cloud puts in each `data.list` item. */
export function stringifyEjson(value: DbValue): string {
  return JSON.stringify(toEjsonValue(value));
}

/** A deep copy (dates copied too), so nothing outside the model shares its documents. */
export function copyValue<T extends DbValue>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(copyValue) as T;
  if (isPlainObject(value)) {
    const out: DbObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = copyValue(item as DbValue);
    return out as T;
  }
  return value;
}

/** True for a stored object (not an array, date or null). */
export function isDbObject(value: DbValue | undefined): value is DbObject {
  return isPlainObject(value);
}
