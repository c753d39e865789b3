/**
 * Access tokens for the HTTPS way in (cloud calls need none), from WeChat's stable_token endpoint, and the one
 * HTTPS POST helper that both the token fetch and the devplugin calls go through. That helper is the boundary:
 * every failure leaves it as a `WeChatApiError`, and nothing it throws carries a token or the AppSecret.
 */
import type { Deadline } from '../core/deadline';
import { DeadlineExceeded, remainingMs } from '../core/deadline';
import { WeChatApiError } from '../core/wechatClient';

/** WeChat's API host. */
export const DEFAULT_BASE_URL = 'https://api.weixin.qq.com';

/** How long one HTTPS request may take when the caller sets no limit. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** access_token errors (platform-facts.md): WeChat refused the token, not the request, so refresh and retry once. */
export const TOKEN_ERROR_CODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/** 40001, ACCESS_TOKEN_INVALID: what a refused token is answered with once forcing a new one is not allowed. */
const ACCESS_TOKEN_INVALID_ERRCODE = 40001;

/**
 * The codes the HTTPS plumbing raises when WeChat gave no errcode of its own. `unusableAnswer` is -1 (system busy)
 * because a 2xx body that is not JSON comes from WeChat's front end being unwell; `timeout` is the cloud table's
 * "call open API timeout", whose text (outcome unknown) fits exactly; `network` (HTTPS_NETWORK_ERROR), `httpStatus`
 * (HTTP_ERROR, with the status) and `tooLarge` (HTTPS_RESPONSE_TOO_LARGE) are this package's own, because no WeChat
 * code says "never reached WeChat", "answered by something that is not WeChat" or "answered without end".
 */
export const HTTPS_FAILURE_CODES = { unusableAnswer: -1, timeout: -604102, network: -700001, httpStatus: -700002, tooLarge: -700003 } as const;

/**
 * The most this transport reads of one answer. WeChat's largest, a dev_apply_list page of 100, is about 100 KB;
 * a broken upstream or proxy may stream without end, and reading that whole would exhaust the function's memory.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

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
  const url = `${withoutTrailingSlash(options.baseUrl ?? DEFAULT_BASE_URL)}/cgi-bin/stable_token`;
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

/** How `httpsPostJson` reaches WeChat, and which strings must never appear in what it throws. */
export interface HttpsPostOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  secrets: readonly string[];
}

/**
 * POSTs `body` as JSON and resolves with the JSON object WeChat answered (errcode not yet checked). Timeouts,
 * network failures, HTTP statuses other than 2xx, answers past `MAX_RESPONSE_BYTES` and unusable bodies reject
 * with `WeChatApiError` (`HTTPS_FAILURE_CODES`).
 */
export async function httpsPostJson(url: string, body: object, options: HttpsPostOptions): Promise<Record<string, unknown>> {
  const where = `POST ${maskAccessToken(url)}`;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  timer.unref();
  let status: number | null = null;
  let text: string;
  try {
    const response = await options.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
      // WeChat never redirects these calls; following one would re-send the AppSecret or the token to whatever
      // origin the Location names, so a 3xx is answered as HTTP_ERROR with its status instead.
      redirect: 'manual',
    });
    status = response.status;
    // Read under the same timer: a server that sends headers and then stalls is as stuck as one that never answers.
    text = await readAtMost(response, MAX_RESPONSE_BYTES, controller);
  } catch (thrown) {
    if (thrown instanceof AnswerTooLarge) {
      // The status says more than the size: a 404 page that happens to be large is still a wrong address.
      if (status !== null && !isSuccess(status)) throw httpStatusError(where, status, '', options.secrets);
      throw new WeChatApiError(
        HTTPS_FAILURE_CODES.tooLarge,
        `${where}: HTTP ${status ?? '?'}, the answer is longer than ${MAX_RESPONSE_BYTES} bytes; stopped reading it; the outcome is unknown`,
      );
    }
    if (timedOut) {
      throw new WeChatApiError(HTTPS_FAILURE_CODES.timeout, `${where}: no answer within ${options.timeoutMs} ms; the outcome is unknown`);
    }
    throw new WeChatApiError(HTTPS_FAILURE_CODES.network, redact(`${where} failed: ${networkCause(thrown)}; the outcome is unknown`, options.secrets));
  } finally {
    clearTimeout(timer);
  }
  const reply = parseJsonObject(text);
  if (!isSuccess(status)) {
    // WeChat answers its errors with status 200; a gateway that relays one under another status still means it.
    if (reply !== null && typeof reply.errcode === 'number' && reply.errcode !== 0) return reply;
    throw httpStatusError(where, status, text, options.secrets);
  }
  if (reply === null) throw new WeChatApiError(HTTPS_FAILURE_CODES.unusableAnswer, `${where}: HTTP ${status}, the body is not a JSON object`);
  return reply;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}

