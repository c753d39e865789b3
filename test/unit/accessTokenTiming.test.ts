/**
 * The access-token cache when stable_token stalls, answers late or never, and when the wall clock steps: a scripted
 * stand-in for WeChat passed as `fetch`, and fake timers the tests move, so that seconds of waiting take none and a
 * loaded machine cannot change what happens when.
 */
import type { AccessTokenCache } from '../../src/wechat/accessToken';
import { createAccessTokenCache, FORCE_REFRESH_LIMITS, TOKEN_FETCH_LIMITS, TOKEN_FETCH_SHARED_MS } from '../../src/wechat/accessToken';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/wechat/httpsPost';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import { handleSetStatus } from '../../src/core/decisions';
import { DeadlineExceeded } from '../../src/core/deadline';
import { OUTCOME_UNKNOWN_CODES } from '../../src/core/errorTable';
import { WeChatApiError } from '../../src/core/wechatClient';

const APPID = 'wxfeedfacefeedface';
const SECRET = '5d41402abc4b2a765d41402abc4b2a76';
const APPLICANT = 'wx0123456789abcdef';
const BASE_URL = 'https://api.weixin.qq.com';

/** How the stand-in answers one request: after `afterMs`, or never. */
type Delay = number | 'never';

/** A stand-in for WeChat: stable_token hands out the current token (a new one when forced), devplugin says ok. */
interface ScriptedWeChat {
  fetch: typeof fetch;
  /** Every stable_token request, in order: whether it forced a refresh, and when (fake time) it was sent. */
  tokenRequests: Array<{ force: boolean; sentAt: number }>;
  devpluginRequests: number;
  issued: string[];
  /** How long the n-th stable_token request takes; the rest answer at once unless `otherwise` says. */
  delays: Delay[];
  otherwise: Delay;
  /** A forced refresh's new token becomes current only once its answer is delivered, as a slow rotation would. */
  rotateOnDelivery: boolean;
}

function scriptedWeChat(): ScriptedWeChat {
  let current: string | null = null;
  const issue = (): string => {
    current = `ACCESS_TOKEN_${wechat.issued.length + 1}`;
    wechat.issued.push(current);
    return current;
  };
  const answerLater = (delay: Delay, body: object, signal: AbortSignal | null | undefined, delivered = (): void => undefined): Promise<Response> =>
    new Promise((resolve, reject) => {
      // As the real fetch does: the caller's abort (its request timeout) rejects the request.
      signal?.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')));
      if (delay === 'never') return;
      const answer = (): void => {
        delivered();
        resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }));
      };
      // At once unless delayed: with fake timers even a 0 ms timer waits for the test to move the clock.
      if (delay === 0) answer();
      else setTimeout(answer, delay);
    });
  const wechat: ScriptedWeChat = {
    tokenRequests: [],
    devpluginRequests: 0,
    issued: [],
    delays: [],
    otherwise: 0,
    rotateOnDelivery: false,
    fetch: async (input, init) => {
      const url = new URL(String(input));
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      if (url.pathname === '/wxa/devplugin') {
        wechat.devpluginRequests += 1;
        return answerLater(0, { errcode: 0, errmsg: 'ok' }, init?.signal);
      }
      const index = wechat.tokenRequests.push({ force: body.force_refresh === true, sentAt: Date.now() }) - 1;
      const delay = wechat.delays[index] ?? wechat.otherwise;
      if (body.force_refresh === true && wechat.rotateOnDelivery) {
        const kept = current;
        const token = issue();
        current = kept;
        return answerLater(delay, { access_token: token, expires_in: 7200 }, init?.signal, () => {
          current = token;
        });
      }
      // The answer is the token current when the request arrives, however late it is delivered.
      const token = current === null || body.force_refresh === true ? issue() : current;
      return answerLater(delay, { access_token: token, expires_in: 7200 }, init?.signal);
    },
  };
  return wechat;
}

