import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { DbObject, DbValue } from './ejson';
import { copyValue, EjsonError, isDbObject, reviveEjson, stringifyEjson, toEjsonValue } from './ejson';
import type { SortKey } from './documentMatch';
import { InvalidOperator, matches, sortDocuments } from './documentMatch';
import { updatedDocument } from './documentUpdate';

/** The cloud's error codes for database calls, as the SDK receives them in `{"code": …}` (its TCB_ERR_CODE table). */
export const DatabaseErrorCode = {
  systemError: 'SYS_ERR',
  invalidParam: 'INVALID_PARAM',
  requestFailed: 'DATABASE_REQUEST_FAILED',
  invalidOperator: 'DATABASE_INVALID_OPERRATOR',
  permissionDenied: 'DATABASE_PERMISSION_DENIED',
  collectionExceedLimit: 'DATABASE_COLLECTION_EXCEED_LIMIT',
  collectionNotExist: 'DATABASE_COLLECTION_NOT_EXIST',
  collectionAlreadyExist: 'DATABASE_COLLECTION_ALREADY_EXIST',
} as const;

/** One of the database error codes. */
export type DatabaseErrorCodeName = (typeof DatabaseErrorCode)[keyof typeof DatabaseErrorCode];

/**
 * The number each code becomes (wx-server-sdk's TCB_ERR_CODE), which the HTTP API answers as `errcode`.
 * The SDK has no number for DATABASE_COLLECTION_ALREADY_EXIST and reports it as -501001.
 */
export const DATABASE_ERRCODES: Readonly<Record<string, number>> = {
  SYS_ERR: -501001,
  INVALID_PARAM: -501007,
  DATABASE_REQUEST_FAILED: -502001,
  DATABASE_INVALID_OPERRATOR: -502002,
  DATABASE_PERMISSION_DENIED: -502003,
  DATABASE_COLLECTION_EXCEED_LIMIT: -502004,
  DATABASE_COLLECTION_NOT_EXIST: -502005,
  DATABASE_COLLECTION_ALREADY_EXIST: -501001,
};

/** A database failure with the cloud's code and message. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The cloud's text for a missing collection, as users meet it after the SDK's "database collection not exists.". */
export function collectionNotExist(name: string): DatabaseError {
  return new DatabaseError(
    DatabaseErrorCode.collectionNotExist,
    `[ResourceNotFound] Db or Table not exist: ${name}. Please check your request, but if the problem persists, contact us.`,
  );
}

/** The most documents one query returns, whatever `limit` asks (the database SDK's own cap). */
export const MAX_QUERY_LIMIT = 1000;

/** Collection names the model accepts: what the console allows, letters, digits, `_` and `-`. */
const COLLECTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** What a query selects. */
export interface Selection {
  query: DbObject;
  order?: readonly SortKey[];
  offset?: number;
  limit?: number;
  projection?: DbObject;
}

/** What an update did: how many documents matched, how many changed, and the `_id` an upsert created. */
export interface UpdateOutcome {
  matched: number;
  updated: number;
  upsertedId?: string;
}

/** One collection as the console (and `databasecollectionget`) describes it. */
export interface CollectionInfo {
  name: string;
  count: number;
  /** Bytes of the documents as EJSON text. */
  size: number;
}

/** The local cloud's database: collections of documents, kept in memory and, when `file` is set, in a JSON file. */
export interface Database {
  collections(): CollectionInfo[];
  /** Copies of a collection's documents, in insertion order; null when it does not exist. */
  documents(name: string): DbObject[] | null;
  createCollection(name: string): void;
  /** Removes a collection; false when there was none. */
  dropCollection(name: string): boolean;
  /** Removes every collection. */
  clear(): void;
  /** Inserts documents (all or none) and returns their `_id`s. */
  add(name: string, docs: readonly DbValue[]): string[];
  /** The documents a selection picks (copies), and how many matched before offset and limit. */
  find(name: string, selection: Selection): { documents: DbObject[]; total: number };
  count(name: string, query: DbObject): number;
  /** Updates the first (or, with `multi`, every) match; with `upsert` and no match, inserts `{_id, ...update}`. */
  update(name: string, query: DbObject, update: DbObject, options: { multi: boolean; merge: boolean; upsert: boolean }): UpdateOutcome;
  remove(name: string, query: DbObject, multi: boolean): number;
  /** The model's clock, which `db.serverDate()` resolves to. */
  now(): Date;
}