/** HTTP_ERROR with the status, and the start of the body on one line: it often names the proxy or the cause. */
function httpStatusError(where: string, status: number, text: string, secrets: readonly string[]): WeChatApiError {
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 120);
  return new WeChatApiError(HTTPS_FAILURE_CODES.httpStatus, redact(`${where}: HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}`, secrets), status);
}

/** Thrown by `readAtMost` when an answer is longer than allowed. */
class AnswerTooLarge extends Error {}

/**
 * The body as text, read chunk by chunk and given up past `limit` bytes: the rest is never buffered, and the
 * connection is aborted so the server stops sending. A declared Content-Length past the limit is refused unread.
 */
async function readAtMost(response: Response, limit: number, controller: AbortController): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const stop = (): never => {
    controller.abort();
    throw new AnswerTooLarge();
  };
  if (declared > limit) stop();
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => undefined);
      stop();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Throws WeChat's non-zero `errcode` as a `WeChatApiError`, its `errmsg` cleared of `secrets`; no errcode is success. */
export function throwIfWeChatError(reply: Record<string, unknown>, secrets: readonly string[]): void {
  const { errcode, errmsg } = reply;
  if (errcode === undefined || errcode === 0) return;
  if (typeof errcode !== 'number' || !Number.isFinite(errcode)) {
    throw new WeChatApiError(HTTPS_FAILURE_CODES.unusableAnswer, 'WeChat answered an errcode that is not a number');
  }
  throw new WeChatApiError(errcode, redact(typeof errmsg === 'string' ? errmsg : '', secrets));
}

/** The global fetch, or the caller's; throws at construction on a runtime that has neither (Node < 18). */
export function resolveFetch(given: typeof fetch | undefined): typeof fetch {
  const found = given ?? (globalThis as { fetch?: typeof fetch }).fetch;
  if (typeof found !== 'function') {
    throw new Error('The HTTPS transport needs Node.js 18 or newer (for the global fetch); on an older runtime pass options.fetch.');
  }
  return found;
}

/** The base URL without a trailing slash, so paths can be appended. */
export function withoutTrailingSlash(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** The URL with the value of any access_token parameter replaced, fit for an error message. */
export function maskAccessToken(url: string): string {
  return url.replace(/(access_token=)[^&#\s]*/gi, '$1***');
}

/** `text` with every secret and every access_token parameter masked. */
function redact(text: string, secrets: readonly string[]): string {
  const masked = secrets.filter((secret) => secret !== '').reduce((result, secret) => result.split(secret).join('***'), text);
  return maskAccessToken(masked);
}

/** A short reason for a failed fetch: the system error code when there is one (ECONNREFUSED…), else the root message. */
function networkCause(thrown: unknown): string {
  let message = String(thrown);
  for (let error: unknown = thrown, depth = 0; typeof error === 'object' && error !== null && depth < 4; depth += 1) {
    const fields = error as { code?: unknown; cause?: unknown; message?: unknown };
    if (typeof fields.code === 'string' && fields.code !== '') return fields.code;
    if (typeof fields.message === 'string') message = fields.message;
    error = fields.cause;
  }
  return message.slice(0, 200);
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
