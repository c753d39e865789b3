/**
 * Access tokens for the HTTPS way in (cloud calls need none), from WeChat's stable_token endpoint: one per warm
 * container, fetched once for concurrent callers, replaced when WeChat refuses it.
 */
import { WECHAT_API_BASE_URL } from '../core/config';
import type { Deadline } from '../core/deadline';
import { DeadlineExceeded, raceTimer, remainingMs } from '../core/deadline';
import { WeChatApiError } from '../core/wechatClient';
import type { HttpsPostOptions } from './httpsPost';
import { DEFAULT_REQUEST_TIMEOUT_MS, HTTPS_FAILURE_CODES, httpsPostJson, resolveFetch, throwIfWeChatError, withoutTrailingSlash } from './httpsPost';

/** access_token errors (platform-facts.md): WeChat refused the token, not the request, so refresh and retry once. */
export const TOKEN_ERROR_CODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/** 40001, ACCESS_TOKEN_INVALID: what a refused token is answered with once forcing a new one is not allowed. */
const ACCESS_TOKEN_INVALID_ERRCODE = 40001;

/**
 * What a token fetch that got no answer it could use is reported as: ACCESS_TOKEN_UNAVAILABLE, whose outcome is known
 * and which stops a batch. The transport's own codes for a timeout, a dropped connection, a 5xx or an unreadable
 * answer say "the outcome is unknown", which is true of a decision but never of a token fetch: without a token no
 * decision was sent.
 */
const TOKEN_FETCH_FAILED_ERRCODE = HTTPS_FAILURE_CODES.noAccessToken;

/** The transport's failures that say only that no usable answer came back (see TOKEN_FETCH_FAILED_ERRCODE). */
const NO_USABLE_ANSWER: ReadonlySet<number> = new Set([
  HTTPS_FAILURE_CODES.timeout,
  HTTPS_FAILURE_CODES.network,
  HTTPS_FAILURE_CODES.tooLarge,
  HTTPS_FAILURE_CODES.unreadable,
]);

/** HTTP statuses of a token fetch that say the address is busy or failing, not wrong: retry later (see NO_USABLE_ANSWER). */
function busyStatus(thrown: WeChatApiError): boolean {
  return thrown.errCode === HTTPS_FAILURE_CODES.httpStatus && thrown.httpStatus !== undefined && (thrown.httpStatus >= 500 || thrown.httpStatus === 429);
}

/**
 * How often this container may force a token refresh. WeChat allows 20 forced refreshes a day per account, 30 s
 * apart, and advises forcing only when a token leaked: each one retires the token every other service of the account
 * is using. A token refused again right after forcing is not a stale token, so forcing more would not help.
 */
export const FORCE_REFRESH_LIMITS = { minIntervalMs: 30_000, maxPerContainer: 3 } as const;

/**
 * How long callers share one token fetch. stable_token answers in well under a second; a fetch still waiting after
 * this is taken for stalled, and one more fetch is started beside it rather than wait out the stalled one's request
 * timeout (10 s, past any function's deadline) — so one lost request cannot fail every call of a warm container.
 */
export const TOKEN_FETCH_SHARED_MS = 1500;

/**
 * Bounds on token fetches. `perCall`: a call waits on at most two fetches (the one it found or started, and one beside
 * it once that stalls) and answers the last failure once both failed; so a stable_token that never answers costs a
 * call two requests and one request timeout, not a request every TOKEN_FETCH_SHARED_MS until its deadline.
 * `inFlight`: at most three at once in the container, so that two lost requests still leave room for a fresh one
 * while a dead endpoint is asked at most three times per request timeout, however many calls wait.
 */
export const TOKEN_FETCH_LIMITS = { perCall: 2, inFlight: 3 } as const;

/** A token lasts this long when stable_token does not say (its documented lifetime). */
const DEFAULT_TOKEN_LIFETIME_S = 7200;

/** Renew this much before expiry (WeChat itself renews 5 minutes early), or 10% of a shorter lifetime. */
const RENEW_EARLY_MS = 5 * 60_000;

/** The access token of one appid, shared by every call in the process. */
export interface AccessTokenCache {
  /**
   * A token that is not about to expire. Concurrent callers share a fetch; whichever fetch brings a token serves every
   * caller waiting. Rejects with the fetch's failure once the fetches it waited on failed, or with DeadlineExceeded
   * once `deadline` passes first.
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
  /**
   * A monotonic clock in milliseconds, for expiry and the spacing of forced refreshes: the wall clock may step back
   * or forward under a running container. Defaults to `performance.now()`; tests pass their own.
   */
  now?: () => number;
}