/** How the model starts: its clock (milliseconds, default Date.now) and an optional file to keep it in. */
export interface DatabaseOptions {
  now?: () => number;
  file?: string;
}

/** Replaces every `{"$tcb_server_date": {"offset": ms}}` (db.serverDate()) with the model's time plus the offset. */
export function resolveServerDates(value: DbValue, nowMs: number): DbValue {
  if (Array.isArray(value)) return value.map((item) => resolveServerDates(item, nowMs));
  if (!isDbObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$tcb_server_date') {
    const marker = value.$tcb_server_date;
    const offset = isDbObject(marker) && typeof marker.offset === 'number' ? marker.offset : 0;
    return new Date(nowMs + offset);
  }
  const out: DbObject = {};
  for (const key of keys) out[key] = resolveServerDates(value[key] as DbValue, nowMs);
  return out;
}

function project(doc: DbObject, projection: DbObject | undefined): DbObject {
  if (projection === undefined || Object.keys(projection).length === 0) return doc;
  const entries = Object.entries(projection);
  const including = entries.some(([key, on]) => key !== '_id' && Boolean(on));
  if (!including) {
    return Object.fromEntries(Object.entries(doc).filter(([key]) => projection[key] === undefined || Boolean(projection[key])));
  }
  const out: DbObject = {};
  if (projection._id === undefined || Boolean(projection._id)) out._id = doc._id ?? null;
  for (const [key, on] of entries) if (on && Object.prototype.hasOwnProperty.call(doc, key)) out[key] = doc[key] as DbValue;
  return out;
}

