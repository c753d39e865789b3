/**
 * The HTTPS transport against an upstream on 127.0.0.1 that answers without end: it reads at most
 * MAX_RESPONSE_BYTES, stops the upstream, and answers HTTPS_RESPONSE_TOO_LARGE promptly, whatever the upstream sends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessTokenCache } from '../../src/wechat/accessToken';
import { HTTPS_FAILURE_CODES, MAX_RESPONSE_BYTES } from '../../src/wechat/httpsPost';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import { wechatError } from '../../src/core/errorTable';
import { WeChatApiError } from '../../src/core/wechatClient';
import { aMinuteFromNow } from '../fixtures/deadline';

/** Stops a test server that the client failed to stop: far above the limit, far below what would hurt the machine. */
const SAFETY_STOP_BYTES = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, '{"appid":"wx0000000000000000","status":1},'.repeat(1600).slice(0, 64 * 1024));

type Shape = 'chunked' | 'declaredLength' | 'http404' | 'stallMidBody';

/** An upstream that streams an answer with no end, as fast as the client takes it, counting what it got rid of. */
interface EndlessUpstream {
  baseUrl: string;
  shape: Shape;
  /** Bytes the client's socket accepted (written and flushed) for the last answer. */
  bytesSent: number;
  /** Resolves when the last answer's connection closed. */
  closed: Promise<void>;
  close(): Promise<void>;
}

async function startEndlessUpstream(): Promise<EndlessUpstream> {
  let markClosed = (): void => undefined;
  const server = http.createServer((request, response) => {
    request.resume();
    upstream.bytesSent = 0;
    upstream.closed = new Promise((resolve) => {
      markClosed = resolve;
    });
    response.on('close', () => markClosed());
    const headers: http.OutgoingHttpHeaders =
      upstream.shape === 'declaredLength'
        ? { 'content-type': 'application/json', 'content-length': String(2 * 1024 ** 3) }
        : { 'content-type': 'application/json' };
    response.writeHead(upstream.shape === 'http404' ? 404 : 200, headers);
    const pump = (): void => {
      while (!response.destroyed && upstream.bytesSent < SAFETY_STOP_BYTES) {
        const more = response.write(CHUNK, (error) => {
          if (!error) upstream.bytesSent += CHUNK.length;
        });
        if (!more) {
          response.once('drain', pump);
          return;
        }
      }
      if (!response.destroyed) response.end();
    };
    response.write('{"errcode":0,"errmsg":"ok","apply_list":[');
    // Headers and the start of a body, then nothing: reading must stay under the request's time limit.
    if (upstream.shape === 'stallMidBody') return;
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstream: EndlessUpstream = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    shape: 'chunked',
    bytesSent: 0,
    closed: Promise.resolve(),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return upstream;
}

const tokens: AccessTokenCache = { get: async () => 'ACCESS_TOKEN_STUB_0b1c2d3e', invalidate: () => undefined };

let upstream: EndlessUpstream;

beforeAll(async () => {
  upstream = await startEndlessUpstream();
});

afterAll(async () => {
  await upstream.close();
});

async function listFromUpstream(requestTimeoutMs?: number): Promise<{ error: WeChatApiError; elapsedMs: number }> {
  const client = createHttpsClient({
    appid: 'wxfeedfacefeedface',
    secret: 'unused-secret',
    baseUrl: upstream.baseUrl,
    tokens,
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  });
  const startedAt = Date.now();
  const thrown = await client.listApplications(1, 100, aMinuteFromNow()).catch((error: unknown) => error);
  const elapsedMs = Date.now() - startedAt;
  if (!(thrown instanceof WeChatApiError)) throw new Error(`expected a WeChatApiError, got ${String(thrown)}`);
  return { error: thrown, elapsedMs };
}

describe('HTTPS transport: answers larger than MAX_RESPONSE_BYTES', () => {
  it('stops reading an endless answer, stops the upstream and answers HTTPS_RESPONSE_TOO_LARGE promptly', async () => {
    upstream.shape = 'chunked';
    const heapBefore = process.memoryUsage().heapUsed;

    const { error, elapsedMs } = await listFromUpstream();
    await upstream.closed;
    if (process.env.SHOW_FIGURES === '1') process.stderr.write(`sent ${upstream.bytesSent} bytes in ${elapsedMs} ms\n`);

    expect(error.errCode).toBe(HTTPS_FAILURE_CODES.tooLarge);
    expect(error.errMsg).toContain(`longer than ${MAX_RESPONSE_BYTES} bytes`);
    expect(error.errMsg).not.toContain('ACCESS_TOKEN_STUB_0b1c2d3e');
    expect(wechatError(error.errCode, error.errMsg)).toMatchObject({ code: 'HTTPS_RESPONSE_TOO_LARGE', retryable: true });
    expect(elapsedMs).toBeLessThan(3000);
    // What the upstream got rid of bounds what could have been buffered: the limit plus the sockets' own buffers.
    expect(upstream.bytesSent).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses an answer whose declared length is past the limit without reading it', async () => {
    upstream.shape = 'declaredLength';

    const { error, elapsedMs } = await listFromUpstream();
    await upstream.closed;

    expect(error.errCode).toBe(HTTPS_FAILURE_CODES.tooLarge);
    expect(elapsedMs).toBeLessThan(3000);
    expect(upstream.bytesSent).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1024 * 1024);
  });

  it('answers OPENAPI_TIMEOUT when the body stops coming, reading chunk by chunk under the same time limit', async () => {
    upstream.shape = 'stallMidBody';

    const { error, elapsedMs } = await listFromUpstream(300);
    await upstream.closed;

    expect(error.errCode).toBe(HTTPS_FAILURE_CODES.timeout);
    expect(elapsedMs).toBeLessThan(2000);
  });

  it('reports an endless error page as the HTTP status it came with', async () => {
    upstream.shape = 'http404';

    const { error } = await listFromUpstream();
    await upstream.closed;

    expect(error).toMatchObject({ errCode: HTTPS_FAILURE_CODES.httpStatus, httpStatus: 404 });
    expect(upstream.bytesSent).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1024 * 1024);
  });
});
