/**
 * The decision trail's store in the plugin environment's own cloud database, through wx-server-sdk's
 * `cloud.database()`. The database client is created on first use, so a cold start that writes no record never
 * loads it (in the lean bundle it lives in database.js beside index.js). Every SDK error is translated here, once,
 * into TrailStoreError; a missing collection is created rather than reported (both in cloudCollection.ts).
 */
import cloud from 'wx-server-sdk';
import type { TrailFilter, TrailStore } from '../core/trailWriter';
import { TrailStoreError } from '../core/trailWriter';
import type { TrailRecord } from '../core/trailRecords';
import { TRAIL_COLLECTION } from '../core/trailRecords';
import { COLLECTION_NOT_EXIST, openCollection } from './cloudCollection';

/** What the trail uses of the SDK's database (its own typings return `void | string` unions for the callback forms). */
interface Query {
  where(condition: Record<string, unknown>): Query;
  orderBy(field: string, order: 'asc' | 'desc'): Query;
  skip(offset: number): Query;
  limit(max: number): Query;
  get(): Promise<{ data: unknown[] }>;
}
interface Collection extends Query {
  add(options: { data: unknown }): Promise<unknown>;
  doc(id: string): { update(options: { data: Record<string, unknown> }): Promise<{ stats?: { updated?: number } }> };
}
interface Database {
  collection(name: string): Collection;
  createCollection(name: string): Promise<unknown>;
  command: { in(values: readonly unknown[]): unknown; inc(by: number): unknown };
}

/** Documents one `add` carries: the database SDK's own cap on a query's size, and more than a batch of 200 plus what waits. */
const ADD_MAX_DOCUMENTS = 1000;

const DATABASE_REQUEST_FAILED = -502001;

/** Whether an add failed because a document with that `_id` exists (a concurrent container created the folded record). */
function isDuplicateId(error: TrailStoreError): boolean {
  return error.errCode === DATABASE_REQUEST_FAILED && /E11000|duplicate key/i.test(error.message);
}

/** A document of the collection as a record, with the nested objects a reader relies on always present. */
function recordOf(document: unknown): TrailRecord {
  const doc = (typeof document === 'object' && document !== null ? document : {}) as Partial<TrailRecord>;
  const outcome = doc.outcome ?? { code: 'UNKNOWN', changed: null, errCode: null };
  const by = doc.by ?? { openid: null, appid: null, name: null, rule: null };
  return { ...(doc as TrailRecord), appid: typeof doc.appid === 'string' ? doc.appid : null, outcome, by };
}

/** The trail's store; `database` is for tests, the cloud's by default. */
export function createTrailDatabase(database: () => Database = () => cloud.database() as unknown as Database): TrailStore {
  const { database: opened, collection, translated, inCollection } = openCollection(TRAIL_COLLECTION, database, TrailStoreError);

  const addAll = async (documents: readonly unknown[]): Promise<void> => {
    for (let start = 0; start < documents.length; start += ADD_MAX_DOCUMENTS) {
      const chunk = documents.slice(start, start + ADD_MAX_DOCUMENTS);
      await inCollection(() => collection().add({ data: chunk.length === 1 ? chunk[0] : chunk }));
    }
  };

  const bump = async (id: string, attempts: number): Promise<number> => {
    const answer = await inCollection(() =>
      collection()
        .doc(id)
        .update({ data: { attempts: opened().command.inc(attempts) } }),
    );
    return answer.stats?.updated ?? 0;
  };

  return {
    add: (records) => addAll(records),

    async fold(id, record, attempts) {
      // Conditional write: bump the minute's record when it exists; else create it, and should a concurrent
      // container have created it first (duplicate _id), bump that one. Every path counts each attempt once.
      if ((await bump(id, attempts)) > 0) return;
      try {
        await addAll([{ ...record, _id: id, attempts }]);
      } catch (thrown) {
        const error = translated(thrown);
        if (!isDuplicateId(error)) throw error;
        if ((await bump(id, attempts)) === 0) throw new TrailStoreError(null, `the folded record ${id} was neither created nor found`);
      }
    },

    async find(filter: TrailFilter, page) {
      try {
        const condition: Record<string, unknown> = {};
        if (filter.appid !== undefined) condition.appid = filter.appid;
        if (filter.appids !== undefined) condition.appid = opened().command.in(filter.appids);
        if (filter.okOnly === true) condition.outcome = { code: 'OK' };
        let query: Query = Object.keys(condition).length === 0 ? collection() : collection().where(condition);
        query = query.orderBy('at', 'desc');
        if (page.skip > 0) query = query.skip(page.skip);
        const answer = await query.limit(page.limit).get();
        return answer.data.map(recordOf);
      } catch (thrown) {
        const error = translated(thrown);
        // No collection yet: nothing was ever recorded.
        if (error.errCode === COLLECTION_NOT_EXIST) return [];
        throw error;
      }
    },
  };
}
