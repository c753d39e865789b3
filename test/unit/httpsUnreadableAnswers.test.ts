/**
 * Answers over HTTPS that arrive but cannot be read — cut short, not JSON, not WeChat's shape — against a WeChat
 * stand-in on 127.0.0.1 that applies each decision before answering, as a real upstream behind a broken proxy may.
 * After such an answer the decision may well have been applied, so its outcome is unknown; before a token, nothing
 * was sent, so the outcome is known.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleSetStatus } from '../../src/core/decisions';
import type { SetStatusResult } from '../../src/core/decisions';
import { classifyFailure, OUTCOME_UNKNOWN_CODES } from '../../src/core/errorTable';
import { DEFAULT_RETRY } from '../../src/core/retry';
import { WeChatApiError } from '../../src/core/wechatClient';
import { createAccessTokenCache } from '../../src/wechat/accessToken';
import { createHttpsClient } from '../../src/wechat/httpsTransport';

const PLUGIN_APPID = 'wxfeedfacefeedface';
const SECRET = '5d41402abc4b2a765d41402abc4b2a76';
const APPLICANT = 'wx0123456789abcdef';

/** How WeChat's answer to a decision is delivered (it applied the decision first), or a refusal sent instead of applying it. */
type DecisionAnswer = 'ok' | 'cutShort' | 'closedMidBody' | 'notJson' | 'noErrcode' | { errcode: number };

interface StandIn {
  baseUrl: string;
  /** The applicant's status: 1 pending, 2 approved. */
  status: number;
  /** How the next decisions are answered, in order; after these, 'ok'. */
  decisionAnswers: DecisionAnswer[];
  decisionsReceived: number;
  /** How stable_token answers: a token, a body that is not JSON, HTTP 503, or a connection closed unanswered. */
  tokenAnswer: 'token' | 'notJson' | 'http503' | 'dropped';
  close(): Promise<void>;
}

async function startStandIn(): Promise<StandIn> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const json = (value: unknown): void => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (path === '/cgi-bin/stable_token') {
        if (standIn.tokenAnswer === 'notJson') {
          response.writeHead(200, { 'content-type': 'text/html' });
          response.end('<html><body>upstream unavailable</body></html>');
          return;
        }
        if (standIn.tokenAnswer === 'http503') {
          response.writeHead(503, { 'content-type': 'text/plain' });
          response.end('Service Unavailable');
          return;
        }
        if (standIn.tokenAnswer === 'dropped') {
          response.socket?.destroy();
          return;
        }
        json({ access_token: 'ACCESS_TOKEN_1', expires_in: 7200 });
        return;
      }
      if (body.action === 'dev_apply_list') {
        json({ errcode: 0, errmsg: 'ok', apply_list: [{ appid: APPLICANT, status: standIn.status, create_time: '1536305096' }] });
        return;
      }
      standIn.decisionsReceived += 1;
      const delivery = standIn.decisionAnswers.shift() ?? 'ok';
      if (typeof delivery === 'object') return json({ ...delivery, errmsg: `refused rid: ${delivery.errcode}` });
      // WeChat's own answer, applied first; the delivery below is what the proxy makes of it.
      const applied = body.action === 'dev_agree' && standIn.status === 1;
      if (applied) standIn.status = 2;
      const answer = JSON.stringify(applied ? { errcode: 0, errmsg: 'ok' } : { errcode: 89240, errmsg: 'not pending rid: 1' });
      if (delivery === 'ok') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(answer);
      } else if (delivery === 'cutShort') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(answer.slice(0, 12));
      } else if (delivery === 'closedMidBody') {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(answer.length) });
        response.write(answer.slice(0, 12));
        setTimeout(() => response.socket?.destroy(), 10);
      } else if (delivery === 'notJson') {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html><body>502 Bad Gateway</body></html>');
      } else {
        json({ ok: true });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const standIn: StandIn = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    status: 1,
    decisionAnswers: [],
    decisionsReceived: 0,
    tokenAnswer: 'token',
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return standIn;
}

let wechat: StandIn;

