/**
 * What one watcher run notices, from the list it read and what it remembers: applications new since it last told,
 * those past a reminder age, those that timed out unseen, those agreed by rule whose notice is still owed, and
 * those decided by other hands. Also what the timeout turned out to be. Pure: no list reads, no database, no clock.
 */
import type { Application } from './applicationList';
import type { Deadline } from './deadline';
import { raceTimer, remainingMs } from './deadline';
import type { RemindAge } from './watchConfig';
import type { ObservedTimeout, WatchedApplication, WatchState, WatchStore } from './watchStore';
import { applicationKey } from './watchStore';

/** One thing the digest says about one application; `marks` are what its document records once the robot took it. */
export type Notice = { key: string; app: Application; createdAt: number; marks: string[] } & (
  | { kind: 'new'; ageMs: number; leftMs: number; wouldAgree: string | null }
  | { kind: 'remind'; label: string; leftMs: number }
  | { kind: 'agreed'; rule: string }
  | { kind: 'expired'; ageMs: number }
);

/** An application known pending that someone decided outside the watcher. */
export interface DecidedElsewhere {
  appid: string;
  status: number;
}

export interface Observation {
  notices: Notice[];
  /** Documents whose recorded status changed (decided elsewhere, timed out): written whatever the digest does. */
  statusChanges: WatchedApplication[];
  decidedElsewhere: DecidedElsewhere[];
  /** The timeout as seen, with this run's sightings combined in; unchanged when there were none. */
  observedTimeout: ObservedTimeout | null;
  /** Pending applications, oldest first, with their document key: what the rules look at. */
  pending: Array<{ key: string; app: Application; createdAt: number }>;
}

/** The timeout the watcher reckons with: the one observed (the smallest age seen at timing out), else the configured. */
export function effectiveTimeoutMs(state: WatchState, configuredMs: number): { ms: number; observed: boolean } {
  const seen = state.observedTimeout;
  return seen === null ? { ms: configuredMs, observed: false } : { ms: seen.atMostMs, observed: true };
}

/**
 * How far back a run looks, in create time: pending applications are younger than the timeout, and an application
 * that timed out unseen is still worth a line for a while; older ones are neither read nor reported.
 */
export function lookbackMs(timeoutMs: number): number {
  return Math.max(7 * 24 * 3_600_000, 3 * timeoutMs);
}

/** When WeChat says the application was made, in ms; 0 when it did not say. */
export function createdAtOf(app: Application): number {
  const at = app.createTime === null ? Number.NaN : Date.parse(app.createTime);
  return Number.isFinite(at) ? at : 0;
}

export interface ObserveInput {
  items: readonly Application[];
  documents: ReadonlyMap<string, WatchedApplication>;
  state: WatchState;
  remindAt: readonly RemindAge[];
  configuredTimeoutMs: number;
  now: number;
}

