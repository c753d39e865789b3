import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCloudListClient } from '../../src/wechat/cloudTransport';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import { WeChatApiError } from '../../src/core/wechatClient';
import { HTTP_ERROR_CODE } from '../../src/core/errorTable';
import { aMinuteFromNow } from '../fixtures/deadline';

const appid = 'wx0123456789abcdef';
const secret = '0123456789abcdef0123456789abcdef';

type Answer = { status: number; headers?: Record<string, string>; body?: string };

async function serve(handler: (url: string) => Answer): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${body}`);
      const answer = handler(req.url ?? '');
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const token: Answer = { status: 200, body: JSON.stringify({ access_token: 'TOKEN', expires_in: 7200 }) };
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('createHttpsClient with answers it must not trust', () => {
  it.each([307, 308])('never sends the AppSecret to the origin a %i from stable_token points at, and reports HTTP_ERROR', async (status) => {
    // Arrange
    const elsewhere = await serve(() => token);
    const wechat = await serve((url) =>
      url.startsWith('/cgi-bin/stable_token')
        ? { status, headers: { location: `${elsewhere.url}/cgi-bin/stable_token` } }
        : { status: 200, body: JSON.stringify({ errcode: 0, apply_list: [] }) },
    );
    servers.push(elsewhere.server, wechat.server);
    const client = createHttpsClient({ appid, secret, baseUrl: wechat.url });

    // Act
    const thrown = await client.listApplications(1, 10, aMinuteFromNow()).then(
      () => null,
      (error: unknown) => error,
    );

    // Assert
    expect(elsewhere.seen).toEqual([]);
    expect(thrown).toBeInstanceOf(WeChatApiError);
    expect((thrown as WeChatApiError).errCode).toBe(HTTP_ERROR_CODE);
    expect((thrown as WeChatApiError).httpStatus).toBe(status);
  });

  it('reports a 302 from /wxa/devplugin as HTTP_ERROR with its status and does not follow it', async () => {
    // Arrange
    const wechat = await serve((url) =>
      url.startsWith('/cgi-bin/stable_token')
        ? token
        : url.startsWith('/wxa/devplugin')
          ? { status: 302, headers: { location: '/moved' } }
          : { status: 200, body: '{"ok":1}' },
    );
    servers.push(wechat.server);
    const client = createHttpsClient({ appid, secret, baseUrl: wechat.url });

    // Act
    const thrown = await client.setApplyStatus({ action: 'dev_agree', appid: 'wx1111111111111111' }, aMinuteFromNow()).then(
      () => null,
      (error: unknown) => error,
    );

    // Assert
    expect(thrown).toBeInstanceOf(WeChatApiError);
    expect((thrown as WeChatApiError).errCode).toBe(HTTP_ERROR_CODE);
    expect((thrown as WeChatApiError).httpStatus).toBe(302);
    expect(wechat.seen.some((request) => request.startsWith('GET /moved'))).toBe(false);
  });

  it('refuses {"errcode":0} without apply_list instead of reading it as an empty page', async () => {
    // Arrange
    const wechat = await serve((url) =>
      url.startsWith('/cgi-bin/stable_token') ? token : { status: 200, body: JSON.stringify({ errcode: 0, errmsg: 'ok' }) },
    );
    servers.push(wechat.server);
    const client = createHttpsClient({ appid, secret, baseUrl: wechat.url });

    // Act / Assert
    await expect(client.listApplications(1, 10, aMinuteFromNow())).rejects.toThrow(/no apply_list/);
  });
});

describe('createCloudListClient with an answer that has no list', () => {
  it('refuses an ok answer without applyList instead of reading it as an empty page', async () => {
    // Arrange: what wx-server-sdk resolves when WeChat's body has errcode 0 and nothing else.
    const openapi = {
      pluginManager: {
        getPluginDevApplyList: (): Promise<unknown> => Promise.resolve({ errMsg: 'openapi.pluginManager.getPluginDevApplyList:ok', errCode: 0 }),
      },
    };

    // Act / Assert
    await expect(createCloudListClient(openapi as never).listApplications(1, 10, aMinuteFromNow())).rejects.toBeInstanceOf(WeChatApiError);
  });
});
