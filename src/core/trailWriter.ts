/**
 * Writing the decision trail: one database call per decision call (a batch's records in one `add`), refused calls
 * folded per caller and minute, and whatever could not be written kept in memory and written by the next write of
 * the warm container. A failed write never fails the decision: the result says the record was not written.
 *
 * The shape follows Powertools for AWS Lambda's idempotency persistence layer: the store (database) is a dependency
 * with a small interface, its errors are translated once at its boundary (TrailStoreError), a record with a
 * deterministic key is written with a conditional write so concurrent containers meet on one record, and what is
 * kept in memory is bounded.
 */
import type { Deadline } from './deadline';
import { remainingMs } from './deadline';
import type { LogSink } from './log';
import type { CallRecords, TrailRecord } from './trailRecords';
import { TRAIL_COLLECTION } from './trailRecords';

/** A database failure, translated at the store's boundary: the cloud's errCode (null when none) and its text. */
export class TrailStoreError extends Error {
  override readonly name = 'TrailStoreError';
  constructor(
    readonly errCode: number | null,
    message: string,
  ) {
    super(message);
  }
}

/** Which records a read selects: one applicant, several (`appids`), or all; `okOnly` keeps decisions that succeeded. */
export interface TrailFilter {
  appid?: string;
  appids?: readonly string[];
  okOnly?: boolean;
}

/** What the trail needs from the database; the adapter (src/functions/trailDatabase.ts) throws only TrailStoreError. */
export interface TrailStore {
  /** Adds records in as few calls as the database allows; creates the collection when it is missing. */
  add(records: readonly TrailRecord[]): Promise<void>;
  /** Adds `attempts` to the folded record `id`, creating it from `record` when it does not exist yet. */
  fold(id: string, record: TrailRecord, attempts: number): Promise<void>;
  /** Records matching `filter`, newest first; an absent collection reads as empty. */
  find(filter: TrailFilter, page: { skip: number; limit: number }): Promise<TrailRecord[]>;
}

/** On a result whose records could not be written (absent when they were): why, and how many records wait in memory. */
export interface TrailWriteFailure {
  written: false;
  reason: string;
  errCode: number | null;
  /** Records (and folded attempts) this warm container holds for its next write. */
  unwritten: number;
}

/** Writes each call's records; never throws. */
export interface TrailWriter {
  write(call: CallRecords, deadline: Deadline, log: LogSink): Promise<TrailWriteFailure | null>;
}

export interface TrailWriterOptions {
  now?: () => number;
  /** Most records held for a later write; past it the oldest are dropped, and the log says how many. */
  maxUnwritten?: number;
  /** A caller's refused calls in one minute are written at most once per this interval (per container); the rest are counted. */
  foldIntervalMs?: number;
  /** Most callers' folded counts held at once. */
  maxFolds?: number;
  /** Longest a write may hold the answer back, whatever time is left. */
  maxWaitMs?: number;
}

/** Time left for the answer itself after the trail is written. */
const ANSWER_RESERVE_MS = 200;

interface Fold {
  id: string;
  record: TrailRecord;
  minute: string;
  unwritten: number;
  lastWrittenAt: number | null;
  writing: boolean;
}

/** Why a write failed, as one bounded line for the result and the log. */
function failureOf(thrown: unknown): { reason: string; errCode: number | null } {
  if (thrown instanceof TrailStoreError) return { reason: thrown.message.slice(0, 300), errCode: thrown.errCode };
  return { reason: (thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)).slice(0, 300), errCode: null };
}

/** A promise that resolves to 'late' after `ms`, and the timer to clear when the race is over. */
function lateAfter(ms: number): { late: Promise<'late'>; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  return { late, clear: () => clearTimeout(timer) };
}