/** One stable_token request's answer, numbered in the order the requests were sent. */
interface TokenAnswer {
  token: string;
  lifetimeS: number;
  /** Increases with every request sent: a later request's answer is never replaced by an earlier one's. */
  sequence: number;
  sentAt: number;
}

/** One fetch (a normal request, and a forced one when WeChat hands back the refused token) as its waiters see it. */
interface TokenFetch {
  /** The number its first request gets: every refusal recorded with a lower number came before it asked. */
  firstSequence: number;
  /** Set once it has gone unanswered for TOKEN_FETCH_SHARED_MS. */
  stalled: boolean;
  /**
   * null while in flight; `dropped` when its answer was older than the cached token's, or the refused token while it
   * was asked before the refusal or a forced refresh was on its way.
   */
  outcome: null | 'filled' | 'dropped' | { failure: unknown };
}

/** A token cache over `POST {baseUrl}/cgi-bin/stable_token`; a failed fetch rejects with WeChat's errcode. */
export function createAccessTokenCache(options: AccessTokenOptions): AccessTokenCache {
  const http: HttpsPostOptions = {
    fetch: resolveFetch(options.fetch),
    timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    secrets: [options.secret],
  };
  const url = `${withoutTrailingSlash(options.baseUrl ?? WECHAT_API_BASE_URL)}/cgi-bin/stable_token`;
  const now = options.now ?? (() => performance.now());
  let cached: { token: string; renewAt: number } | null = null;
  /** The request number of the answer in `cached` (kept when it is invalidated, so a late answer stays late). */
  let cachedSequence = -1;
  let nextSequence = 0;
  /** The token WeChat last refused, and the first request number sent after it did. */
  let refused: { token: string; sequence: number } | null = null;
  let forcedCount = 0;
  let lastForcedAt = Number.NEGATIVE_INFINITY;
  /** Forced requests sent and not yet answered. */
  let forcing = 0;
  const inFlight = new Set<TokenFetch>();
  let changed!: Promise<void>;
  let announce!: () => void;
  const nextChange = (): void => {
    changed = new Promise((resolve) => {
      announce = resolve;
    });
  };
  nextChange();
  /** Wakes every waiting caller to look again: a fetch started, stalled or ended. */
  const notify = (): void => {
    const wake = announce;
    nextChange();
    wake();
  };

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

  async function requestToken(forceRefresh: boolean): Promise<TokenAnswer> {
    const sequence = nextSequence++;
    const sentAt = now();
    const body = {
      grant_type: 'client_credential',
      appid: options.appid,
      secret: options.secret,
      ...(forceRefresh ? { force_refresh: true } : {}),
    };
    const reply = await httpsPostJson(url, body, http);
    throwIfWeChatError(reply, typeof reply.access_token === 'string' ? [...http.secrets, reply.access_token] : http.secrets);
    const token = reply.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new WeChatApiError(TOKEN_FETCH_FAILED_ERRCODE, `POST ${url}: stable_token answered without an access_token, so no decision was sent`);
    }
    const lifetimeS = typeof reply.expires_in === 'number' && reply.expires_in > 0 ? reply.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    return { token, lifetimeS, sequence, sentAt };
  }

  /** Caches `answer` unless a later request's answer is cached already; true when it did. */
  function fill(answer: TokenAnswer): boolean {
    if (answer.sequence < cachedSequence) return false;
    cachedSequence = answer.sequence;
    cached = { token: answer.token, renewAt: answer.sentAt + renewAfterMs(answer.lifetimeS) };
    refused = null;
    return true;
  }

  async function refresh(): Promise<'filled' | 'dropped'> {
    let answer = await requestToken(false);
    // Normal mode returns the platform's current token, so a token that another instance or function rotated is
    // picked up without forcing. Forcing first would invalidate *their* token, they would force back, and the
    // ping-pong would burn the 20-a-day force_refresh quota. Force only when WeChat hands back the refused token.
    if (refused !== null && answer.token === refused.token) {
      // Asked before WeChat refused it, or while a forced refresh is on its way: no reason to force (again).
      if (answer.sequence < refused.sequence || forcing > 0) return 'dropped';
      const refusal = forceRefusal();
      if (refusal !== null) {
        // Keep what the token service calls current: if another service rotates it, normal mode picks that up. Kept
        // without its number, so that the answer of a forced request still on its way replaces it.
        cached ??= { token: answer.token, renewAt: answer.sentAt + renewAfterMs(answer.lifetimeS) };
        refused = null;
        throw new WeChatApiError(
          ACCESS_TOKEN_INVALID_ERRCODE,
          `WeChat refused the access token and stable_token hands back the same one; not forcing a refresh: ${refusal}. ` +
            'Check that no other server forces refreshes or resets the AppSecret, then call again.',
        );
      }
      forcedCount += 1;
      lastForcedAt = now();
      forcing += 1;
      try {
        answer = await requestToken(true);
      } finally {
        forcing -= 1;
      }
    }
    return fill(answer) ? 'filled' : 'dropped';
  }

  function startFetch(): TokenFetch {
    const fetching: TokenFetch = { firstSequence: nextSequence, stalled: false, outcome: null };
    inFlight.add(fetching);
    const stallTimer = setTimeout(() => {
      fetching.stalled = true;
      notify();
    }, TOKEN_FETCH_SHARED_MS);
    stallTimer.unref();
    refresh()
      .then(
        (outcome) => {
          fetching.outcome = outcome;
        },
        (thrown: unknown) => {
          fetching.outcome = { failure: asTokenFailure(thrown) };
        },
      )
      .finally(() => {
        clearTimeout(stallTimer);
        inFlight.delete(fetching);
        notify();
      })
      .catch(() => undefined);
    return fetching;
  }

  /** Whether a fetch asked after WeChat's last refusal, so that its answer can serve a caller who saw it. */
  const current = (fetching: TokenFetch): boolean => refused === null || fetching.firstSequence >= refused.sequence;

  return {
    async get(deadline) {
      // The fetches this call waits on: young when it found or started them. A token from any fetch serves it.
      const waitedOn: TokenFetch[] = [];
      const allEnded = (): boolean => waitedOn.every((fetching) => fetching.outcome !== null);
      for (;;) {
        const failure = lastFailure(waitedOn);
        // Every fetch it waited on ended without a token, and one failed: that failure is the answer. Looked at before
        // the cache, which a fetch that was refused a forced refresh fills for later calls, not for its own waiters.
        if (failure !== undefined && allEnded() && !waitedOn.some((fetching) => fetching.outcome === 'filled')) throw failure.thrown;
        if (cached !== null && now() < cached.renewAt) return cached.token;
        if (deadline !== undefined && remainingMs(deadline) <= 0) throw new DeadlineExceeded();
        const candidates = [...inFlight].filter(current);
        const young = candidates.find((fetching) => !fetching.stalled);
        if (young !== undefined) {
          if (!waitedOn.includes(young) && waitedOn.length < TOKEN_FETCH_LIMITS.perCall) waitedOn.push(young);
        } else if (candidates.length < TOKEN_FETCH_LIMITS.inFlight && waitedOn.length < TOKEN_FETCH_LIMITS.perCall) {
          // None in flight that is still young: one more beside the stalled ones.
          waitedOn.push(startFetch());
          continue;
        }
        // Its fetches all ended, none with a token it can use, and it may start no more.
        if (waitedOn.length > 0 && allEnded()) {
          throw (
            failure?.thrown ??
            new WeChatApiError(TOKEN_FETCH_FAILED_ERRCODE, `POST ${url}: stable_token handed back only refused tokens, so no decision was sent`)
          );
        }
        const woken = deadline === undefined ? await changed : await raceTimer(changed, remainingMs(deadline), () => LATE);
        if (woken === LATE) throw new DeadlineExceeded();
      }
    },
    invalidate(staleToken) {
      // Compare first: callers that saw the same refusal after the refresh began must not throw away the new token.
      if (cached === null || cached.token !== staleToken) return;
      cached = null;
      refused = { token: staleToken, sequence: nextSequence };
    },
  };
}

/** The failure of the latest of `fetches` (in the order a call took them up) that failed, if any did. */
function lastFailure(fetches: readonly TokenFetch[]): { thrown: unknown } | undefined {
  return fetches
    .map((fetching) => fetching.outcome)
    .filter((outcome): outcome is { failure: unknown } => typeof outcome === 'object' && outcome !== null)
    .map((outcome) => ({ thrown: outcome.failure }))
    .at(-1);
}

/** What a waiting caller's timer answers once its deadline passed first. */
const LATE = Symbol('late');

/** A token fetch's failure as the caller should see it: no usable answer means no decision was sent (outcome known). */
function asTokenFailure(thrown: unknown): unknown {
  if (!(thrown instanceof WeChatApiError) || !(NO_USABLE_ANSWER.has(thrown.errCode) || busyStatus(thrown))) return thrown;
  return new WeChatApiError(TOKEN_FETCH_FAILED_ERRCODE, `no access token, so no decision was sent: ${thrown.errMsg}`);
}

function renewAfterMs(lifetimeS: number): number {
  const lifetimeMs = lifetimeS * 1000;
  return lifetimeMs - Math.min(RENEW_EARLY_MS, lifetimeMs / 10);
}
