/**
 * Reading the decision trail for getPluginApplyList: the latest decision on each application it lists, and the
 * trail itself (one applicant's records or all, newest first, paged), admin-only like the list. A trail that cannot
 * be read never fails the list: its items come back without `lastDecision`, and `trail` says why.
 */
import type { Application } from './applicationList';
import { callerLogFields, refuseCall } from './callerPolicy';
import type { Deadline } from './deadline';
import { remainingMs } from './deadline';
import type { ApplyError } from './errorTable';
import { ownError, wechatError } from './errorTable';
import { parseTrailEvent } from './eventSchema';
import type { ListDeps, ListResult } from './listing';
import { DEFAULT_PAGE_SIZE } from './listing';
import type { LogSink } from './log';
import { describeThrown } from './log';
import type { TrailActor, TrailRecord } from './trailRecords';
import type { TrailStore } from './trailWriter';
import { TrailStoreError } from './trailWriter';

/** The latest decision the trail holds on one application: who, when, what, and our refusal reason. */
export interface LastDecision {
  at: string;
  action: TrailRecord['action'];
  reason: string | null;
  changed: boolean | null;
  by: TrailActor;
  requestId: string | null;
}

/** A trail record as a result carries it: `at` as ISO 8601 text. */
export type TrailEntry = Omit<TrailRecord, 'at'> & { at: string };

/** Said on a list result whose trail could not be read. */
export interface TrailReadFailure {
  read: false;
  reason: string;
  errCode: number | null;
}

/** A listed application, with the latest decision on it (null when the trail has none). */
export type ApplicationWithDecision = Application & { lastDecision?: LastDecision | null };

/** getPluginApplyList's result with the trail read in: `lastDecision` on each item, or `trail` saying why not. */
export type TrailedListResult =
  (Extract<ListResult, { ok: true }> & { items: ApplicationWithDecision[]; trail?: TrailReadFailure }) | Extract<ListResult, { ok: false }>;

/** The answer to a trail query. */
export type TrailQueryResult = { ok: true; trail: TrailEntry[]; page: number; num: number; hasMore: boolean } | { ok: false; error: ApplyError };

/** Appids per read: a page of the list at its largest. */
const APPIDS_PER_READ = 100;
/** Records per read, the database's own cap. */
const RECORDS_PER_READ = 1000;
/** Reads of one group of appids, when some of them have so many records that their latest decisions crowd others out. */
const MAX_ROUNDS = 3;
/** Longest the trail may hold the list's answer back, and the time kept for the answer itself. */
const MAX_WAIT_MS = 1500;
const ANSWER_RESERVE_MS = 200;

/** A record as results show it. */
export function entryOf(record: TrailRecord): TrailEntry {
  const at = record.at instanceof Date ? record.at.toISOString() : String(record.at);
  return { ...record, at };
}

function lastDecisionOf(record: TrailRecord): LastDecision {
  return { at: entryOf(record).at, action: record.action, reason: record.reason, changed: record.outcome.changed, by: record.by, requestId: record.requestId };
}

/**
 * The latest decision on each appid that WeChat applied: the latest successful one that changed the application
 * (a later "already done" by another admin is not what the applicant saw), else the latest successful one (our own
 * try whose answer was lost reads as unchanged). Reads at most MAX_ROUNDS times per group of appids.
 */
export async function latestDecisions(store: TrailStore, appids: readonly string[]): Promise<Map<string, LastDecision | null>> {
  const latest = new Map<string, LastDecision | null>(appids.map((appid) => [appid, null]));
  const groups: string[][] = [];
  const unique = [...latest.keys()];
  for (let start = 0; start < unique.length; start += APPIDS_PER_READ) groups.push(unique.slice(start, start + APPIDS_PER_READ));
  await Promise.all(
    groups.map(async (group) => {
      let open = group;
      for (let round = 0; round < MAX_ROUNDS && open.length > 0; round += 1) {
        const records = await store.find({ appids: open, okOnly: true }, { skip: 0, limit: RECORDS_PER_READ });
        const fallback = new Map<string, TrailRecord>();
        const settled = new Set<string>();
        for (const record of records) {
          if (record.appid === null || settled.has(record.appid)) continue;
          if (record.outcome.changed === true) {
            latest.set(record.appid, lastDecisionOf(record));
            settled.add(record.appid);
          } else if (!fallback.has(record.appid)) {
            fallback.set(record.appid, record);
          }
        }
        for (const [appid, record] of fallback) if (!settled.has(appid)) latest.set(appid, lastDecisionOf(record));
        // A full read may have cut off older records of the appids it did not settle: read again for those alone.
        if (records.length < RECORDS_PER_READ) break;
        open = open.filter((appid) => !settled.has(appid));
      }
    }),
  );
  return latest;
}

