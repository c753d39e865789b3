/**
 * Access tokens for the HTTPS way in (cloud calls need none), from WeChat's stable_token endpoint: one per warm
 * container, fetched once for concurrent callers, replaced when WeChat refuses it.
 */
import { WECHAT_API_BASE_URL } from '../core/config';
import type { Deadline } from '../core/deadline';
import { DeadlineExceeded, remainingMs } from '../core/deadline';
import { WeChatApiError } from '../core/wechatClient';
import type { HttpsPostOptions } from './httpsPost';
import { DEFAULT_REQUEST_TIMEOUT_MS, HTTPS_FAILURE_CODES, httpsPostJson, resolveFetch, throwIfWeChatError, withoutTrailingSlash } from './httpsPost';

/** access_token errors (platform-facts.md): WeChat refused the token, not the request, so refresh and retry once. */
export const TOKEN_ERROR_CODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/** 40001, ACCESS_TOKEN_INVALID: what a refused token is answered with once forcing a new one is not allowed. */
const ACCESS_TOKEN_INVALID_ERRCODE = 40001;

/**
 * How often this container may force a token refresh. WeChat allows 20 forced refreshes a day per account, 30 s
 * apart, and advises forcing only when a token leaked: each one retires the token every other service of the account
 * is using. A token refused again right after forcing is not a stale token, so forcing more would not help.
 */
export const FORCE_REFRESH_LIMITS = { minIntervalMs: 30_000, maxPerContainer: 3 } as const;

/**
 * How long callers share one token fetch. stable_token answers in well under a second; a fetch still waiting after
 * this is taken for stalled, and the next caller starts a fresh one rather than wait out the stalled one's request
 * timeout (10 s, past any function's deadline) — so one lost request cannot fail every call of a warm container.
 */
export const TOKEN_FETCH_SHARED_MS = 1500;

/** A token lasts this long when stable_token does not say (its documented lifetime). */
const DEFAULT_TOKEN_LIFETIME_S = 7200;

/** Renew this much before expiry (WeChat itself renews 5 minutes early), or 10% of a shorter lifetime. */
const RENEW_EARLY_MS = 5 * 60_000;

/** The access token of one appid, shared by every call in the process. */
export interface AccessTokenCache {
  /**
   * A token that is not about to expire; concurrent callers share one fetch while it is younger than
   * TOKEN_FETCH_SHARED_MS. Rejects with DeadlineExceeded once `deadline` passes first.
   */
  get(deadline?: Deadline): Promise<string>;
  /** Drops `staleToken` (one WeChat refused) if it is still the cached one, so many callers cause one refresh. */
  invalidate(staleToken: string): void;
}

/** What `createAccessTokenCache` needs. */
export interface AccessTokenOptions {
  appid: string;
  secret: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
  /** The clock, in milliseconds; tests pass their own. */
  now?: () => number;
}