let wechat: ScriptedWeChat;

beforeEach(() => {
  // Node's own queues stay real: response bodies are read through them.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  wechat = scriptedWeChat();
});

afterEach(() => {
  jest.useRealTimers();
});

const cache = (): AccessTokenCache => createAccessTokenCache({ appid: APPID, secret: SECRET, baseUrl: BASE_URL, fetch: wechat.fetch });

/** The outcome of `promise` once it settles, without letting a rejection go unhandled meanwhile. */
function outcomeOf<T>(promise: Promise<T>): { settled: () => boolean; value: () => T | unknown } {
  let settled = false;
  let value: T | unknown;
  promise.then(
    (resolved) => {
      settled = true;
      value = resolved;
    },
    (thrown: unknown) => {
      settled = true;
      value = thrown;
    },
  );
  return { settled: () => settled, value: () => value };
}

describe('createAccessTokenCache when stable_token stalls', () => {
  it('asks a stable_token that never answers a bounded number of times, and answers its own timeout, not the deadline', async () => {
    wechat.otherwise = 'never';
    const tokens = cache();
    const startedAt = Date.now();

    const got = outcomeOf(tokens.get({ at: startedAt + 600_000, now: Date.now }));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(got.settled()).toBe(true);
    expect(got.value()).toBeInstanceOf(WeChatApiError);
    const error = got.value() as WeChatApiError;
    expect(error.errMsg).toContain(`no answer within ${DEFAULT_REQUEST_TIMEOUT_MS} ms`);
    expect(error.errMsg).toContain('no decision was sent');
    expect(wechat.tokenRequests.length).toBeLessThanOrEqual(TOKEN_FETCH_LIMITS.perCall);
  });

  it('still starts a fresh fetch beside one that stalled, so the caller is served without waiting out its timeout', async () => {
    wechat.delays = ['never'];
    const tokens = cache();

    const got = outcomeOf(tokens.get());
    await jest.advanceTimersByTimeAsync(TOKEN_FETCH_SHARED_MS);

    expect(got.value()).toBe(wechat.issued[0]);
    const firstSentAt = wechat.tokenRequests[0]?.sentAt ?? Number.NaN;
    expect(wechat.tokenRequests.map((request) => request.sentAt - firstSentAt)).toEqual([0, TOKEN_FETCH_SHARED_MS]);
  });

  it('does not stall the callers that come after two requests were lost', async () => {
    wechat.delays = ['never', 'never'];
    const tokens = cache();
    const first = outcomeOf(tokens.get({ at: Date.now() + 2750, now: Date.now }));
    await jest.advanceTimersByTimeAsync(3000);

    const second = outcomeOf(tokens.get({ at: Date.now() + 2750, now: Date.now }));
    await jest.advanceTimersByTimeAsync(0);

    expect(first.value()).toBeInstanceOf(DeadlineExceeded);
    expect(second.value()).toBe(wechat.issued.at(-1));
    expect(wechat.tokenRequests).toHaveLength(3);
  });

  it('serves every waiting caller with a token that arrives while a newer fetch is still waiting', async () => {
    // The first request answers at 2.08 s; the one started beside it at 1.5 s never does.
    wechat.delays = [2080, 'never'];
    const tokens = cache();
    const startedAt = Date.now();

    const got = outcomeOf(tokens.get({ at: startedAt + 2760, now: Date.now }));
    await jest.advanceTimersByTimeAsync(2080);

    expect(got.settled()).toBe(true);
    expect(got.value()).toBe(wechat.issued[0]);
  });

  it('never puts back a token retired by a forced refresh when a stalled fetch answers late', async () => {
    // The first request stalls and is answered at 5 s with the token that was current when it was asked.
    wechat.delays = [5000];
    const tokens = cache();
    const first = outcomeOf(tokens.get());
    await jest.advanceTimersByTimeAsync(TOKEN_FETCH_SHARED_MS);
    const retired = first.value() as string;
    tokens.invalidate(retired);
    const forced = await tokens.get();

    await jest.advanceTimersByTimeAsync(5000);
    const afterLateAnswer = await tokens.get();

    expect(wechat.tokenRequests.map((request) => request.force)).toEqual([false, false, false, true]);
    expect(forced).not.toBe(retired);
    expect(afterLateAnswer).toBe(forced);
  });

  it('waits for a forced refresh still on its way rather than serve, or force past, the refused token', async () => {
    // The forced request (the third) is answered at 3 s, and only then does WeChat hand out the new token.
    wechat.rotateOnDelivery = true;
    wechat.delays = [0, 0, 3000];
    const tokens = cache();
    const refused = await tokens.get();
    tokens.invalidate(refused);

    const got = outcomeOf(tokens.get());
    await jest.advanceTimersByTimeAsync(3000);
    const later = await tokens.get();

    expect(got.value()).toBe(wechat.issued[1]);
    expect(later).toBe(wechat.issued[1]);
    // The fetch started beside the stalled forced one was handed the refused token and neither forced nor kept it.
    expect(wechat.tokenRequests.map((request) => request.force)).toEqual([false, false, true, false]);
  });

  it('spaces forced refreshes by the time that passed, not by a wall clock that stepped back', async () => {
    // The default clock: what the cache uses in a real container.
    const tokens = cache();
    tokens.invalidate(await tokens.get());
    await tokens.get();

    await jest.advanceTimersByTimeAsync(FORCE_REFRESH_LIMITS.minIntervalMs + 1000);
    jest.setSystemTime(Date.now() - 3600_000);
    tokens.invalidate(await tokens.get());
    const afterStep = await tokens.get().catch((thrown: unknown) => thrown);

    expect(afterStep).toBe(wechat.issued.at(-1));
    expect(wechat.tokenRequests.filter((request) => request.force)).toHaveLength(2);
  });

  it('gives up at the deadline while the fetches it waits on are still unanswered', async () => {
    wechat.otherwise = 'never';
    const tokens = cache();

    const got = outcomeOf(tokens.get({ at: Date.now() + 2000, now: Date.now }));
    await jest.advanceTimersByTimeAsync(2000);

    expect(got.value()).toBeInstanceOf(DeadlineExceeded);
  });
});