/** Races a read against the time the answer can spare; throws TrailStoreError when it runs out. */
async function withinBudget<T>(read: Promise<T>, deadline: Deadline): Promise<T> {
  const budget = Math.min(MAX_WAIT_MS, remainingMs(deadline) - ANSWER_RESERVE_MS);
  if (budget <= 0) throw new TrailStoreError(null, 'no time was left to read the trail');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TrailStoreError(null, `the database did not answer within ${Math.round(budget)} ms`)), budget);
  });
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Adds `lastDecision` to each listed item; when the trail cannot be read, leaves the items as they are and says why. */
export async function withLastDecisions(result: ListResult, store: TrailStore, deadline: Deadline, log: LogSink): Promise<TrailedListResult> {
  if (!result.ok || result.items.length === 0) return result;
  try {
    const latest = await withinBudget(
      latestDecisions(
        store,
        result.items.map((item) => item.appid),
      ),
      deadline,
    );
    return { ...result, items: result.items.map((item) => ({ ...item, lastDecision: latest.get(item.appid) ?? null })) };
  } catch (thrown) {
    const failure: TrailReadFailure =
      thrown instanceof TrailStoreError
        ? { read: false, reason: thrown.message.slice(0, 300), errCode: thrown.errCode }
        : { read: false, reason: describeThrown(thrown), errCode: null };
    log({ level: 'warn', event: 'trailReadFailed', errCode: failure.errCode, detail: failure.reason });
    return { ...result, trail: failure };
  }
}

/** What a trail query needs: the list's dependencies with the trail's store. */
export type TrailQueryDeps = Omit<ListDeps, 'client'> & { store: TrailStore };

const FN = 'getPluginApplyList';

/** Answers `{ "trail": { appid?, page?, num? } }`: records newest first, paged, admins only; never throws. */
export async function handleTrailQuery(event: Record<string, unknown>, deps: TrailQueryDeps): Promise<TrailQueryResult> {
  const startedAt = deps.deadline.now();
  const result = await querySafely(event, deps);
  deps.log({
    fn: FN,
    requestId: deps.requestId,
    ...callerLogFields(deps.caller),
    query: 'trail',
    outcome: result.ok ? 'OK' : result.error.code,
    errCode: result.ok ? 0 : result.error.errCode,
    records: result.ok ? result.trail.length : undefined,
    durationMs: deps.deadline.now() - startedAt,
  });
  return result;
}

async function querySafely(event: Record<string, unknown>, deps: TrailQueryDeps): Promise<TrailQueryResult> {
  try {
    const refusal = refuseCall(deps);
    if (refusal !== null) return { ok: false, error: refusal };
    const parsed = parseTrailEvent(event);
    if (!parsed.ok) return { ok: false, error: ownError('INVALID_EVENT', { issues: parsed.issues }) };
    const { appid, page = 1, num = DEFAULT_PAGE_SIZE } = parsed.value;
    // One more than asked tells whether there is a next page.
    const records = await withinBudget(deps.store.find(appid === undefined ? {} : { appid }, { skip: (page - 1) * num, limit: num + 1 }), deps.deadline);
    return { ok: true, trail: records.slice(0, num).map(entryOf), page, num, hasMore: records.length > num };
  } catch (thrown) {
    if (thrown instanceof TrailStoreError) {
      return {
        ok: false,
        error: thrown.errCode === null ? ownError('TRAIL_UNREADABLE', { raw: thrown.message.slice(0, 300) }) : wechatError(thrown.errCode, thrown.message),
      };
    }
    deps.log({ fn: FN, requestId: deps.requestId, level: 'error', detail: describeThrown(thrown) });
    return { ok: false, error: ownError('INTERNAL') };
  }
}