/** A token cache over `POST {baseUrl}/cgi-bin/stable_token`; a failed fetch rejects with WeChat's errcode. */
export function createAccessTokenCache(options: AccessTokenOptions): AccessTokenCache {
  const http: HttpsPostOptions = {
    fetch: resolveFetch(options.fetch),
    timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    secrets: [options.secret],
  };
  const url = `${withoutTrailingSlash(options.baseUrl ?? WECHAT_API_BASE_URL)}/cgi-bin/stable_token`;
  const now = options.now ?? Date.now;
  let cached: { token: string; renewAt: number } | null = null;
  let inFlight: { promise: Promise<string>; startedAt: number } | null = null;
  let rejected: string | null = null;
  let forcedCount = 0;
  let lastForcedAt = Number.NEGATIVE_INFINITY;

  /** Why forcing now is not allowed, or null when it is. */
  function forceRefusal(): string | null {
    if (forcedCount >= FORCE_REFRESH_LIMITS.maxPerContainer) {
      return `${FORCE_REFRESH_LIMITS.maxPerContainer} forced refreshes already in this container, the most it makes`;
    }
    const sinceMs = now() - lastForcedAt;
    if (sinceMs < FORCE_REFRESH_LIMITS.minIntervalMs) {
      return `the last forced refresh was ${Math.floor(sinceMs / 1000)} s ago (at most one per ${FORCE_REFRESH_LIMITS.minIntervalMs / 1000} s)`;
    }
    return null;
  }

  async function fetchToken(forceRefresh: boolean): Promise<{ token: string; lifetimeS: number }> {
    const body = {
      grant_type: 'client_credential',
      appid: options.appid,
      secret: options.secret,
      ...(forceRefresh ? { force_refresh: true } : {}),
    };
    const reply = await httpsPostJson(url, body, http);
    throwIfWeChatError(reply, http.secrets);
    const token = reply.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new WeChatApiError(HTTPS_FAILURE_CODES.unusableAnswer, 'stable_token answered without an access_token');
    }
    const lifetimeS = typeof reply.expires_in === 'number' && reply.expires_in > 0 ? reply.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    return { token, lifetimeS };
  }

  async function refresh(): Promise<string> {
    const startedAt = now();
    let fresh = await fetchToken(false);
    // Normal mode returns the platform's current token, so a token that another instance or function rotated is
    // picked up without forcing. Forcing first would invalidate *their* token, they would force back, and the
    // ping-pong would burn the 20-a-day force_refresh quota. Force only when WeChat hands back the refused token.
    if (rejected !== null && fresh.token === rejected) {
      const refusal = forceRefusal();
      if (refusal !== null) {
        rejected = null;
        // Keep what the token service calls current: if another service rotates it, normal mode picks that up.
        cached = { token: fresh.token, renewAt: startedAt + renewAfterMs(fresh.lifetimeS) };
        throw new WeChatApiError(
          ACCESS_TOKEN_INVALID_ERRCODE,
          `WeChat refused the access token and stable_token hands back the same one; not forcing a refresh: ${refusal}. ` +
            'Check that no other server forces refreshes or resets the AppSecret, then call again.',
        );
      }
      forcedCount += 1;
      lastForcedAt = now();
      fresh = await fetchToken(true);
    }
    rejected = null;
    cached = { token: fresh.token, renewAt: startedAt + renewAfterMs(fresh.lifetimeS) };
    return fresh.token;
  }

  function startFetch(): { promise: Promise<string>; startedAt: number } {
    const fetching = { promise: refresh(), startedAt: now() };
    // A stalled fetch may settle after every caller moved on: its failure must not go unhandled.
    fetching.promise.catch(() => undefined);
    fetching.promise
      .finally(() => {
        if (inFlight === fetching) inFlight = null;
      })
      .catch(() => undefined);
    return fetching;
  }

  return {
    async get(deadline) {
      for (;;) {
        if (cached !== null && now() < cached.renewAt) return cached.token;
        if (deadline !== undefined && remainingMs(deadline) <= 0) throw new DeadlineExceeded();
        if (inFlight === null || now() - inFlight.startedAt >= TOKEN_FETCH_SHARED_MS) inFlight = startFetch();
        const shared = inFlight;
        const staleInMs = shared.startedAt + TOKEN_FETCH_SHARED_MS - now();
        const staleFirst = deadline === undefined || staleInMs <= remainingMs(deadline);
        const token = await within(shared.promise, staleFirst ? staleInMs : remainingMs(deadline));
        if (token !== STALLED) return token;
        if (!staleFirst) throw new DeadlineExceeded();
        // Stalled: whoever asks next (this caller included) starts afresh, whatever the clock says.
        if (inFlight === shared) inFlight = null;
      }
    },
    invalidate(staleToken) {
      // Compare first: callers that saw the same refusal after the refresh began must not throw away the new token.
      if (cached === null || cached.token !== staleToken) return;
      cached = null;
      rejected = staleToken;
    },
  };
}

/** What `within` resolves with when the time ran out first. */
const STALLED = Symbol('stalled');

/** `work`'s outcome, or STALLED once `ms` have passed first. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof STALLED> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<typeof STALLED>((resolve) => {
    timer = setTimeout(() => resolve(STALLED), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

function renewAfterMs(lifetimeS: number): number {
  const lifetimeMs = lifetimeS * 1000;
  return lifetimeMs - Math.min(RENEW_EARLY_MS, lifetimeMs / 10);
}