/** A writer holding, for the life of a warm container, what could not be written yet. */
export function createTrailWriter(
  store: TrailStore,
  { now = Date.now, maxUnwritten = 1000, foldIntervalMs = 10_000, maxFolds = 100, maxWaitMs = 1500 }: TrailWriterOptions = {},
): TrailWriter {
  let unwritten: TrailRecord[] = [];
  let inFlight = 0;
  const folds = new Map<string, Fold>();

  const keep = (records: readonly TrailRecord[], log: LogSink): void => {
    unwritten = [...records, ...unwritten];
    const dropped = unwritten.length - maxUnwritten;
    if (dropped > 0) {
      unwritten = unwritten.slice(dropped);
      log({ level: 'error', event: 'trailDropped', records: dropped, unwritten: unwritten.length });
    }
  };

  const heldCount = (): number => unwritten.length + inFlight + [...folds.values()].reduce((sum, fold) => sum + fold.unwritten, 0);

  const note = (call: CallRecords, log: LogSink): Fold | null => {
    if (call.folded === null) return null;
    const existing = folds.get(call.folded.id);
    if (existing !== undefined) {
      existing.unwritten += 1;
      return existing;
    }
    if (folds.size >= maxFolds) {
      // The oldest caller's count goes first; a stranger rotating identities cannot grow memory without bound.
      const [oldestId, oldest] = folds.entries().next().value as [string, Fold];
      folds.delete(oldestId);
      if (oldest.unwritten > 0) log({ level: 'warn', event: 'trailDropped', attempts: oldest.unwritten });
    }
    const fold: Fold = { ...call.folded, minute: call.folded.record.at.toISOString().slice(0, 16), unwritten: 1, lastWrittenAt: null, writing: false };
    folds.set(fold.id, fold);
    return fold;
  };

  const writeFold = async (fold: Fold, at: number): Promise<void> => {
    const count = fold.unwritten;
    fold.writing = true;
    try {
      await store.fold(fold.id, fold.record, count);
      fold.unwritten -= count;
      fold.lastWrittenAt = at;
    } finally {
      fold.writing = false;
      const minuteOver = new Date(at).toISOString().slice(0, 16) !== fold.minute;
      if (fold.unwritten === 0 && minuteOver) folds.delete(fold.id);
    }
  };

  return {
    async write(call, deadline, log) {
      const at = now();
      const mine = note(call, log);
      // A fold is written at its first attempt, then at most once per interval; and whenever records are written
      // anyway (an admin's decision), so that its count reaches the database without waiting for the stranger.
      const writing = call.records.length > 0 || unwritten.length > 0;
      const due = (fold: Fold): boolean =>
        !fold.writing &&
        fold.unwritten > 0 &&
        (writing || fold.lastWrittenAt === null || at - fold.lastWrittenAt >= foldIntervalMs || fold.minute !== new Date(at).toISOString().slice(0, 16));
      // A refused call that is not due writes nothing at all: that is the bound on a stranger's loop.
      if (call.records.length === 0 && (mine === null || !due(mine))) return null;

      const records = [...unwritten, ...call.records];
      unwritten = [];
      const dueFolds = [...folds.values()].filter(due);
      const budget = Math.min(maxWaitMs, remainingMs(deadline) - ANSWER_RESERVE_MS);
      if (budget <= 0) {
        keep(records, log);
        const failure: TrailWriteFailure = {
          written: false,
          reason: 'no time was left to write the trail before the answer',
          errCode: null,
          unwritten: heldCount(),
        };
        log({ level: 'warn', event: 'trailWriteFailed', detail: failure.reason, unwritten: failure.unwritten });
        return failure;
      }

      const failures: Array<{ reason: string; errCode: number | null; mine: boolean }> = [];
      const adding =
        records.length === 0
          ? Promise.resolve()
          : store.add(records).catch((thrown: unknown) => {
              keep(records, log);
              failures.push({ ...failureOf(thrown), mine: call.records.length > 0 });
            });
      const folding = dueFolds.map((fold) =>
        writeFold(fold, at).catch((thrown: unknown) => {
          failures.push({ ...failureOf(thrown), mine: fold === mine });
        }),
      );
      const all = Promise.all([adding, ...folding]);
      const timer = lateAfter(budget);
      const finished = await Promise.race([all.then(() => 'done' as const), timer.late]);
      timer.clear();

      if (finished === 'late') {
        // The write may still land: what it settles to decides, later, whether its records are kept for the next one.
        inFlight += records.length;
        void all.then(() => {
          inFlight -= records.length;
        });
        const failure: TrailWriteFailure = {
          written: false,
          reason: `the database did not answer within ${Math.round(budget)} ms; the records are written if it does, else by the next write`,
          errCode: null,
          unwritten: heldCount(),
        };
        log({ level: 'warn', event: 'trailWriteFailed', detail: failure.reason, records: records.length, unwritten: failure.unwritten });
        return failure;
      }
      const retried = records.length - call.records.length;
      if (failures.length === 0) {
        if (retried > 0) log({ event: 'trailRetried', records: retried });
        return null;
      }
      const first = failures.find((failure) => failure.mine) ?? failures[0];
      const held = heldCount();
      log({ level: 'warn', event: 'trailWriteFailed', errCode: first?.errCode ?? null, detail: first?.reason ?? '', records: records.length, unwritten: held });
      // Only this call's own records make its result say "not written"; a retry of older ones failing again is the log's.
      if (!failures.some((failure) => failure.mine)) return null;
      return { written: false, reason: first?.reason ?? '', errCode: first?.errCode ?? null, unwritten: held };
    },
  };
}

/** Reads PLUGIN_APPLY_AUDIT: `off` turns the trail off; unset or `on` keeps it; anything else is a problem naming the variable. */
export function readAuditSetting(env: Readonly<Record<string, string | undefined>>): { enabled: boolean; problem: string | null } {
  const value = env.PLUGIN_APPLY_AUDIT?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'on') return { enabled: true, problem: null };
  if (value === 'off') return { enabled: false, problem: null };
  return {
    enabled: true,
    problem: `PLUGIN_APPLY_AUDIT must be "on" (the default: every decision is recorded in ${TRAIL_COLLECTION}) or "off" (nothing is recorded); it is ${JSON.stringify(env.PLUGIN_APPLY_AUDIT?.slice(0, 40))}.`,
  };
}
