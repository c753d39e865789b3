/**
 * What the HTTPS transport may quote of an answer (HTTP_ERROR's excerpt of the body, WeChat's errmsg) never carries
 * the AppSecret or a token, whole or in part: against a proxy on 127.0.0.1 that echoes the request it got, in the
 * core and through the built CLI (dist/plugin-apply.js).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { handleSetStatus } from '../../src/core/decisions';
import { DEFAULT_RETRY } from '../../src/core/retry';
import { WeChatApiError } from '../../src/core/wechatClient';
import { createAccessTokenCache } from '../../src/wechat/accessToken';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import { captureOutput } from '../fixtures/captureOutput';
import { aMinuteFromNow } from '../fixtures/deadline';

const PLUGIN_APPID = 'wxfeedfacefeedface';
const SECRET = '7215ee9c7d9dc2295d41402abc4b2a76';

/** Every run of this many characters of a secret counts as a leak. */
const LEAK_RUN = 8;

/** The runs of LEAK_RUN characters of `secret` found in `text`. */
export function leakedRuns(text: string, secret: string): string[] {
  const runs: string[] = [];
  for (let start = 0; start + LEAK_RUN <= secret.length; start += 1) {
    const run = secret.slice(start, start + LEAK_RUN);
    if (text.includes(run)) runs.push(run);
  }
  return runs;
}

/** How the proxy answers: a status, and a body made of the request it got (request line and body). */
interface EchoAnswer {
  status: number;
  shape: (request: string) => string;
}

/**
 * A proxy that answers stable_token with `token` (a token it issues, or an echo) and every other request with
 * `other`, both echoing the request they got.
 */
async function startEchoingProxy(): Promise<{
  baseUrl: string;
  token: EchoAnswer | 'issue';
  other: EchoAnswer;
  issued: string[];
  close(): Promise<void>;
}> {
  const proxy = {
    baseUrl: '',
    token: 'issue' as EchoAnswer | 'issue',
    other: { status: 400, shape: (request: string): string => request } as EchoAnswer,
    issued: [] as string[],
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const echo = `${request.method ?? ''} ${request.url ?? ''} ${Buffer.concat(chunks).toString('utf8')}`;
      const isToken = (request.url ?? '').startsWith('/cgi-bin/stable_token');
      if (isToken && proxy.token === 'issue') {
        // Shaped like WeChat's: random characters, no prefix a code name could share.
        const token = randomBytes(96).toString('base64url');
        proxy.issued.push(token);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ access_token: token, expires_in: 7200 }));
        return;
      }
      const answer = isToken && proxy.token !== 'issue' ? proxy.token : proxy.other;
      response.writeHead(answer.status, { 'content-type': 'text/plain' });
      response.end(answer.shape(echo));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** Answers that echo the request: whole or in part, padded, as WeChat's errmsg or not, under any status that matters. */
const echoAnswerArb: fc.Arbitrary<EchoAnswer> = fc
  .record({
    status: fc.constantFrom(200, 200, 302, 400, 403, 404, 429, 500, 502, 503),
    padding: fc.string({ maxLength: 160 }),
    cut: fc.tuple(fc.nat({ max: 400 }), fc.nat({ max: 400 })),
    wrap: fc.constantFrom('raw', 'slice', 'repeat', 'html', 'errmsg', 'errmsgNoCode', 'whitespace'),
    errcode: fc.constantFrom(-1, 40001, 42001, 45011, 89240, 89242, 47001),
  })
  .map(({ status, padding, cut: [from, length], wrap, errcode }) => ({
    status,
    shape: (request: string): string => {
      const echoed = `${padding}${request}`;
      switch (wrap) {
        case 'slice':
          return echoed.slice(from, from + length);
        case 'repeat':
          return `${echoed} ${echoed}`;
        case 'html':
          return `<html><body><pre>${echoed}</pre></body></html>`;
        case 'errmsg':
          return JSON.stringify({ errcode, errmsg: echoed });
        case 'errmsgNoCode':
          return JSON.stringify({ errmsg: echoed.slice(from) });
        case 'whitespace':
          return echoed.replace(/,/g, ',\n\t ');
        default:
          return echoed;
      }
    },
  }));

let proxy: Awaited<ReturnType<typeof startEchoingProxy>>;

beforeAll(async () => {
  proxy = await startEchoingProxy();
});

