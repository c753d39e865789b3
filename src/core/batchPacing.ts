/**
 * How a batch paces itself against the deadline: every WeChat call it makes is timed, and an item is started only
 * while the time left comfortably exceeds the slowest call so far.
 */
import type { PluginApplyClient } from './wechatClient';

/**
 * The client as a batch sees it: every call that reaches the transport is timed, and `slowestMs` is the slowest
 * so far, counting a call still waiting as at least as slow as it has been (a hung call must hold the batch back
 * before it ends). Items answered without a call (invalid, repeats, not started) never count.
 */
export function timedCalls(client: PluginApplyClient, now: () => number): { client: PluginApplyClient; slowestMs: () => number } {
  let slowestDoneMs = 0;
  const waitingSince = new Set<{ since: number }>();
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const waiting = { since: now() };
    waitingSince.add(waiting);
    try {
      return await call();
    } finally {
      waitingSince.delete(waiting);
      slowestDoneMs = Math.max(slowestDoneMs, now() - waiting.since);
    }
  };
  return {
    client: {
      setApplyStatus: (request, deadline) => timed(() => client.setApplyStatus(request, deadline)),
      listApplications: (page, num, deadline) => timed(() => client.listApplications(page, num, deadline)),
    },
    slowestMs: () => Math.max(slowestDoneMs, ...[...waitingSince].map((waiting) => now() - waiting.since)),
  };
}

/** Least time left for which an item is started at all. */
const MIN_START_MS = 100;

/**
 * Time left an item needs before it is started: 1.5 times the slowest WeChat call so far, never under 100 ms.
 * The slowest, not the average, so that fast failures and items answered without a call cannot talk the batch
 * into starting a call that will not return in time: under a steady latency L an item starts only with 1.5 L
 * left, so its decision is answered with time to spare. A retry is started only if it fits (withRetries), and
 * the look-up after an "already done" answer is cut short rather than overrun, so neither turns into TIMEOUT.
 */
export function startThreshold(slowestCallMs: number): number {
  return Math.max(MIN_START_MS, 1.5 * slowestCallMs);
}
