/**
 * The HTTPS transport against a small WeChat stand-in on 127.0.0.1: stable_token issues tokens that expire or get
 * rotated, /wxa/devplugin answers 40001/42001 for bad tokens and canned answers for the four actions.
 */
import http from 'node:http';
import { inspect } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { AccessTokenCache } from '../../src/wechat/accessToken';
import { HTTPS_FAILURE_CODES } from '../../src/wechat/httpsPost';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import type { DecisionRequest } from '../../src/core/wechatClient';
import { WeChatApiError } from '../../src/core/wechatClient';
import type { Deadline } from '../../src/core/deadline';
import { wechatError } from '../../src/core/errorTable';
import type { RetryOptions } from '../../src/core/retry';
import { DEFAULT_RETRY, withRetries } from '../../src/core/retry';
import { captureOutput } from '../fixtures/captureOutput';
import { aMinuteFromNow } from '../fixtures/deadline';

const PLUGIN_APPID = 'wxfeedfacefeedface';
const SECRET = 'plugin-secret-5d41402abc4b2a76';
const APPLICANT = 'wx0123456789abcdef';

/** dev_apply_list's answer as the HTTPS API sends it (platform-facts.md). */
const APPLY_LIST = [
  {
    appid: APPLICANT,
    status: 1,
    nickname: '小程序甲',
    headimgurl: 'https://wx.qlogo.cn/mmhead/abc/0',
    categories: [{ first: 'IT科技', second: '硬件与设备' }],
    create_time: '1536305096',
    apply_url: 'https://example.com/apply',
    reason: 'polyfill is needed',
  },
  { appid: 'wx1111111111111111', status: 3, nickname: '小程序乙', create_time: '1536305100', reason: '' },
];