/** Everything one run notices. */
export function observe(input: ObserveInput): Observation {
  const { documents, state, now } = input;
  const timeout = effectiveTimeoutMs(state, input.configuredTimeoutMs);
  // Ages are written for the configured timeout; once the real one is seen they keep their share of it.
  const scale = timeout.ms / input.configuredTimeoutMs;
  const ages = input.remindAt.map((age) => ({ label: `remind:${age.label}`, ms: age.ms * scale }));
  const since = now - lookbackMs(timeout.ms);
  const result: Observation = { notices: [], statusChanges: [], decidedElsewhere: [], observedTimeout: state.observedTimeout, pending: [] };

  for (const app of input.items) {
    const createdAt = createdAtOf(app);
    const key = applicationKey(app.appid, createdAt);
    const doc = documents.get(key);
    const told = new Set(doc?.told ?? []);
    const ageMs = Math.max(0, now - createdAt);
    const base = { key, app, createdAt };
    if (app.status === 1) {
      if (createdAt < since && createdAt !== 0) continue;
      result.pending.push(base);
      const passed = ages.filter((age) => age.ms <= ageMs && !told.has(age.label)).map((age) => age.label);
      const leftMs = Math.max(0, timeout.ms - ageMs);
      if (!told.has('new')) {
        // An application first seen past a reminder age gets one notice, which counts for those ages too.
        result.notices.push({ ...base, kind: 'new', ageMs, leftMs, wouldAgree: null, marks: ['new', ...passed] });
      } else if (passed.length > 0) {
        result.notices.push({ ...base, kind: 'remind', label: passed[passed.length - 1]?.slice('remind:'.length) ?? '', leftMs, marks: passed });
      }
      continue;
    }
    if (doc !== undefined && doc.status === 1 && app.status !== doc.status) {
      result.statusChanges.push({ ...doc, status: app.status, updatedAt: now });
      if (app.status === 4)
        result.observedTimeout = combine(
          result.observedTimeout,
          ageMs,
          state.lastRunAt === null || state.lastRunAt <= createdAt ? null : state.lastRunAt - createdAt,
          now,
        );
      else result.decidedElsewhere.push({ appid: app.appid, status: app.status });
    }
    if (app.status === 4 && !told.has('expired') && (doc !== undefined || createdAt >= since)) {
      result.notices.push({ ...base, kind: 'expired', ageMs, marks: ['expired'] });
    }
    if (app.status === 2 && doc?.agreedBy != null && !told.has('agreed')) {
      result.notices.push({ ...base, kind: 'agreed', rule: doc.agreedBy, marks: ['agreed'] });
    }
  }
  result.pending.sort((a, b) => a.createdAt - b.createdAt);
  return result;
}

/** The observed timeout with one more sighting: timed out by `atMostMs`, still pending at `atLeastMs`. */
function combine(seen: ObservedTimeout | null, atMostMs: number, atLeastMs: number | null, now: number): ObservedTimeout {
  if (seen === null) return { atMostMs, atLeastMs, samples: 1, lastSeenAt: now };
  const lower = atLeastMs === null ? seen.atLeastMs : Math.max(seen.atLeastMs ?? 0, atLeastMs);
  return { atMostMs: Math.min(seen.atMostMs, atMostMs), atLeastMs: lower, samples: seen.samples + 1, lastSeenAt: now };
}

/** The timeout as the watcher and getPluginApplyList report it: observed (with its lower bound), or the configured assumption. */
export interface TimeoutReport {
  hours: number;
  /** True when seen (the smallest age at which a known pending application was found timed out); false: an assumption. */
  observed: boolean;
  /** The largest age at which one was still seen pending, when known. */
  atLeastHours: number | null;
  samples: number;
}

/** The report of a state (null when the watcher's records could not be read, or there are none). */
export function timeoutReport(state: WatchState | null, configuredMs: number): TimeoutReport {
  const seen = state?.observedTimeout ?? null;
  const hours = (ms: number): number => Math.round(ms / 36_000) / 100;
  if (seen === null) return { hours: hours(configuredMs), observed: false, atLeastHours: null, samples: 0 };
  return { hours: hours(seen.atMostMs), observed: true, atLeastHours: seen.atLeastMs === null ? null : hours(seen.atLeastMs), samples: seen.samples };
}

/** Longest a list waits for the watcher's state: the timeout is a remark beside the list, never a reason to be late. */
const TIMEOUT_READ_MAX_MS = 800;

/**
 * The timeout report getPluginApplyList adds to its list: from the watcher's state, or the configured assumption when
 * the state cannot be read in time (no watcher, no database yet, a slow answer). Never throws.
 */
export async function readTimeoutReport(store: Pick<WatchStore, 'readState'>, configuredMs: number, deadline: Deadline): Promise<TimeoutReport> {
  const waitMs = Math.min(TIMEOUT_READ_MAX_MS, remainingMs(deadline) - 100);
  if (waitMs <= 0) return timeoutReport(null, configuredMs);
  try {
    const state = await raceTimer(store.readState(), waitMs, () => null);
    return timeoutReport(state, configuredMs);
  } catch {
    return timeoutReport(null, configuredMs);
  }
}