function loadFile(file: string): Map<string, DbObject[]> {
  const collections = new Map<string, DbObject[]>();
  if (!existsSync(file)) return collections;
  let saved: DbValue;
  try {
    saved = reviveEjson(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    throw new Error(`${file} is not a local cloud database file: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const stored = isDbObject(saved) ? saved.collections : undefined;
  if (!isDbObject(stored)) throw new Error(`${file} must be {"collections": {"<name>": [documents…]}}`);
  for (const [name, docs] of Object.entries(stored)) {
    if (!Array.isArray(docs) || !docs.every((doc) => isDbObject(doc) && typeof doc._id === 'string')) {
      throw new Error(`${file}: collection "${name}" must be an array of documents, each with a string _id`);
    }
    collections.set(name, docs as DbObject[]);
  }
  return collections;
}

/** Creates the database model, loading `file` when it exists. */
export function createDatabase(options: DatabaseOptions = {}): Database {
  const clock = options.now ?? Date.now;
  const file = options.file;
  const collections = file === undefined ? new Map<string, DbObject[]>() : loadFile(file);

  const save = (): void => {
    if (file === undefined) return;
    const stored: Record<string, unknown> = {};
    for (const [name, docs] of collections) stored[name] = docs.map(toEjsonValue);
    // Written whole and renamed into place, so a crash never leaves half a file.
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ collections: stored }, null, 1)}\n`);
    renameSync(`${file}.tmp`, file);
  };
  // A path that cannot be written fails now, at start, rather than on the first write a function makes.
  if (file !== undefined && !existsSync(file)) save();
  const collection = (name: string): DbObject[] => {
    const docs = collections.get(name);
    if (docs === undefined) throw collectionNotExist(name);
    return docs;
  };
  const resolve = (value: DbValue): DbValue => resolveServerDates(value, clock());
  const matching = (docs: readonly DbObject[], query: DbObject): DbObject[] => {
    const resolved = resolve(query) as DbObject;
    return docs.filter((doc) => matches(doc, resolved));
  };
  const newId = (): string => randomBytes(16).toString('hex');

  return {
    collections() {
      return [...collections].map(([name, docs]) => ({
        name,
        count: docs.length,
        size: docs.reduce((sum, doc) => sum + Buffer.byteLength(stringifyEjson(doc)), 0),
      }));
    },
    documents(name) {
      return collections.get(name)?.map(copyValue) ?? null;
    },
    createCollection(name) {
      if (!COLLECTION_NAME.test(name))
        throw new DatabaseError(DatabaseErrorCode.invalidParam, `collection name "${name}" must be 1 to 64 letters, digits, _ or -`);
      if (collections.has(name)) throw new DatabaseError(DatabaseErrorCode.collectionAlreadyExist, `[ResourceUnavailable.ResourceExist] Table exist: ${name}.`);
      collections.set(name, []);
      save();
    },
    dropCollection(name) {
      const dropped = collections.delete(name);
      if (dropped) save();
      return dropped;
    },
    clear() {
      collections.clear();
      save();
    },
    add(name, docs) {
      const target = collection(name);
      const prepared = docs.map((doc) => {
        if (!isDbObject(doc)) throw new DatabaseError(DatabaseErrorCode.invalidParam, 'each document to add must be an object');
        // A copy: a Date the caller keeps must not be the one stored.
        const resolved = copyValue(resolve(doc)) as DbObject;
        if (resolved._id !== undefined && typeof resolved._id !== 'string') throw new DatabaseError(DatabaseErrorCode.invalidParam, '_id must be a string');
        return { _id: resolved._id ?? newId(), ...resolved };
      });
      const ids = prepared.map((doc) => doc._id);
      const clash = ids.find((id, i) => ids.indexOf(id) !== i || target.some((doc) => doc._id === id));
      if (clash !== undefined) {
        throw new DatabaseError(
          DatabaseErrorCode.requestFailed,
          `[FailedOperation] E11000 duplicate key error collection: ${name} index: _id_ dup key: { _id: "${clash}" }`,
        );
      }
      target.push(...prepared);
      save();
      return ids;
    },
    find(name, selection) {
      const found = sortDocuments(matching(collection(name), selection.query), selection.order ?? []);
      const offset = selection.offset ?? 0;
      const limit = Math.min(selection.limit ?? MAX_QUERY_LIMIT, MAX_QUERY_LIMIT);
      const projection = selection.projection;
      return { documents: found.slice(offset, offset + limit).map((doc) => project(copyValue(doc), projection)), total: found.length };
    },
    count(name, query) {
      return matching(collection(name), query).length;
    },
    update(name, query, update, { multi, merge, upsert }) {
      const docs = collection(name);
      const resolvedUpdate = resolve(update) as DbObject;
      const found = matching(docs, query);
      const targets = multi ? found : found.slice(0, 1);
      let updated = 0;
      // Every new version is computed before any is stored, so an invalid update changes nothing.
      const next = targets.map((doc) => updatedDocument(doc, resolvedUpdate, merge));
      targets.forEach((doc, i) => {
        const replacement = next[i] as DbObject;
        if (JSON.stringify(toEjsonValue(replacement)) === JSON.stringify(toEjsonValue(doc))) return;
        docs[docs.indexOf(doc)] = replacement;
        updated += 1;
      });
      if (targets.length === 0 && upsert) {
        const id = typeof query._id === 'string' ? query._id : newId();
        const created = updatedDocument({ _id: id }, resolvedUpdate, merge);
        docs.push({ ...created, _id: id });
        save();
        return { matched: 0, updated: 0, upsertedId: id };
      }
      if (updated > 0) save();
      return { matched: targets.length, updated };
    },
    remove(name, query, multi) {
      const docs = collection(name);
      const found = matching(docs, query);
      const targets = new Set(multi ? found : found.slice(0, 1));
      if (targets.size === 0) return 0;
      collections.set(
        name,
        docs.filter((doc) => !targets.has(doc)),
      );
      save();
      return targets.size;
    },
    now() {
      return new Date(clock());
    },
  };
}

/** The model's error for anything a request held that it cannot use, with the code the cloud would answer. */
export function databaseErrorOf(error: unknown): DatabaseError | null {
  if (error instanceof DatabaseError) return error;
  if (error instanceof InvalidOperator) return new DatabaseError(DatabaseErrorCode.invalidOperator, error.message);
  if (error instanceof EjsonError) return new DatabaseError(DatabaseErrorCode.invalidParam, error.message);
  return null;
}
