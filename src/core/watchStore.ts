/**
 * What the watcher remembers between runs, behind a small interface: the cloud database in the function
 * (src/functions/watchDatabase.ts), memory in tests, a local file for a CLI. One document per application the watcher
 * has told about (keyed by appid and create time, holding which notices were sent) and one state document holding
 * the lease and the observed timeout, so a run writes only what changed, never a document per queued application.
 *
 * The lease follows Powertools for AWS Lambda's idempotency persistence layer: a record taken with a conditional
 * write and an expiry, so that two overlapping runs never both tell, and a crashed run's lease lapses on its own.
 */

/** The collection, in the plugin environment's own cloud database (set it to 仅管理端可读写, admin-only). */
export const WATCH_COLLECTION = 'plugin_apply_watch';

/** The `_id` of the state document (lease, last run, observed timeout) in WATCH_COLLECTION. */
export const WATCH_STATE_ID = 'watch_state';

/** What the watcher knows of one application it has told about (or agreed by rule). */
export interface WatchedApplication {
  /** `app_<appid>_<create time in seconds>`: an applicant who applies again after a timeout is a new application. */
  _id: string;
  appid: string;
  /** WeChat's create_time, in ms; 0 when WeChat gave none. */
  createdAt: number;
  /** The status (1–4) when this document was last written. */
  status: number;
  /** Notices sent about it: `new`, `remind:<age>`, `agreed`, `expired`. */
  told: string[];
  /** The rule that agreed it (PLUGIN_AUTO_AGREE entry), or null. */
  agreedBy: string | null;
  updatedAt: number;
}

/**
 * The timeout as seen: an application known pending turned to status 4 no later than `atMostMs` after its creation,
 * and (when a complete run saw it pending before) no earlier than `atLeastMs`. Combined over applications: the
 * smallest upper and the largest lower bound.
 */
export interface ObservedTimeout {
  atMostMs: number;
  atLeastMs: number | null;
  samples: number;
  lastSeenAt: number;
}

/** The state document's contents besides the lease. */
export interface WatchState {
  /** When the last run that read the whole list ended; null before the first. */
  lastRunAt: number | null;
  observedTimeout: ObservedTimeout | null;
}

/** A database failure, translated once at the store's boundary: the cloud's errCode (null when none) and its text. */
export class WatchStoreError extends Error {
  override readonly name = 'WatchStoreError';
  constructor(
    readonly errCode: number | null,
    message: string,
  ) {
    super(message);
  }
}

/** What the watcher needs from its store; implementations throw only WatchStoreError. */
export interface WatchStore {
  /**
   * Takes the lease for `holder` until `until` when it is free (`lockedUntil < now`), by one conditional write;
   * creates the state document on first use. False when another run holds it.
   */
  takeLease(holder: string, now: number, until: number): Promise<boolean>;
  readState(): Promise<WatchState>;
  /** The applications created at or after `since` (ms) that the watcher has documents for. */
  readApplications(since: number): Promise<WatchedApplication[]>;
  /** Creates or replaces one application's document. */
  saveApplication(doc: WatchedApplication): Promise<void>;
  /** Writes the state and frees the lease, in one write, only while `holder` still holds it. */
  finish(holder: string, state: WatchState): Promise<void>;
}

/** The document key of an application: its appid and create time (ms). */
export function applicationKey(appid: string, createdAt: number): string {
  return `app_${appid}_${Math.floor(createdAt / 1000)}`;
}

/** A deep copy of plain data (structuredClone is missing on the cloud's Node.js 16). */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A store in memory: for tests, and the shape a CLI's state file would take. `lease` is exposed for tests. */
export function createMemoryWatchStore(): WatchStore & {
  lease: { holder: string | null; lockedUntil: number };
  documents: Map<string, WatchedApplication>;
  state: WatchState;
} {
  const documents = new Map<string, WatchedApplication>();
  const lease = { holder: null as string | null, lockedUntil: 0 };
  const memory = {
    lease,
    documents,
    state: { lastRunAt: null, observedTimeout: null } as WatchState,
    takeLease(holder: string, now: number, until: number): Promise<boolean> {
      if (lease.lockedUntil >= now) return Promise.resolve(false);
      Object.assign(lease, { holder, lockedUntil: until });
      return Promise.resolve(true);
    },
    readState: (): Promise<WatchState> => Promise.resolve(copy(memory.state)),
    readApplications: (since: number): Promise<WatchedApplication[]> =>
      Promise.resolve([...documents.values()].filter((doc) => doc.createdAt >= since).map((doc) => copy(doc))),
    saveApplication(doc: WatchedApplication): Promise<void> {
      documents.set(doc._id, copy(doc));
      return Promise.resolve();
    },
    finish(holder: string, state: WatchState): Promise<void> {
      if (lease.holder !== holder) return Promise.resolve();
      memory.state = copy(state);
      Object.assign(lease, { holder: null, lockedUntil: 0 });
      return Promise.resolve();
    },
  };
  return memory;
}