afterAll(async () => {
  await proxy.close();
});

describe('the HTTPS transport quoting an answer that echoes the request', () => {
  it("masks an AppSecret that straddles the end of HTTP_ERROR's excerpt", async () => {
    // The echo puts the secret at character 106; padding moves it to 99, across the excerpt's 120-character cut.
    const body = JSON.stringify({ grant_type: 'client_credential', appid: PLUGIN_APPID, secret: SECRET });
    const request = `POST /cgi-bin/stable_token ${body}`;
    proxy.token = { status: 400, shape: (echo) => echo.slice(request.indexOf(SECRET) - 99) };
    const tokens = createAccessTokenCache({ appid: PLUGIN_APPID, secret: SECRET, baseUrl: proxy.baseUrl });

    const error = await tokens.get().catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(WeChatApiError);
    expect((error as WeChatApiError).errMsg).toContain('HTTP 400: OST /cgi-bin/stable_token');
    expect(leakedRuns(String(error), SECRET)).toEqual([]);
  });
});

describe('no run of the AppSecret or of a token reaches a result, an error, the log or the output', () => {
  /** Everything a run could show someone: results, errors thrown, log records, stdout/stderr/console. */
  let seen: string[];
  beforeEach(() => {
    seen = captureOutput();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    proxy.token = 'issue';
  });

  const leaksIn = (texts: readonly string[]): string[] => {
    const text = texts.join('\n');
    return [SECRET, ...proxy.issued].flatMap((secret) => leakedRuns(text, secret));
  };

  it('whatever a proxy echoing the request answers, to the token fetch or to the decision and the list', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(echoAnswerArb, { nil: undefined }),
        echoAnswerArb,
        fc.constantFrom('dev_agree', 'dev_refuse', 'dev_delete'),
        async (tokenAnswer, other, action) => {
          proxy.token = tokenAnswer ?? 'issue';
          proxy.other = other;
          const logged: unknown[] = [];
          const client = createHttpsClient({ appid: PLUGIN_APPID, secret: SECRET, baseUrl: proxy.baseUrl });
          const event = { action, appid: 'wx0123456789abcdef', ...(action === 'dev_refuse' ? { reason: 'no' } : {}) };

          const result = await handleSetStatus(event, {
            client,
            caller: { openid: 'oAdmin' },
            admins: { kind: 'listed', openids: new Set(['oAdmin']) },
            deadline: { at: Date.now() + 10_000, now: Date.now },
            log: (record) => logged.push(record),
            requestId: null,
            retry: { ...DEFAULT_RETRY, sleep: async () => undefined },
          });
          const listed = await client.listApplications(1, 10, aMinuteFromNow()).catch((thrown: unknown) => thrown);
          const shown = [JSON.stringify(result), JSON.stringify(logged), inspect(listed, { depth: 5 }), String(listed), ...seen];

          expect(leaksIn(shown)).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe('plugin-apply (dist/plugin-apply.js) against a proxy echoing the request', () => {
  const cli = join(__dirname, '../../dist/plugin-apply.js');

  const run = (args: readonly string[]): Promise<string[]> =>
    new Promise((resolve) => {
      const env = { PATH: process.env.PATH ?? '', PLUGIN_APPID: PLUGIN_APPID, PLUGIN_APPSECRET: SECRET };
      execFile(
        process.execPath,
        [cli, ...args, '--base-url', proxy.baseUrl, '--timeout', '20', '--verbose'],
        { env, timeout: 30_000 },
        (_error, stdout, stderr) => resolve([stdout, stderr]),
      );
    });

  afterEach(() => {
    proxy.token = 'issue';
  });

  it('prints no run of the AppSecret or of a token on stdout or stderr, whatever the answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(echoAnswerArb, { nil: undefined }),
        echoAnswerArb,
        fc.constantFrom(['agree', 'wx0123456789abcdef'], ['list'], ['list', '--json']),
        async (tokenAnswer, other, args) => {
          proxy.token = tokenAnswer ?? 'issue';
          proxy.other = other;

          const printed = await run(args);

          const text = printed.join('\n');
          expect([SECRET, ...proxy.issued].flatMap((secret) => leakedRuns(text, secret))).toEqual([]);
        },
      ),
      { numRuns: 16 },
    );
  }, 180_000);
});
