import { nextFire, previousFire } from '../src/core/cron';
import type { ModelClock } from './modelClock';
import type { TimerTrigger } from '../src/core/timerTrigger';
import { readTriggers } from './triggerConfig';

/** The event the platform gives a timer run (SCF's timer event). */
export interface TimerEvent {
  Type: 'Timer';
  TriggerName: string;
  /** The fire time, ISO without milliseconds, e.g. "2026-12-02T01:00:00Z". */
  Time: string;
  Message: '';
}

/** How one run of a trigger went. */
export interface TriggerRun {
  function: string;
  trigger: string;
  /** The fire time it ran for (the event's Time). */
  time: string;
  /** `schedule` (the cron, on the model clock) or `manual` (`POST /_local/triggers/<function>`). */
  by: 'schedule' | 'manual';
  outcome: 'running' | 'ok' | 'failed';
  /** The function's return value (ok) or the platform's errMsg (failed). */
  result?: unknown;
  errMsg?: string;
}

/** A function's trigger as `GET /_local/triggers` shows it. */
export interface TriggerView {
  function: string;
  name: string | null;
  config: string | null;
  /** The next fire time on the model clock; null when it has none, or the scheduler is off. */
  next: string | null;
  running: boolean;
  lastRun: TriggerRun | null;
  /** Why it cannot run: what is wrong in config.json. */
  error?: string;
}

