/**
 * The WeCom robot client (src/wechat/robot.ts) against a robot stand-in on 127.0.0.1: what it sends, how each failure
 * reads, and that the key appears in no answer.
 */
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { createRobotClient } from '../../src/wechat/robot';

const KEY = '693a91f6-7aaa-4bc4-97a0-0ec2bdfa5aaa';

let server: Server;
let answer: (request: IncomingMessage, response: ServerResponse) => void;
const received: Array<{ url: string; body: unknown }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ url: request.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

const url = (): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}/cgi-bin/webhook/send?key=${KEY}`;
const json = (status: number, body: unknown) => (_: IncomingMessage, response: ServerResponse) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

describe('the robot client', () => {
  it('posts one markdown message and reads errcode 0 as sent', async () => {
    answer = json(200, { errcode: 0, errmsg: 'ok' });

    const result = await createRobotClient(url()).send('**hi**', 2000);

    expect(result).toEqual({ ok: true });
    expect(received).toEqual([{ url: `/cgi-bin/webhook/send?key=${KEY}`, body: { msgtype: 'markdown', markdown: { content: '**hi**' } } }]);
  });

  it.each([
    [45009, 'ROBOT_RATE_LIMITED'],
    [93000, 'ROBOT_BAD_KEY'],
    [40058, 'ROBOT_MESSAGE_TOO_LONG'],
    [40008, 'ROBOT_ERROR'],
  ])("reads errcode %i as %s, with the key masked out of WeCom's text", async (errcode, code) => {
    answer = json(200, { errcode, errmsg: `failed, hint: [key ${KEY}] more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}` });

    const result = await createRobotClient(url()).send('x', 2000);

    expect(result).toMatchObject({ ok: false, code, errCode: errcode });
    expect(JSON.stringify(result)).not.toContain(KEY.slice(0, 8));
  });

  it("reads an answer that is not the robot's as ROBOT_UNREADABLE_ANSWER", async () => {
    answer = (_, response) => {
      response.writeHead(502);
      response.end(`<html>bad gateway for key=${KEY}</html>`);
    };

    const result = await createRobotClient(url()).send('x', 2000);

    expect(result).toMatchObject({ ok: false, code: 'ROBOT_UNREADABLE_ANSWER', errCode: null, detail: expect.stringContaining('HTTP 502') });
    expect(JSON.stringify(result)).not.toContain(KEY.slice(0, 8));
  });

  it('gives up on a robot that does not answer in time', async () => {
    answer = () => undefined;

    const result = await createRobotClient(url()).send('x', 50);

    expect(result).toMatchObject({ ok: false, code: 'ROBOT_UNREACHABLE', detail: expect.stringContaining('no answer within 50 ms') });
    expect(JSON.stringify(result)).not.toContain(KEY.slice(0, 8));
  });

  it('reads a refused connection as ROBOT_UNREACHABLE, without the key', async () => {
    const result = await createRobotClient(`http://127.0.0.1:1/cgi-bin/webhook/send?key=${KEY}`).send('x', 2000);

    expect(result).toMatchObject({ ok: false, code: 'ROBOT_UNREACHABLE', detail: expect.stringContaining('ECONNREFUSED') });
    expect(JSON.stringify(result)).not.toContain(KEY.slice(0, 8));
  });

  it('stops reading an answer past 64 KiB', async () => {
    answer = (_, response) => {
      response.writeHead(200);
      response.end('x'.repeat(100 * 1024));
    };

    const result = await createRobotClient(url()).send('x', 2000);

    expect(result).toMatchObject({ ok: false, code: 'ROBOT_UNREACHABLE', detail: expect.stringContaining('longer than') });
  });
});
