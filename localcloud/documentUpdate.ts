import type { DbObject, DbValue } from './ejson';
import { copyValue, isDbObject } from './ejson';
import { compareValues, InvalidOperator, pathSegments, valuesEqual } from './documentMatch';

/** The update operators the model applies (what the database SDK's update commands become on the wire). */
export const UPDATE_OPERATORS: readonly string[] = ['$set', '$inc', '$mul', '$unset', '$push', '$pull', '$addToSet', '$min', '$max'];

/** The parent object of a path's last segment, created on the way when `create`; null when it cannot exist. */
function parentOf(doc: DbObject, segments: readonly string[], create: boolean): DbObject | DbValue[] | null {
  let node: DbObject | DbValue[] = doc;
  for (const segment of segments.slice(0, -1)) {
    const next: DbValue | undefined = Array.isArray(node)
      ? node[Number(segment)]
      : Object.prototype.hasOwnProperty.call(node, segment)
        ? node[segment]
        : undefined;
    if (isDbObject(next) || Array.isArray(next)) {
      node = next;
    } else if (next === undefined && create && !Array.isArray(node)) {
      const made: DbObject = {};
      node[segment] = made;
      node = made;
    } else if (next === undefined) {
      return null;
    } else {
      throw new InvalidOperator(`cannot reach "${segments.join('.')}": "${segment}" holds a ${next === null ? 'null' : typeof next}`);
    }
  }
  return node;
}

function readPath(doc: DbObject, path: string): DbValue | undefined {
  const segments = pathSegments(path);
  const parent = parentOf(doc, segments, false);
  const last = segments[segments.length - 1] as string;
  if (parent === null) return undefined;
  if (Array.isArray(parent)) return parent[Number(last)];
  return Object.prototype.hasOwnProperty.call(parent, last) ? parent[last] : undefined;
}

function writePath(doc: DbObject, path: string, value: DbValue): void {
  const segments = pathSegments(path);
  if (segments[0] === '_id') throw new InvalidOperator('_id cannot be changed');
  const parent = parentOf(doc, segments, true) as DbObject | DbValue[];
  const last = segments[segments.length - 1] as string;
  if (Array.isArray(parent)) parent[Number(last)] = value;
  else parent[last] = value;
}

function removePath(doc: DbObject, path: string): void {
  const segments = pathSegments(path);
  const parent = parentOf(doc, segments, false);
  const last = segments[segments.length - 1] as string;
  if (parent === null) return;
  if (Array.isArray(parent)) parent[Number(last)] = null;
  else Reflect.deleteProperty(parent, last);
}

function numberAt(doc: DbObject, path: string, operator: string): number {
  const current = readPath(doc, path);
  if (current === undefined) return 0;
  if (typeof current !== 'number') throw new InvalidOperator(`${operator} on "${path}", which holds a non-number`);
  return current;
}

function arrayAt(doc: DbObject, path: string, operator: string): DbValue[] {
  const current = readPath(doc, path);
  if (current === undefined) return [];
  if (!Array.isArray(current)) throw new InvalidOperator(`${operator} on "${path}", which holds a non-array`);
  return current;
}

/** `{"$each": [...]}` or a single value, as $push and $addToSet take them. */
function eachOf(operand: DbValue): DbValue[] {
  if (isDbObject(operand) && '$each' in operand) {
    if (!Array.isArray(operand.$each)) throw new InvalidOperator('$each needs an array');
    return operand.$each;
  }
  return [operand];
}

function applyOperator(doc: DbObject, operator: string, path: string, operand: DbValue): void {
  switch (operator) {
    case '$set':
      return writePath(doc, path, copyValue(operand));
    case '$unset':
      return removePath(doc, path);
    case '$inc':
    case '$mul': {
      if (typeof operand !== 'number') throw new InvalidOperator(`${operator} needs a number`);
      const current = numberAt(doc, path, operator);
      return writePath(doc, path, operator === '$inc' ? current + operand : current * operand);
    }
    case '$min':
    case '$max': {
      const current = readPath(doc, path);
      const order = current === undefined ? 0 : compareValues(operand, current);
      const replace = current === undefined || (operator === '$min' ? order < 0 : order > 0);
      if (replace) writePath(doc, path, copyValue(operand));
      return;
    }
    case '$push':
      return writePath(doc, path, [...arrayAt(doc, path, operator), ...eachOf(operand).map(copyValue)]);
    case '$addToSet': {
      const list = [...arrayAt(doc, path, operator)];
      for (const item of eachOf(operand)) if (!list.some((existing) => valuesEqual(existing, item))) list.push(copyValue(item));
      return writePath(doc, path, list);
    }
    case '$pull':
      return writePath(
        doc,
        path,
        arrayAt(doc, path, operator).filter((item) => !valuesEqual(item, operand)),
      );
    default:
      throw new InvalidOperator(`update operator ${operator} is not supported by the local cloud (it knows ${UPDATE_OPERATORS.join(' ')})`);
  }
}

/** Flattens plain nested objects to dot paths (`{a: {b: 1}}` → `{"a.b": 1}`), as the SDK does for a merging update. */
export function flattenPaths(value: DbObject, prefix = ''): DbObject {
  const out: DbObject = {};
  for (const [key, item] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (isDbObject(item) && Object.keys(item).length > 0 && !Object.keys(item).some((k) => k.startsWith('$'))) Object.assign(out, flattenPaths(item, path));
    else out[path] = item;
  }
  return out;
}

/**
 * A document after an update. With `merge`, `update` holds operators (`{"$set": {...}, "$inc": {...}}`) or plain
 * fields, which are merged path by path; without, it replaces everything but `_id`.
 */
export function updatedDocument(doc: DbObject, update: DbObject, merge: boolean): DbObject {
  if (!merge) {
    const replacement = copyValue(update);
    delete replacement._id;
    return { _id: doc._id ?? null, ...replacement };
  }
  const next = copyValue(doc);
  const keys = Object.keys(update);
  const operators = keys.filter((key) => key.startsWith('$'));
  if (operators.length > 0 && operators.length < keys.length) throw new InvalidOperator('an update mixes operators and plain fields');
  const byOperator: Array<[string, DbValue]> = operators.length === 0 ? [['$set', flattenPaths(update)]] : Object.entries(update);
  for (const [operator, fields] of byOperator) {
    if (!isDbObject(fields)) throw new InvalidOperator(`${operator} needs an object of field paths`);
    for (const [path, operand] of Object.entries(fields)) applyOperator(next, operator, path, operand);
  }
  return next;
}
