/**
 * The access-token cache against a stand-in for WeChat's stable_token endpoint on 127.0.0.1, with a clock the
 * tests move by hand so expiry needs no waiting.
 */
import http from 'node:http';
import { inspect } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { AccessTokenCache } from '../../src/wechat/accessToken';
import { createAccessTokenCache, FORCE_REFRESH_LIMITS, TOKEN_FETCH_SHARED_MS } from '../../src/wechat/accessToken';
import { DeadlineExceeded } from '../../src/core/deadline';
import { WeChatApiError } from '../../src/core/wechatClient';
import { captureOutput } from '../fixtures/captureOutput';

const APPID = 'wxfeedfacefeedface';
const SECRET = 'plugin-secret-7215ee9c7d9dc229';

interface TokenRequest {
  body: Record<string, unknown>;
}

/** What the stand-in does; tests change it in their arrange step. */
interface FakeStableToken {
  baseUrl: string;
  requests: TokenRequest[];
  issued: string[];
  lifetimeS: number;
  delayMs: number;
  /** Answer every request with this WeChat error instead of a token. */
  failWith: { errcode: number; errmsg: string } | null;
  /** The next normal-mode request gets a new token, as after expiry or another instance's forced refresh. */
  rotate(): void;
  close(): Promise<void>;
}