/** A manual run that cannot start: the function has no trigger (404) or its last run is still going (409). */
export class TriggerRefused extends Error {
  override readonly name = 'TriggerRefused';
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** Runs function triggers on the model clock. */
export interface TriggerScheduler {
  list(): TriggerView[];
  /** Runs a function's trigger now, for the model's now; resolves with how the run went. */
  fire(functionName: string): Promise<TriggerRun>;
  /** Resolves when every run going now has ended, with those runs. */
  settled(): Promise<TriggerRun[]>;
  /** Reads the functions' config.json again. */
  reload(): void;
  close(): void;
}

/** What the scheduler needs from the local cloud. */
export interface TriggerSchedulerConfig {
  functionsDir: string;
  clock: ModelClock;
  /** Runs a function for a timer (SOURCE wx_trigger); rejects like the function host. */
  run(functionName: string, event: TimerEvent): Promise<unknown>;
  log(functionName: string, text: string): void;
  /** Whether triggers fire on their cron (else only `fire`). */
  automatic: boolean;
}

/** A real timer never waits longer than this, so a jump of the machine's clock is noticed within a minute. */
const MAX_TIMER_MS = 60_000;

/** How many passed-over fire times a clock jump counts before saying "at least". */
const COUNT_CAP = 1000;

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

interface Slot {
  functionName: string;
  trigger: TimerTrigger | null;
  error?: string;
  next: number | null;
  running: Promise<TriggerRun> | null;
  lastRun: TriggerRun | null;
}

/**
 * Creates the scheduler. Each fire time the model clock reaches starts one run; a fire time that comes while the
 * previous run is still going is skipped and logged. When the clock jumps past several fire times at once (a
 * `POST /_local/clock`), the trigger runs once, for the latest of them, and the log says how many were passed over.
 */
export function createTriggerScheduler(config: TriggerSchedulerConfig): TriggerScheduler {
  const { clock } = config;
  let slots: Slot[] = [];
  let checkedUpTo = clock.now();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const load = (): void => {
    const now = clock.now();
    slots = readTriggers(config.functionsDir).map(({ functionName, read }) => {
      const old = slots.find((slot) => slot.functionName === functionName);
      const trigger = read.ok ? read.trigger : null;
      if (!read.ok) config.log(functionName, `trigger not scheduled: ${read.error}`);
      return {
        functionName,
        trigger,
        ...(read.ok ? {} : { error: read.error }),
        next: trigger === null || !config.automatic ? null : nextFire(trigger.schedule, now),
        running: old?.running ?? null,
        lastRun: old?.lastRun ?? null,
      };
    });
    checkedUpTo = now;
  };

  const start = (slot: Slot, trigger: TimerTrigger, fireMs: number, by: TriggerRun['by']): Promise<TriggerRun> => {
    const run: TriggerRun = { function: slot.functionName, trigger: trigger.name, time: isoSeconds(fireMs), by, outcome: 'running' };
    slot.lastRun = run;
    const event: TimerEvent = { Type: 'Timer', TriggerName: trigger.name, Time: run.time, Message: '' };
    const finished = config.run(slot.functionName, event).then(
      (result) => Object.assign(run, { outcome: 'ok', result }),
      (error: unknown) => {
        const errMsg = (error as { errMsg?: unknown } | null)?.errMsg;
        config.log(slot.functionName, `trigger ${trigger.name} run for ${run.time} failed: ${typeof errMsg === 'string' ? errMsg : String(error)}`);
        return Object.assign(run, { outcome: 'failed', errMsg: typeof errMsg === 'string' ? errMsg : String(error) });
      },
    );
    const tracked: Promise<TriggerRun> = finished.finally(() => {
      if (slot.running === tracked) slot.running = null;
    });
    slot.running = tracked;
    return finished;
  };

  const tick = (): void => {
    if (closed) return;
    const now = clock.now();
    if (now < checkedUpTo) {
      // The clock went back (a reset): fire times are counted again from here.
      for (const slot of slots) slot.next = slot.trigger === null || !config.automatic ? null : nextFire(slot.trigger.schedule, now);
    }
    checkedUpTo = now;
    for (const slot of slots) {
      const trigger = slot.trigger;
      if (trigger === null || slot.next === null || slot.next > now) continue;
      const latest = previousFire(trigger.schedule, now) ?? slot.next;
      let passed = 0;
      for (let t: number | null = slot.next; t !== null && t < latest && passed < COUNT_CAP; t = nextFire(trigger.schedule, t)) passed += 1;
      slot.next = nextFire(trigger.schedule, now);
      if (slot.running !== null) {
        config.log(
          slot.functionName,
          `trigger ${trigger.name} skipped the ${isoSeconds(latest)} fire: the run for ${slot.lastRun?.time ?? '?'} is still going`,
        );
        continue;
      }
      if (passed > 0) {
        config.log(
          slot.functionName,
          `trigger ${trigger.name}: the clock passed ${passed >= COUNT_CAP ? `at least ${COUNT_CAP}` : passed} earlier fire time${passed === 1 ? '' : 's'} at once; it runs once, for ${isoSeconds(latest)}`,
        );
      }
      void start(slot, trigger, latest, 'schedule');
    }
    arm();
  };

  const arm = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (closed || !config.automatic) return;
    const upcoming = slots.map((slot) => slot.next).filter((next): next is number => next !== null);
    if (upcoming.length === 0) return;
    const wait = Math.min(Math.max(0, Math.min(...upcoming) - clock.now()), MAX_TIMER_MS);
    timer = setTimeout(tick, wait);
    timer.unref();
  };

  load();
  arm();
  clock.onChange(tick);

  return {
    list: () =>
      slots.map((slot) => ({
        function: slot.functionName,
        name: slot.trigger?.name ?? null,
        config: slot.trigger?.config ?? null,
        next: slot.next === null ? null : isoSeconds(slot.next),
        running: slot.running !== null,
        lastRun: slot.lastRun === null ? null : { ...slot.lastRun },
        ...(slot.error === undefined ? {} : { error: slot.error }),
      })),
    fire(functionName) {
      const slot = slots.find((candidate) => candidate.functionName === functionName);
      if (slot === undefined || slot.trigger === null) {
        const reason = slot?.error ?? `cloudfunctions/${functionName}/config.json has no "triggers"`;
        return Promise.reject(new TriggerRefused(404, `${functionName} has no timer trigger to run: ${reason}`));
      }
      if (slot.running !== null) {
        return Promise.reject(
          new TriggerRefused(409, `${functionName}'s trigger is still running (the run for ${slot.lastRun?.time ?? '?'}): try again when it ends`),
        );
      }
      return start(slot, slot.trigger, clock.now(), 'manual');
    },
    async settled() {
      const running = slots.map((slot) => slot.running).filter((run): run is Promise<TriggerRun> => run !== null);
      return Promise.all(running);
    },
    reload() {
      load();
      arm();
    },
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
