/**
 * The watcher's store in the plugin environment's own cloud database (collection `plugin_apply_watch`), through
 * wx-server-sdk's `cloud.database()`, created on first use (in the lean bundle the database client lives in
 * database.js beside index.js and loads then). Every SDK error is translated here, once, into WatchStoreError; a
 * missing collection is created rather than reported (both in cloudCollection.ts), and the state document is created
 * on first use.
 */
import cloud from 'wx-server-sdk';
import type { ObservedTimeout, WatchedApplication, WatchState, WatchStore } from '../core/watchStore';
import { WATCH_COLLECTION, WATCH_STATE_ID, WatchStoreError } from '../core/watchStore';
import { openCollection } from './cloudCollection';

/** What the watcher uses of the SDK's database (its own typings return `void | string` unions for the callback forms). */
interface Query {
  where(condition: Record<string, unknown>): Query;
  orderBy(field: string, order: 'asc' | 'desc'): Query;
  skip(offset: number): Query;
  limit(max: number): Query;
  get(): Promise<{ data: unknown[] }>;
  update(options: { data: Record<string, unknown> }): Promise<{ stats?: { updated?: number } }>;
}
interface Collection extends Query {
  add(options: { data: Record<string, unknown> }): Promise<unknown>;
  doc(id: string): { set(options: { data: Record<string, unknown> }): Promise<unknown> };
}
interface Database {
  collection(name: string): Collection;
  createCollection(name: string): Promise<unknown>;
  command: { lt(value: number): unknown; gte(value: number): unknown };
}

/** Records one `get` returns: the cloud's own default cap for a function's read. */
const PAGE = 100;

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** The state document's fields as the core's state; the observed timeout is kept flat, so an update never meets a null parent. */
function stateOf(document: Record<string, unknown> | undefined): WatchState {
  const atMostMs = num(document?.timeoutAtMostMs);
  const observedTimeout: ObservedTimeout | null =
    atMostMs === null
      ? null
      : {
          atMostMs,
          atLeastMs: num(document?.timeoutAtLeastMs),
          samples: num(document?.timeoutSamples) ?? 1,
          lastSeenAt: num(document?.timeoutLastSeenAt) ?? 0,
        };
  return { lastRunAt: num(document?.lastRunAt), observedTimeout };
}

function applicationOf(document: unknown): WatchedApplication {
  const doc = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  return {
    _id: String(doc._id),
    appid: String(doc.appid),
    createdAt: num(doc.createdAt) ?? 0,
    status: num(doc.status) ?? 0,
    told: Array.isArray(doc.told) ? doc.told.filter((mark): mark is string => typeof mark === 'string') : [],
    agreedBy: typeof doc.agreedBy === 'string' ? doc.agreedBy : null,
    updatedAt: num(doc.updatedAt) ?? 0,
  };
}

/** The watcher's store; `database` is for tests, the cloud's by default. */
export function createWatchDatabase(database: () => Database = () => cloud.database() as unknown as Database): WatchStore {
  const { database: opened, collection, inCollection } = openCollection(WATCH_COLLECTION, database, WatchStoreError);

  const stateDocument = async (): Promise<Record<string, unknown> | undefined> => {
    const answer = await inCollection(() => collection().where({ _id: WATCH_STATE_ID }).get());
    return answer.data[0] as Record<string, unknown> | undefined;
  };

  const conditionalTake = async (holder: string, now: number, until: number): Promise<boolean> => {
    const answer = await inCollection(() =>
      collection()
        .where({ _id: WATCH_STATE_ID, lockedUntil: opened().command.lt(now) })
        .update({ data: { lockedUntil: until, holder } }),
    );
    return answer.stats?.updated === 1;
  };

  return {
    async takeLease(holder, now, until) {
      if (await conditionalTake(holder, now, until)) return true;
      if ((await stateDocument()) !== undefined) return false;
      // First use: create the state document unlocked, then take it like any run. A concurrent first run may have
      // created it first (a duplicate _id): the conditional update decides between the two all the same.
      await inCollection(() => collection().add({ data: { _id: WATCH_STATE_ID, lockedUntil: 0, holder: null, lastRunAt: null } })).catch(() => undefined);
      return conditionalTake(holder, now, until);
    },

    readState: async () => stateOf(await stateDocument()),

    async readApplications(since) {
      const found: WatchedApplication[] = [];
      for (let skip = 0; ; skip += PAGE) {
        let query = collection()
          .where({ kind: 'application', createdAt: opened().command.gte(since) })
          .orderBy('_id', 'asc');
        if (skip > 0) query = query.skip(skip);
        const answer = await inCollection(() => query.limit(PAGE).get());
        found.push(...answer.data.map(applicationOf));
        if (answer.data.length < PAGE) return found;
      }
    },

    async saveApplication(doc) {
      const { _id, ...fields } = doc;
      await inCollection(() =>
        collection()
          .doc(_id)
          .set({ data: { ...fields, kind: 'application' } }),
      );
    },

    async finish(holder, state) {
      const seen = state.observedTimeout;
      const timeout =
        seen === null
          ? {}
          : { timeoutAtMostMs: seen.atMostMs, timeoutAtLeastMs: seen.atLeastMs, timeoutSamples: seen.samples, timeoutLastSeenAt: seen.lastSeenAt };
      await inCollection(() =>
        collection()
          .where({ _id: WATCH_STATE_ID, holder })
          .update({ data: { lockedUntil: 0, holder: null, lastRunAt: state.lastRunAt, ...timeout } }),
      );
    },
  };
}
