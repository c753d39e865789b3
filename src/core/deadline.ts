/**
 * The function's own deadline. The platform kills a function at its time limit (3 s by default) and the
 * mini-program then sees only an opaque timeout, while wx-server-sdk waits 15 s; so we stop waiting first.
 */

/** Time kept back from the platform's limit to build and return the result. */
export const SAFETY_MARGIN_MS = 250;

/** The platform's default limit, used when the context does not say. */
export const DEFAULT_TIME_LIMIT_MS = 3000;

/** A point in time, on the `now()` clock, by which the function must have answered. */
export interface Deadline {
  at: number;
  now(): number;
}

/** The platform's time limit for this call: the SCF context's `time_limit_in_ms`, or the default. */
export function timeLimitMs(context: unknown): number {
  const limit = (context as { time_limit_in_ms?: unknown } | null | undefined)?.time_limit_in_ms;
  return typeof limit === 'number' && Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_TIME_LIMIT_MS;
}

/** The deadline for a call that started at `startedAt`, from the SCF context's `time_limit_in_ms`. */
export function deadlineFromContext(context: unknown, startedAt: number, now: () => number): Deadline {
  const limitMs = timeLimitMs(context);
  return { at: startedAt + Math.max(limitMs - SAFETY_MARGIN_MS, limitMs / 2), now };
}

/**
 * When the platform's clock for this call may have started. A container's first call may have waited for the
 * process to start and the bundle to load, and a platform that counts from the container's start counted that; the
 * local cloud's host does, and how WeChat's cloud counts is not documented. A container that started a whole limit
 * ago or more (provisioned, or idle after starting) cannot be on such a clock, or it would have been stopped.
 */
export function callStartedAt(now: number, containerStartedAt: number, firstCall: boolean, limitMs: number): number {
  return firstCall && now - containerStartedAt < limitMs ? containerStartedAt : now;
}

/** Milliseconds left before the deadline (never negative). */
export function remainingMs(deadline: Deadline): number {
  return Math.max(0, deadline.at - deadline.now());
}

/**
 * `work`'s outcome, or what `late()` returns (or throws) once `ms` pass first. The timer is cleared as soon as either
 * settles; it is not unref'd, because when the work holds nothing open the timer is what must still answer the caller.
 */
export async function raceTimer<T, L>(work: Promise<T>, ms: number, late: () => L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<L>((resolve, reject) => {
    timer = setTimeout(
      () => {
        try {
          resolve(late());
        } catch (thrown) {
          reject(thrown);
        }
      },
      Math.max(0, ms),
    );
  });
  try {
    return await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

/** Rejects with `DeadlineExceeded` when the deadline passes first; the timer is cleared as soon as the work settles. */
export function beforeDeadline<T>(work: Promise<T>, deadline: Deadline): Promise<T> {
  return raceTimer(work, remainingMs(deadline), () => {
    throw new DeadlineExceeded();
  });
}

/** The deadline passed before WeChat answered. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';

  constructor() {
    super('deadline exceeded before WeChat answered');
  }
}