beforeAll(async () => {
  wechat = await startStandIn();
});

afterAll(async () => {
  await wechat.close();
});

beforeEach(() => {
  Object.assign(wechat, { status: 1, decisionAnswers: [], decisionsReceived: 0, tokenAnswer: 'token' });
});

/** An agree through the core with the HTTPS client, retries paced at once. */
function agree(): Promise<SetStatusResult> {
  const client = createHttpsClient({ appid: PLUGIN_APPID, secret: SECRET, baseUrl: wechat.baseUrl });
  return handleSetStatus(
    { action: 'dev_agree', appid: APPLICANT },
    {
      client,
      caller: { openid: 'oAdmin' },
      admins: { kind: 'listed', openids: new Set(['oAdmin']) },
      deadline: { at: Date.now() + 20_000, now: Date.now },
      log: () => undefined,
      requestId: null,
      retry: { ...DEFAULT_RETRY, sleep: async () => undefined },
    },
  );
}

describe('a decision over HTTPS whose answer cannot be read', () => {
  it.each<[string, DecisionAnswer]>([
    ['a 200 whose JSON is cut short', 'cutShort'],
    ['a 200 whose connection closes mid-body', 'closedMidBody'],
    ['a 200 whose body is not JSON', 'notJson'],
    ['a 200 whose JSON has no errcode', 'noErrcode'],
  ])('is retried, then settled by the list like a lost answer, never answered as a known failure: %s', async (_, unreadable) => {
    wechat.decisionAnswers = [unreadable, unreadable, unreadable, unreadable];

    const result = await agree();

    expect(wechat.decisionsReceived).toBe(DEFAULT_RETRY.maxAttempts);
    // The stand-in applied the first try before garbling its answer: the list shows it done.
    expect(result).toEqual({ ok: true, action: 'dev_agree', appid: APPLICANT, changed: false });
  });

  it('is settled by the list when a retry then meets a definite failure: the unreadable try had applied it', async () => {
    wechat.decisionAnswers = ['cutShort', { errcode: 45011 }, { errcode: 45011 }, { errcode: 45011 }];

    const result = await agree();

    expect(wechat.status).toBe(2);
    expect(result).toEqual({ ok: true, action: 'dev_agree', appid: APPLICANT, changed: false });
  });
});

describe('a token fetch whose answer cannot be read', () => {
  it('fails as a known outcome: without a token no decision was sent', async () => {
    wechat.tokenAnswer = 'notJson';
    const tokens = createAccessTokenCache({ appid: PLUGIN_APPID, secret: SECRET, baseUrl: wechat.baseUrl });

    const error = await tokens.get().catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(WeChatApiError);
    const { errMsg } = error as WeChatApiError;
    expect(classifyFailure(error)?.outcome).toBe('known');
    expect(errMsg).toContain('no decision was sent');
    expect(wechat.decisionsReceived).toBe(0);
  });
});

describe('a decision over HTTPS whose access token cannot be fetched', () => {
  it.each<[string, StandIn['tokenAnswer']]>([
    ['answers a body that is not JSON', 'notJson'],
    ['answers HTTP 503', 'http503'],
    ['drops the connection', 'dropped'],
  ])('fails as ACCESS_TOKEN_UNAVAILABLE, outcome known, when stable_token %s: no decision was sent', async (_, tokenAnswer) => {
    wechat.tokenAnswer = tokenAnswer;

    const result = await agree();

    expect(result).toMatchObject({ ok: false, error: { code: 'ACCESS_TOKEN_UNAVAILABLE', errCode: -700005, retryable: true } });
    const error = (result as { error: { code: string; hintEn: string; raw: string } }).error;
    expect(OUTCOME_UNKNOWN_CODES.has(error.code)).toBe(false);
    expect(error.hintEn).toBe(`Nothing was sent: check that this server reaches ${wechat.baseUrl}/cgi-bin/stable_token, then try again later.`);
    expect(error.raw).toContain('no decision was sent');
    expect(wechat.decisionsReceived).toBe(0);
  });
});
