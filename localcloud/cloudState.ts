import type { Application} from './applications';
import { copyApplications } from './applications';
import type { CallLog} from './callLog';
import { createCallLog } from './callLog';
import type { Database } from './database';
import type { Refusal } from './devplugin';
import type { FaultQueue } from './faults';
import { createFaultQueue } from './faults';
import type { TokenAccount, TokenIssuer } from './tokens';
import { createTokenIssuer } from './tokens';

/** A refusal the model received, and when. */
export interface RefusalRecord extends Refusal {
  /** ISO time it was applied. */
  time: string;
}

/** Everything the local cloud remembers: the plugin's list, the refusals, the database, the calls, the faults, the tokens. */
export interface CloudState {
  applications: Application[];
  /** Every refusal applied, oldest first: the reasons WeChat's list does not show. */
  refusals: RefusalRecord[];
  readonly seed: readonly Application[];
  /** The cloud database (云开发数据库) of the environment. */
  readonly database: Database;
  readonly calls: CallLog;
  readonly faults: FaultQueue;
  readonly tokens: TokenIssuer;
  readonly functionsDir: string;
  /** The environment id (TCB_ENV) the `/tcb/` HTTP API expects in `env`. */
  readonly envId: string;
  /**
   * The number of the list's first page: 1 as in WeChat's own example, or 0 as one public SDK assumes. Which one
   * WeChat really uses is not known; the functions find it out, and this lets a test play either.
   */
  readonly listPagesFrom: 0 | 1;
  /** Waits `ms`, unless the cloud closes first (then never resolves). */
  sleep(ms: number): Promise<void>;
  /** Cancels pending sleeps. */
  cancelSleeps(): void;
}

/** Creates the state of a fresh local cloud. */
export function createCloudState(
  seed: readonly Application[],
  account: TokenAccount,
  functionsDir: string,
  database: Database,
  envId: string,
  listPagesFrom: 0 | 1 = 1,
): CloudState {
  const timers = new Set<NodeJS.Timeout>();
  return {
    applications: copyApplications(seed),
    refusals: [],
    seed: copyApplications(seed),
    database,
    calls: createCallLog(),
    faults: createFaultQueue(),
    tokens: createTokenIssuer(account),
    functionsDir,
    envId,
    listPagesFrom,
    sleep(ms) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      });
    },
    cancelSleeps() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
