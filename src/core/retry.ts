/**
 * Retrying transient WeChat and cloud failures: exponential backoff with full jitter, bounded in tries and by
 * the deadline (a retry that could not finish in time is not started).
 */
import type { Deadline } from './deadline';
import { remainingMs } from './deadline';
import { classifyFailure } from './errorTable';
import { WeChatApiError } from './wechatClient';

/** How retries are paced; tests pass a fake sleep and random. */
export interface RetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  // Not unref'd: a pending retry is work the process must stay alive for.
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Whether WeChat or the cloud said to try again soon (-1, the cloud's transient codes), per the error table. */
export function isTransient(thrown: unknown): thrown is WeChatApiError {
  return thrown instanceof WeChatApiError && classifyFailure(thrown)?.retry === 'backoff';
}

/**
 * Runs `attempt` until it succeeds, fails with a non-transient error, runs out of tries, or the next try
 * would not fit before the deadline; `onRetry` sees each transient failure that is retried.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  deadline: Deadline,
  options: RetryOptions = DEFAULT_RETRY,
  onRetry: (thrown: WeChatApiError, attemptNumber: number) => void = () => undefined,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    const started = deadline.now();
    try {
      return await attempt();
    } catch (thrown) {
      if (!isTransient(thrown) || attemptNumber >= options.maxAttempts) throw thrown;
      const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attemptNumber - 1));
      const delay = Math.round(options.random() * cap);
      // The next try needs about as long as this one took; if that does not fit, give the error back now.
      if (delay + (deadline.now() - started) >= remainingMs(deadline)) throw thrown;
      onRetry(thrown, attemptNumber);
      await options.sleep(delay);
    }
  }
}