async function startFakeStableToken(): Promise<FakeStableToken> {
  let current: string | null = null;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      fake.requests.push({ body });
      let answer: Record<string, unknown>;
      if (fake.failWith !== null) {
        answer = fake.failWith;
      } else if (body.appid !== APPID || body.secret !== SECRET) {
        answer = { errcode: 40125, errmsg: 'invalid appsecret rid: 1' };
      } else {
        if (current === null || body.force_refresh === true) {
          current = `ACCESS_TOKEN_${fake.issued.length + 1}_${Math.random().toString(36).slice(2, 12)}`;
          fake.issued.push(current);
        }
        answer = { access_token: current, expires_in: fake.lifetimeS };
      }
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer));
      }, fake.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeStableToken = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: [],
    issued: [],
    lifetimeS: 7200,
    delayMs: 0,
    failWith: null,
    rotate() {
      current = null;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

let wechat: FakeStableToken;
let clock: number;
/** Everything written to stdout/stderr/console and every error text, checked for secrets after each test. */
let seen: string[];

const cache = (secret = SECRET): AccessTokenCache => createAccessTokenCache({ appid: APPID, secret, baseUrl: wechat.baseUrl, now: () => clock });

const forceFlags = (): unknown[] => wechat.requests.map((request) => request.body.force_refresh);

beforeAll(async () => {
  wechat = await startFakeStableToken();
});

afterAll(async () => {
  await wechat.close();
});

beforeEach(() => {
  Object.assign(wechat, { requests: [], lifetimeS: 7200, delayMs: 0, failWith: null });
  wechat.rotate();
  clock = 1_700_000_000_000;
  seen = captureOutput();
});

afterEach(() => {
  jest.restoreAllMocks();
  const text = seen.join('\n');
  for (const secret of [SECRET, ...wechat.issued]) expect(text).not.toContain(secret);
});

describe('createAccessTokenCache', () => {
  it('fetches one token for many concurrent callers', async () => {
    wechat.delayMs = 50;
    const tokens = cache();

    const got = await Promise.all(Array.from({ length: 25 }, () => tokens.get()));

    expect(new Set(got).size).toBe(1);
    expect(wechat.requests).toHaveLength(1);
    expect(wechat.requests[0]?.body).toStrictEqual({ grant_type: 'client_credential', appid: APPID, secret: SECRET });
  });

  it('starts a fresh fetch for a caller once the shared one has stalled, without waiting out its request timeout', async () => {
    wechat.delayMs = 8000;
    const tokens = cache();
    const stalled = tokens.get();
    stalled.catch(() => undefined);
    while (wechat.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    wechat.delayMs = 0;
    const startedAt = Date.now();

    const token = await tokens.get();

    expect(token).toMatch(/^ACCESS_TOKEN_/);
    expect(wechat.requests).toHaveLength(2);
    expect(Date.now() - startedAt).toBeLessThan(TOKEN_FETCH_SHARED_MS + 1000);
  }, 15_000);

  it("gives up waiting for a token when the caller's deadline passes", async () => {
    wechat.delayMs = 3000;
    const tokens = cache();
    const startedAt = Date.now();

    await expect(tokens.get({ at: Date.now() + 200, now: Date.now })).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });

  it('reuses the cached token until five minutes before it expires', async () => {
    const tokens = cache();
    const first = await tokens.get();

    clock += (7200 - 300) * 1000 - 1;
    const reused = await tokens.get();
    clock += 1;
    const renewed = await tokens.get();

    expect(reused).toBe(first);
    expect(wechat.requests).toHaveLength(2);
    expect(renewed).toBe(first); // WeChat's normal mode still hands out the same token during its overlap
  });

  it('renews a short-lived token after 90% of its lifetime', async () => {
    wechat.lifetimeS = 60;
    const tokens = cache();
    await tokens.get();

    clock += 53_999;
    await tokens.get();
    const requestsBeforeRenewal = wechat.requests.length;
    clock += 1;
    await tokens.get();

    expect(requestsBeforeRenewal).toBe(1);
    expect(wechat.requests).toHaveLength(2);
  });

  it('refreshes once when many callers invalidate the same stale token', async () => {
    const tokens = cache();
    const stale = await tokens.get();
    wechat.rotate();

    const fresh = await Promise.all(
      Array.from({ length: 10 }, () => {
        tokens.invalidate(stale);
        return tokens.get();
      }),
    );

    expect(new Set(fresh)).toStrictEqual(new Set([wechat.issued.at(-1)]));
    expect(fresh[0]).not.toBe(stale);
    expect(forceFlags()).toStrictEqual([undefined, undefined]);
  });

  it('ignores an invalidation of a token that was already replaced', async () => {
    const tokens = cache();
    const stale = await tokens.get();
    wechat.rotate();
    tokens.invalidate(stale);
    const fresh = await tokens.get();

    tokens.invalidate(stale);
    const again = await tokens.get();

    expect(again).toBe(fresh);
    expect(wechat.requests).toHaveLength(2);
  });

  it('picks up a token rotated elsewhere without forcing a refresh', async () => {
    const tokens = cache();
    const stale = await tokens.get();
    wechat.rotate();

    tokens.invalidate(stale);
    const fresh = await tokens.get();

    expect(fresh).not.toBe(stale);
    expect(forceFlags()).toStrictEqual([undefined, undefined]);
  });

  it('forces a refresh only when WeChat hands back the token that was just refused', async () => {
    const tokens = cache();
    const refused = await tokens.get();

    tokens.invalidate(refused);
    const fresh = await tokens.get();

    expect(fresh).not.toBe(refused);
    expect(forceFlags()).toStrictEqual([undefined, undefined, true]);
  });

  describe('forced refreshes', () => {
    /** WeChat refuses the token it keeps handing out: the cache is asked to replace it. */
    async function refuseCurrentToken(tokens: AccessTokenCache): Promise<WeChatApiError | string> {
      tokens.invalidate(await tokens.get());
      return tokens.get().catch((thrown: WeChatApiError) => thrown);
    }
    const forcedCount = (): number => forceFlags().filter((flag) => flag === true).length;

    it('forces at most once per 30 s and answers ACCESS_TOKEN_INVALID (40001) in between', async () => {
      const tokens = cache();
      await refuseCurrentToken(tokens);

      clock += FORCE_REFRESH_LIMITS.minIntervalMs - 1;
      const within = await refuseCurrentToken(tokens);
      clock += 1;
      const after = await refuseCurrentToken(tokens);

      expect(within).toBeInstanceOf(WeChatApiError);
      expect(within).toMatchObject({ errCode: 40001 });
      expect((within as WeChatApiError).errMsg).toMatch(/not forcing a refresh: the last forced refresh was 29 s ago \(at most one per 30 s\)/);
      expect(typeof after).toBe('string');
      expect(forcedCount()).toBe(2);
    });

    it(`forces at most ${FORCE_REFRESH_LIMITS.maxPerContainer} times in a container's life, however far apart`, async () => {
      const tokens = cache();

      const outcomes: Array<WeChatApiError | string> = [];
      for (let hour = 0; hour < 10; hour += 1) {
        outcomes.push(await refuseCurrentToken(tokens));
        clock += 3600_000;
      }

      expect(forcedCount()).toBe(FORCE_REFRESH_LIMITS.maxPerContainer);
      expect(outcomes.slice(0, FORCE_REFRESH_LIMITS.maxPerContainer).every((outcome) => typeof outcome === 'string')).toBe(true);
      expect(outcomes.slice(FORCE_REFRESH_LIMITS.maxPerContainer)).toStrictEqual(
        Array.from({ length: 10 - FORCE_REFRESH_LIMITS.maxPerContainer }, () => expect.objectContaining({ errCode: 40001 })),
      );
    });

    it('keeps serving the token WeChat calls current after refusing to force, so a rotation elsewhere is picked up', async () => {
      const tokens = cache();
      await refuseCurrentToken(tokens);
      const refused = await refuseCurrentToken(tokens);
      const requestsAfterRefusal = wechat.requests.length;

      const kept = await tokens.get();
      wechat.rotate();
      tokens.invalidate(kept);
      const rotated = await tokens.get();

      expect(refused).toMatchObject({ errCode: 40001 });
      expect(wechat.requests.length).toBe(requestsAfterRefusal + 1);
      expect(rotated).not.toBe(kept);
      expect(forcedCount()).toBe(1);
    });
  });

  it.each([
    [40013, 'invalid appid rid: 2'],
    [40125, 'invalid appsecret rid: 3'],
    [40164, 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 4'],
    [45011, 'api minute-quota reach limit  mustslower  retry next minute rid: 5'],
  ])("rejects with WeChat's errcode %i when the fetch fails", async (errcode, errmsg) => {
    wechat.failWith = { errcode, errmsg };
    const tokens = cache();

    const error = await tokens.get().catch((thrown: unknown) => thrown);
    seen.push(inspect(error));

    expect(error).toBeInstanceOf(WeChatApiError);
    expect(error).toMatchObject({ errCode: errcode, errMsg: errmsg });
  });

  it('keeps a wrong secret out of the error', async () => {
    const wrongSecret = 'wrong-secret-d3b07384d113edec';
    const tokens = cache(wrongSecret);

    const error = await tokens.get().catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ errCode: 40125 });
    expect(inspect(error)).not.toContain(wrongSecret);
  });

  it('does not cache a failed fetch', async () => {
    wechat.failWith = { errcode: -1, errmsg: 'system error' };
    const tokens = cache();
    await tokens.get().catch(() => undefined);
    wechat.failWith = null;

    const token = await tokens.get();

    expect(token).toBe(wechat.issued.at(-1));
    expect(wechat.requests).toHaveLength(2);
  });

  it('rejects with ACCESS_TOKEN_UNAVAILABLE (-700005) when stable_token answers without an access_token', async () => {
    wechat.failWith = { errcode: 0, errmsg: 'ok' };
    const tokens = cache();

    const error = await tokens.get().catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ errCode: -700005 });
  });

  it('throws at construction on a runtime without fetch', () => {
    const saved = globalThis.fetch;
    Reflect.deleteProperty(globalThis, 'fetch');
    try {
      expect(() => cache()).toThrow(/Node\.js 18 or newer/);
    } finally {
      globalThis.fetch = saved;
    }
  });
});
