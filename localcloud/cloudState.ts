import type { Application } from './applications';
import { copyApplications } from './applications';
import type { CallLog } from './callLog';
import { createCallLog } from './callLog';
import type { Database } from './database';
import type { Refusal } from './devplugin';
import type { FaultQueue } from './faults';
import { createFaultQueue } from './faults';
import type { ModelClock } from './modelClock';
import type { Robot } from './robot';
import { createRobot } from './robot';
import { recentSeed, timeOutLapsed } from './applyTimeout';
import type { TriggerScheduler } from './triggers';
import type { TokenAccount, TokenIssuer } from './tokens';
import { createTokenIssuer } from './tokens';

/** A refusal the model received, and when. */
export interface RefusalRecord extends Refusal {
  /** ISO time it was applied. */
  time: string;
}

/** Everything the local cloud remembers: the plugin's list, the refusals, the database, the calls, the faults, the tokens, the robot, the time. */
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
  /** The model's one clock. */
  readonly clock: ModelClock;
  /** How long an application may stay pending before it reads as timed out; null: never. */
  readonly applyTimeoutMs: number | null;
  /** The WeCom group robot the hosted functions post to. */
  readonly robot: Robot;
  /** The functions' timer triggers. */
  readonly triggers: TriggerScheduler;
  /** The list the seed gives now: as written, or moved to the clock (see LocalCloudOptions.recentSeed). */
  seedList(): Application[];
  /** Times out pending applications past the timeout on the model clock; returns their appids. Call before each read. */
  lapseTimeouts(): string[];
  /** Waits `ms`, unless the cloud closes first (then never resolves). */
  sleep(ms: number): Promise<void>;
  /** Cancels pending sleeps. */
  cancelSleeps(): void;
}

/** What a fresh local cloud starts from. */
export interface CloudStateSetup {
  seed: readonly Application[];
  account: TokenAccount;
  functionsDir: string;
  database: Database;
  envId: string;
  listPagesFrom: 0 | 1;
  clock: ModelClock;
  applyTimeoutMs: number | null;
  /** Whether the seed's times are moved to the clock at start and on every reset. */
  recentSeed: boolean;
  triggers: TriggerScheduler;
}

/** Creates the state of a fresh local cloud. */
export function createCloudState(setup: CloudStateSetup): CloudState {
  const { seed, account, functionsDir, database, envId, listPagesFrom, clock, applyTimeoutMs } = setup;
  const timers = new Set<NodeJS.Timeout>();
  const seedList = (): Application[] => (setup.recentSeed ? recentSeed(seed, clock.now()) : copyApplications(seed));
  const state: CloudState = {
    applications: seedList(),
    refusals: [],
    seed: copyApplications(seed),
    database,
    calls: createCallLog(clock.now),
    faults: createFaultQueue(),
    tokens: createTokenIssuer(account),
    functionsDir,
    envId,
    listPagesFrom,
    clock,
    applyTimeoutMs,
    robot: createRobot(clock.now),
    triggers: setup.triggers,
    seedList,
    lapseTimeouts: () => (applyTimeoutMs === null ? [] : timeOutLapsed(state.applications, clock.now(), applyTimeoutMs)),
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
  return state;
}