interface RecordedRequest {
  path: string;
  token: string | null;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

type DevpluginMode = 'wechat' | 'hang' | 'http500' | 'http404' | 'http429' | 'http503WeChatBusy' | 'html';

/** What the stand-in does; tests change it in their arrange step. */
interface FakeWeChat {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Every token it ever issued, for the leak checks. */
  issued: string[];
  mode: DevpluginMode;
  /** Refuse every token with 40001, as WeChat does for an account whose tokens are all bad. */
  rejectEveryToken: boolean;
  /** Answer devplugin calls with this instead of the canned success. */
  reply: Record<string, unknown> | null;
  tokenDelayMs: number;
  /** The current token expires: devplugin answers 42001 for it, stable_token issues a new one. */
  expireCurrentToken(): void;
  close(): Promise<void>;
}

async function startFakeWeChat(): Promise<FakeWeChat> {
  const tokens = new Map<string, 'valid' | 'expired'>();
  let current: string | null = null;
  const issue = (): string => {
    current = `ACCESS_TOKEN_${fake.issued.length + 1}_${Math.random().toString(36).slice(2, 12)}`;
    tokens.set(current, 'valid');
    fake.issued.push(current);
    return current;
  };

  const answerStableToken = (body: Record<string, unknown>): Record<string, unknown> => {
    if (body.grant_type !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type rid: 1' };
    if (body.appid !== PLUGIN_APPID) return { errcode: 40013, errmsg: 'invalid appid rid: 2' };
    if (body.secret !== SECRET) return { errcode: 40125, errmsg: 'invalid appsecret rid: 3' };
    const token = current !== null && tokens.get(current) === 'valid' && body.force_refresh !== true ? current : issue();
    return { access_token: token, expires_in: 7200 };
  };

  const answerDevplugin = (token: string | null, body: Record<string, unknown>): Record<string, unknown> => {
    const state = token === null ? undefined : tokens.get(token);
    if (fake.rejectEveryToken || state === undefined || (token !== current && state === 'valid')) {
      return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest rid: 4' };
    }
    if (state === 'expired') return { errcode: 42001, errmsg: 'access_token expired rid: 5' };
    if (fake.reply !== null) return fake.reply;
    if (body.action === 'dev_apply_list') return { errcode: 0, errmsg: 'ok', apply_list: APPLY_LIST };
    return { errcode: 0, errmsg: 'ok' };
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const token = url.searchParams.get('access_token');
      fake.requests.push({ path: url.pathname, token, contentType: request.headers['content-type'], body });
      const send = (status: number, text: string, type = 'application/json'): void => {
        response.writeHead(status, { 'content-type': type });
        response.end(text);
      };
      if (url.pathname === '/cgi-bin/stable_token') {
        setTimeout(() => send(200, JSON.stringify(answerStableToken(body))), fake.tokenDelayMs);
      } else if (url.pathname === '/wxa/devplugin') {
        if (fake.mode === 'hang') return;
        if (fake.mode === 'http500') return send(500, 'Internal Server Error', 'text/plain');
        // A wrong base URL behind a JSON-speaking server, as the local cloud answers an unknown path.
        if (fake.mode === 'http404') return send(404, JSON.stringify({ error: `POST ${url.pathname} is not served` }));
        if (fake.mode === 'http429') return send(429, '<html><body>429 Too Many Requests</body></html>', 'text/html');
        if (fake.mode === 'http503WeChatBusy') return send(503, JSON.stringify({ errcode: -1, errmsg: 'system error rid: 9' }));
        if (fake.mode === 'html') return send(200, '<html><body>502 Bad Gateway</body></html>', 'text/html');
        send(200, JSON.stringify(answerDevplugin(token, body)));
      } else {
        send(404, 'not found', 'text/plain');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeWeChat = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: [],
    issued: [],
    mode: 'wechat',
    rejectEveryToken: false,
    reply: null,
    tokenDelayMs: 0,
    expireCurrentToken() {
      if (current !== null) tokens.set(current, 'expired');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** A base URL on which nothing listens: a port that was just freed. */
async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function rejectionOf(promise: Promise<unknown>): Promise<WeChatApiError> {
  try {
    await promise;
  } catch (thrown) {
    if (thrown instanceof WeChatApiError) {
      seen.push(inspect(thrown), String(thrown), thrown.errMsg);
      return thrown;
    }
    throw thrown;
  }
  throw new Error('expected the call to reject');
}

const devpluginCalls = (): RecordedRequest[] => wechat.requests.filter((request) => request.path === '/wxa/devplugin');
const tokenCalls = (): RecordedRequest[] => wechat.requests.filter((request) => request.path === '/cgi-bin/stable_token');

let wechat: FakeWeChat;
/** Everything written to stdout/stderr/console and every error or result text, checked for secrets after each test. */
let seen: string[];

beforeAll(async () => {
  wechat = await startFakeWeChat();
});

afterAll(async () => {
  await wechat.close();
});

beforeEach(() => {
  Object.assign(wechat, { requests: [], mode: 'wechat', rejectEveryToken: false, reply: null, tokenDelayMs: 0 });
  wechat.expireCurrentToken();
  seen = captureOutput();
});

afterEach(() => {
  jest.restoreAllMocks();
  const text = seen.join('\n');
  for (const secret of [SECRET, ...wechat.issued]) expect(text).not.toContain(secret);
});

const client = (overrides: Partial<Parameters<typeof createHttpsClient>[0]> = {}): ReturnType<typeof createHttpsClient> =>
  createHttpsClient({ appid: PLUGIN_APPID, secret: SECRET, baseUrl: wechat.baseUrl, ...overrides });

describe('createHttpsClient', () => {
  describe('request bodies', () => {
    it.each<[string, DecisionRequest, Record<string, unknown>]>([
      ['agree', { action: 'dev_agree', appid: APPLICANT }, { action: 'dev_agree', appid: APPLICANT }],
      ['refuse without appid', { action: 'dev_refuse', reason: '不符合要求' }, { action: 'dev_refuse', reason: '不符合要求' }],
      ['refuse with appid', { action: 'dev_refuse', reason: 'no', appid: APPLICANT }, { action: 'dev_refuse', reason: 'no', appid: APPLICANT }],
      ['delete without appid', { action: 'dev_delete' }, { action: 'dev_delete' }],
      ['delete with appid', { action: 'dev_delete', appid: APPLICANT }, { action: 'dev_delete', appid: APPLICANT }],
    ])('sends %s as WeChat documents it, JSON with the token in the query', async (_, request, expected) => {
      const https = client();

      await https.setApplyStatus(request, aMinuteFromNow());

      const [call] = devpluginCalls();
      expect(call?.body).toStrictEqual(expected);
      expect(call?.contentType).toBe('application/json');
      expect(call?.token).toBe(wechat.issued.at(-1));
    });

    it('asks stable_token for a token with the documented body', async () => {
      const https = client();

      await https.listApplications(1, 10, aMinuteFromNow());

      expect(tokenCalls().map((call) => call.body)).toStrictEqual([{ grant_type: 'client_credential', appid: PLUGIN_APPID, secret: SECRET }]);
    });
  });

  describe('listApplications', () => {
    it('sends page and num and converts each application to camelCase', async () => {
      const https = client();

      const applications = await https.listApplications(2, 20, aMinuteFromNow());
      seen.push(JSON.stringify(applications));

      expect(devpluginCalls()[0]?.body).toStrictEqual({ action: 'dev_apply_list', page: 2, num: 20 });
      expect(applications).toStrictEqual([
        {
          appid: APPLICANT,
          status: 1,
          nickname: '小程序甲',
          headimgurl: 'https://wx.qlogo.cn/mmhead/abc/0',
          categories: [{ first: 'IT科技', second: '硬件与设备' }],
          createTime: '1536305096',
          applyUrl: 'https://example.com/apply',
          reason: 'polyfill is needed',
        },
        { appid: 'wx1111111111111111', status: 3, nickname: '小程序乙', createTime: '1536305100', reason: '' },
      ]);
    });

    it('refuses an answer without apply_list rather than reading it as no applications', async () => {
      wechat.reply = { errcode: 0, errmsg: 'ok' };
      const https = client();

      const listed = https.listApplications(1, 10, aMinuteFromNow());

      await expect(listed).rejects.toThrow(/no apply_list/);
    });
  });

  describe('access tokens', () => {
    it('fetches the token once for many concurrent first calls', async () => {
      wechat.tokenDelayMs = 50;
      const https = client();

      await Promise.all(Array.from({ length: 20 }, () => https.listApplications(1, 10, aMinuteFromNow())));

      expect(tokenCalls()).toHaveLength(1);
      expect(devpluginCalls()).toHaveLength(20);
    });

    it('reuses the cached token across calls', async () => {
      const https = client();

      await https.listApplications(1, 10, aMinuteFromNow());
      await https.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow());
      await https.setApplyStatus({ action: 'dev_delete' }, aMinuteFromNow());

      expect(tokenCalls()).toHaveLength(1);
      expect(new Set(devpluginCalls().map((call) => call.token)).size).toBe(1);
    });

    it('refreshes an expired token once and retries the call', async () => {
      const https = client();
      await https.listApplications(1, 10, aMinuteFromNow());
      wechat.expireCurrentToken();
      wechat.requests = [];

      await https.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow());

      const [refused, retried] = devpluginCalls();
      expect(devpluginCalls()).toHaveLength(2);
      expect(retried?.token).not.toBe(refused?.token);
      expect(retried?.body).toStrictEqual({ action: 'dev_agree', appid: APPLICANT });
      expect(tokenCalls()).toHaveLength(1);
    });

    it('refreshes once for many concurrent calls that met the same expired token', async () => {
      const https = client();
      await https.listApplications(1, 10, aMinuteFromNow());
      wechat.expireCurrentToken();
      wechat.requests = [];

      await Promise.all(Array.from({ length: 10 }, () => https.setApplyStatus({ action: 'dev_delete' }, aMinuteFromNow())));

      expect(tokenCalls()).toHaveLength(1);
      expect(devpluginCalls()).toHaveLength(20);
    });

    it('returns a second token error right after the refresh as the error instead of looping', async () => {
      wechat.rejectEveryToken = true;
      const https = client();

      const error = await rejectionOf(https.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()));

      expect(error.errCode).toBe(40001);
      expect(devpluginCalls()).toHaveLength(2);
      // The initial fetch, a normal refresh that hands back the refused token, then one forced refresh.
      expect(tokenCalls().map((call) => call.body.force_refresh)).toStrictEqual([undefined, undefined, true]);
    });

    it.each([
      ['a wrong AppSecret', { secret: 'wrong-secret-0000' }, 40125],
      ['a wrong appid', { appid: 'wx9999999999999999' }, 40013],
    ])("rejects with WeChat's errcode when the token fetch fails with %s", async (_, overrides, errCode) => {
      const https = client(overrides);

      const error = await rejectionOf(https.listApplications(1, 10, aMinuteFromNow()));

      expect(error.errCode).toBe(errCode);
      expect(devpluginCalls()).toHaveLength(0);
      expect(error.message).not.toContain('wrong-secret-0000');
    });
  });

  describe('failures', () => {
    it("rejects with WeChat's errcode and errmsg when WeChat refuses the decision", async () => {
      wechat.reply = { errcode: 89240, errmsg: 'only pending applications can be agreed or refused rid: 6' };
      const https = client();

      const error = await rejectionOf(https.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()));

      expect(error).toMatchObject({ errCode: 89240, errMsg: 'only pending applications can be agreed or refused rid: 6' });
      expect(devpluginCalls()).toHaveLength(1);
    });

    it('rejects with HTTPS_NETWORK_ERROR (-700001) and a masked URL when the connection fails', async () => {
      const tokens: AccessTokenCache = { get: async () => 'ACCESS_TOKEN_STUB_7c4a8d09', invalidate: () => undefined };
      const https = client({ baseUrl: await closedPortUrl(), tokens });

      const error = await rejectionOf(https.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()));

      expect(error.errCode).toBe(HTTPS_FAILURE_CODES.network);
      expect(error.errCode).toBe(-700001);
      expect(error.errMsg).toContain('ECONNREFUSED');
      expect(error.errMsg).toContain('/wxa/devplugin?access_token=***');
      expect(error.message).not.toContain('ACCESS_TOKEN_STUB_7c4a8d09');
    });

    it('rejects with ACCESS_TOKEN_UNAVAILABLE, not an unknown outcome, when even the token fetch cannot connect', async () => {
      const https = client({ baseUrl: await closedPortUrl() });

      const error = await rejectionOf(https.listApplications(1, 10, aMinuteFromNow()));

      expect(error.errCode).toBe(-700005);
      expect(error.errMsg).toContain('/cgi-bin/stable_token');
    });

    it('rejects with OPENAPI_TIMEOUT (-604102) when WeChat does not answer within requestTimeoutMs', async () => {
      wechat.mode = 'hang';
      const https = client({ requestTimeoutMs: 200 });
      const startedAt = Date.now();

      const error = await rejectionOf(https.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()));

      expect(error.errCode).toBe(HTTPS_FAILURE_CODES.timeout);
      expect(error.errCode).toBe(-604102);
      expect(Date.now() - startedAt).toBeLessThan(2000);
      expect(devpluginCalls()).toHaveLength(1);
    });

    it('rejects with UNREADABLE_ANSWER (-700004) on a 200 whose body is not JSON', async () => {
      wechat.mode = 'html';
      const https = client();

      const error = await rejectionOf(https.listApplications(1, 10, aMinuteFromNow()));

      expect(error.errCode).toBe(HTTPS_FAILURE_CODES.unreadable);
      expect(error.errCode).toBe(-700004);
      expect(error.errMsg).toContain('not a JSON object');
      expect(devpluginCalls()).toHaveLength(1);
    });

    it.each([
      ['404 from a wrong base URL', 'http404' as const, 404, 'POST /wxa/devplugin is not served'],
      ['429 from a proxy', 'http429' as const, 429, '429 Too Many Requests'],
      ['500', 'http500' as const, 500, 'Internal Server Error'],
    ])('rejects with HTTP_ERROR carrying the status on HTTP %s', async (_, mode, status, excerpt) => {
      wechat.mode = mode;
      const https = client();

      const error = await rejectionOf(https.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()));

      expect(error).toMatchObject({ errCode: HTTPS_FAILURE_CODES.httpStatus, httpStatus: status });
      expect(error.errMsg).toContain(`HTTP ${status}: `);
      expect(error.errMsg).toContain(excerpt);
      expect(error.errMsg).toContain('access_token=***');
    });

    it("keeps WeChat's own errcode when a gateway relays it under another status", async () => {
      wechat.mode = 'http503WeChatBusy';
      const https = client();

      const error = await rejectionOf(https.listApplications(1, 10, aMinuteFromNow()));

      expect(error).toMatchObject({ errCode: -1, errMsg: 'system error rid: 9', httpStatus: undefined });
    });

    it.each([
      [404, 'http404' as const, 1, false],
      [429, 'http429' as const, 1, true],
      [500, 'http500' as const, 4, true],
    ])('sends a decision answered HTTP %i (%s) %i time(s) in all: only a 5xx is retried at once', async (status, mode, sends, retryable) => {
      wechat.mode = mode;
      const https = client();
      const deadline: Deadline = { at: Date.now() + 60_000, now: Date.now };
      const fast: RetryOptions = { ...DEFAULT_RETRY, sleep: async () => undefined };

      const thrown = await withRetries(() => https.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()), deadline, fast).catch(
        (e: unknown) => e,
      );
      const error = thrown instanceof WeChatApiError ? wechatError(thrown.errCode, thrown.errMsg, thrown.httpStatus) : null;

      expect(devpluginCalls()).toHaveLength(sends);
      expect(error).toMatchObject({ code: 'HTTP_ERROR', errCode: -700002, retryable, httpStatus: status });
    });

    it('throws at construction on a runtime without fetch unless one is passed', () => {
      const saved = globalThis.fetch;
      Reflect.deleteProperty(globalThis, 'fetch');
      try {
        expect(() => createHttpsClient({ appid: PLUGIN_APPID, secret: SECRET })).toThrow(/Node\.js 18/);
        expect(() => createHttpsClient({ appid: PLUGIN_APPID, secret: SECRET, fetch: saved })).not.toThrow();
      } finally {
        globalThis.fetch = saved;
      }
    });

    it('uses the fetch it is given', async () => {
      const calls: string[] = [];
      const counting: typeof fetch = (input, init) => {
        calls.push(new URL(String(input)).pathname);
        return fetch(input, init);
      };
      const https = client({ fetch: counting });

      await https.listApplications(1, 10, aMinuteFromNow());

      expect(calls).toStrictEqual(['/cgi-bin/stable_token', '/wxa/devplugin']);
    });
  });

  describe('secrets', () => {
    it('never puts the token or the secret in an error, even when WeChat echoes the token', async () => {
      const https = client();
      await https.listApplications(1, 10, aMinuteFromNow());
      const token = wechat.issued.at(-1) ?? '';
      wechat.reply = { errcode: 40003, errmsg: `invalid openid for access_token=${token} (${token}) rid: 7` };

      const error = await rejectionOf(https.setApplyStatus({ action: 'dev_agree', appid: APPLICANT }, aMinuteFromNow()));

      expect(error.errMsg).toBe('invalid openid for access_token=*** (***) rid: 7');
      expect(inspect(error)).not.toContain(token);
    });

    it('never puts the token in an error when the URL cannot be parsed', async () => {
      const tokens: AccessTokenCache = { get: async () => 'ACCESS_TOKEN_STUB_9b74c989', invalidate: () => undefined };
      const https = client({ baseUrl: 'http://127.0.0.1:notaport', tokens });

      const error = await rejectionOf(https.listApplications(1, 10, aMinuteFromNow()));

      expect(error.errCode).toBe(-700001);
      expect(inspect(error)).not.toContain('ACCESS_TOKEN_STUB_9b74c989');
    });

    it('keeps the secret out of the client object itself', () => {
      const https = client();

      const shown = `${inspect(https, { depth: 5, showHidden: true })}${JSON.stringify(https)}`;

      expect(shown).not.toContain(SECRET);
    });
  });
});
