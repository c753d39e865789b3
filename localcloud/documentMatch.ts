import type { DbObject, DbValue } from './ejson';
import { isDbObject } from './ejson';

/** Thrown for a query or update the model does not understand; answered as DATABASE_INVALID_OPERRATOR (-502002). */
export class InvalidOperator extends Error {
  override readonly name = 'InvalidOperator';
}

/** The query operators the model evaluates (what the database SDK's commands become on the wire). */
export const QUERY_OPERATORS: readonly string[] = ['$eq', '$ne', '$lt', '$lte', '$gt', '$gte', '$in', '$nin', '$exists'];

/** Splits a dot path, refusing the one segment that could reach an object's prototype. */
export function pathSegments(path: string): string[] {
  const segments = path.split('.');
  if (segments.some((segment) => segment === '' || segment === '__proto__')) throw new InvalidOperator(`field path "${path}" is not valid`);
  return segments;
}

/**
 * The values a dot path reaches, Mongo-style: through an array, a non-numeric segment looks into each element.
 * An empty list means the field is missing.
 */
export function valuesAt(value: DbValue | undefined, segments: readonly string[]): DbValue[] {
  if (value === undefined) return [];
  const [head, ...rest] = segments;
  if (head === undefined) return [value];
  if (Array.isArray(value)) {
    if (/^\d+$/.test(head)) return valuesAt(value[Number(head)], rest);
    return value.flatMap((item) => (isDbObject(item) ? valuesAt(item, segments) : []));
  }
  if (!isDbObject(value) || !Object.prototype.hasOwnProperty.call(value, head)) return [];
  return valuesAt(value[head], rest);
}

/** BSON's order of types, which sorting and comparisons follow. */
function typeRank(value: DbValue | undefined): number {
  if (value === undefined || value === null) return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  if (value instanceof Date) return 9;
  if (Array.isArray(value)) return 5;
  if (typeof value === 'boolean') return 8;
  return 4;
}

/** Orders two values as the database does: by type first, then by value. */
export function compareValues(a: DbValue | undefined, b: DbValue | undefined): number {
  const rankA = typeRank(a);
  const rankB = typeRank(b);
  if (rankA !== rankB) return rankA - rankB;
  if (a === undefined || a === null || b === undefined || b === null) return 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
      const order = compareValues(a[i], b[i]);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  return JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0;
}

/** Deep equality of stored values (dates by time, objects by keys in any order). */
export function valuesEqual(a: DbValue | undefined, b: DbValue | undefined): boolean {
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => valuesEqual(item, b[i]));
  }
  if (isDbObject(a) || isDbObject(b)) {
    if (!isDbObject(a) || !isDbObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && valuesEqual(a[key], b[key]));
  }
  return a === b;
}

/** The values a condition is tested against: each value found, and the elements of arrays found. */
function candidates(found: readonly DbValue[]): DbValue[] {
  return found.flatMap((value) => (Array.isArray(value) ? [value, ...value] : [value]));
}

function equalsAny(found: readonly DbValue[], wanted: DbValue): boolean {
  // A missing field equals null, as in Mongo.
  if (wanted === null && found.length === 0) return true;
  return candidates(found).some((value) => valuesEqual(value, wanted));
}

/** A range comparison holds only between values of the same type (a number is never "less than" a string). */
function comparesAny(found: readonly DbValue[], bound: DbValue, holds: (order: number) => boolean): boolean {
  return candidates(found).some((value) => typeRank(value) === typeRank(bound) && holds(compareValues(value, bound)));
}

function listOperand(operator: string, operand: DbValue): DbValue[] {
  if (!Array.isArray(operand)) throw new InvalidOperator(`${operator} needs an array`);
  return operand;
}

function operatorHolds(found: readonly DbValue[], operator: string, operand: DbValue): boolean {
  switch (operator) {
    case '$eq':
      return equalsAny(found, operand);
    case '$ne':
      return !equalsAny(found, operand);
    case '$lt':
      return comparesAny(found, operand, (order) => order < 0);
    case '$lte':
      return comparesAny(found, operand, (order) => order <= 0);
    case '$gt':
      return comparesAny(found, operand, (order) => order > 0);
    case '$gte':
      return comparesAny(found, operand, (order) => order >= 0);
    case '$in':
      return listOperand(operator, operand).some((wanted) => equalsAny(found, wanted));
    case '$nin':
      return !listOperand(operator, operand).some((wanted) => equalsAny(found, wanted));
    case '$exists':
      return found.length > 0 === Boolean(operand);
    default:
      throw new InvalidOperator(`query operator ${operator} is not supported by the local cloud (it knows ${QUERY_OPERATORS.join(' ')} $and $or $nor)`);
  }
}

/** True when `condition` is an operator object (`{"$lt": 3}`) rather than a value to equal. */
function isOperatorObject(condition: DbValue): condition is DbObject {
  return isDbObject(condition) && Object.keys(condition).length > 0 && Object.keys(condition).every((key) => key.startsWith('$'));
}

function conditionHolds(doc: DbObject, path: string, condition: DbValue): boolean {
  const found = valuesAt(doc, pathSegments(path));
  if (!isOperatorObject(condition)) return equalsAny(found, condition);
  return Object.entries(condition).every(([operator, operand]) => operatorHolds(found, operator, operand));
}

function subQueries(operator: string, operand: DbValue): DbObject[] {
  if (!Array.isArray(operand) || !operand.every(isDbObject)) throw new InvalidOperator(`${operator} needs an array of queries`);
  return operand as DbObject[];
}

/** Whether a stored document matches a query (field equality on dot paths, operators, $and/$or/$nor). */
export function matches(doc: DbObject, query: DbObject): boolean {
  return Object.entries(query).every(([key, condition]) => {
    if (key === '$and') return subQueries(key, condition).every((sub) => matches(doc, sub));
    if (key === '$or') return subQueries(key, condition).some((sub) => matches(doc, sub));
    if (key === '$nor') return !subQueries(key, condition).some((sub) => matches(doc, sub));
    if (key.startsWith('$')) throw new InvalidOperator(`top-level query operator ${key} is not supported by the local cloud`);
    return conditionHolds(doc, key, condition);
  });
}

/** One sort key: a dot path and 1 (ascending) or -1 (descending). */
export interface SortKey {
  path: string;
  direction: 1 | -1;
}

/** Reads `{"at": -1, "name": 1}` (an `order` of the wire) as sort keys, in order. */
export function sortKeys(order: DbValue | undefined): SortKey[] {
  if (order === undefined || order === null) return [];
  if (!isDbObject(order)) throw new InvalidOperator('order must be an object of field: 1 or -1');
  return Object.entries(order).map(([path, direction]) => {
    if (direction !== 1 && direction !== -1) throw new InvalidOperator(`order of "${path}" must be 1 or -1`);
    pathSegments(path);
    return { path, direction };
  });
}

/** Sorts documents by the keys (a stable sort: ties keep insertion order); a missing field sorts as null. */
export function sortDocuments(docs: readonly DbObject[], keys: readonly SortKey[]): DbObject[] {
  if (keys.length === 0) return [...docs];
  const sortValue = (doc: DbObject, key: SortKey): DbValue | undefined => valuesAt(doc, pathSegments(key.path))[0];
  return [...docs].sort((a, b) => {
    for (const key of keys) {
      const order = compareValues(sortValue(a, key), sortValue(b, key));
      if (order !== 0) return order * key.direction;
    }
    return 0;
  });
}
