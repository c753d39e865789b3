import type { Application} from './applications';
import { copyApplications } from './applications';
import type { CallLog} from './callLog';
import { createCallLog } from './callLog';
import type { FaultQueue } from './faults';
import { createFaultQueue } from './faults';
import type { TokenAccount, TokenIssuer } from './tokens';
import { createTokenIssuer } from './tokens';

/** Everything the local cloud remembers: the plugin's list, the calls, the faults, the tokens. */
export interface CloudState {
  applications: Application[];
  readonly seed: readonly Application[];
  readonly calls: CallLog;
  readonly faults: FaultQueue;
  readonly tokens: TokenIssuer;
  readonly functionsDir: string;
  /** Waits `ms`, unless the cloud closes first (then never resolves). */
  sleep(ms: number): Promise<void>;
  /** Cancels pending sleeps. */
  cancelSleeps(): void;
}

/** Creates the state of a fresh local cloud. */
export function createCloudState(seed: readonly Application[], account: TokenAccount, functionsDir: string): CloudState {
  const timers = new Set<NodeJS.Timeout>();
  return {
    applications: copyApplications(seed),
    seed: copyApplications(seed),
    calls: createCallLog(),
    faults: createFaultQueue(),
    tokens: createTokenIssuer(account),
    functionsDir,
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