describe('a decision over HTTPS when stable_token never answers', () => {
  it('answers a failure that says no decision was sent, long before a generous deadline, after a few token requests', async () => {
    wechat.otherwise = 'never';
    const client = createHttpsClient({ appid: APPID, secret: SECRET, baseUrl: BASE_URL, fetch: wechat.fetch });
    const startedAt = Date.now();
    const deadline = { at: startedAt + 600_000, now: Date.now };

    const decided = outcomeOf(
      handleSetStatus(
        { action: 'dev_agree', appid: APPLICANT },
        { client, caller: { openid: 'oAdmin' }, admins: { kind: 'listed', openids: new Set(['oAdmin']) }, deadline, log: () => undefined, requestId: null },
      ),
    );
    for (let waited = 0; !decided.settled() && waited < 600_000; waited += 1000) await jest.advanceTimersByTimeAsync(1000);
    const result = decided.value() as { ok: boolean; error?: { code: string; raw?: string } };

    expect(result.ok).toBe(false);
    expect(result.error?.code).not.toBe('TIMEOUT');
    expect(OUTCOME_UNKNOWN_CODES.has(result.error?.code ?? '')).toBe(false);
    expect(result.error?.raw).toContain('no decision was sent');
    expect(Date.now() - startedAt).toBeLessThan(120_000);
    // A few requests per try (the decision is retried like any transient failure), not one every 1.5 s.
    expect(wechat.tokenRequests.length).toBeLessThanOrEqual(4 * TOKEN_FETCH_LIMITS.perCall);
    expect(wechat.devpluginRequests).toBe(0);
  });
});
