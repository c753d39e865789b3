/**
 * What the local cloud refuses before any handler runs: bodies past its limits, requests from other web sites or
 * for other host names, non-JSON bodies on the page's endpoints, malformed paths; and what its request log hides.
 */
import { request } from 'node:http';
import type { LocalCloud } from '../../localcloud/server';
import { localAccount, startLocalCloud } from '../../localcloud/server';
import { loggedTarget } from '../../localcloud/requestLog';
import { jsonDepth } from '../../localcloud/httpIo';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/** One raw HTTP request (fetch cannot set Host, and always sends a body in one piece). */
function send(
  url: string,
  {
    method = 'POST',
    path,
    headers = {},
    body,
    chunks,
  }: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> });
      });
    });
    req.on('error', reject);
    if (chunks !== undefined) {
      for (const chunk of chunks) req.write(chunk);
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** A multipart/form-data body with the given text fields. */
function multipart(fields: ReadonlyArray<readonly [string, string]>): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----localcloudtest';
  const parts = fields.map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const body = Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) } };
}

const agreeBody = JSON.stringify({ data: { action: 'dev_agree', appid: 'wx3f9a1c2b7d4e6058' } });

describe('local cloud request guard', () => {
  let cloud: LocalCloud;
  let logged: string[];

  beforeAll(async () => {
    logged = [];
    cloud = await startLocalCloud({ port: 0, functionEnv: { PLUGIN_ADMIN_OPENIDS: localAccount.openid }, log: (line) => logged.push(line) });
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(() => {
    cloud.reset();
    logged.length = 0;
  });

  const statusOf = (appid: string): number | undefined => cloud.applications().find((item) => item.appid === appid)?.status;

  describe('body size', () => {
    const twoMiB = Buffer.alloc(2 * 1024 * 1024, 'a');

    it.each([
      ['/functions/setPluginApplyStatus', 'application/json'],
      ['/_local/applications', 'application/json'],
      ['/wxa/devplugin?access_token=x', 'application/json'],
      ['/cgi-bin/stable_token', 'application/json'],
    ])('answers 413 naming the 1 MiB limit for a 2 MiB body to %s, not a connection reset', async (path, type) => {
      const method = path === '/_local/applications' ? 'PUT' : 'POST';

      const answer = await send(cloud.url, { method, path, headers: { 'content-type': type, 'content-length': String(twoMiB.length) }, body: twoMiB });

      expect(answer.status).toBe(413);
      expect(answer.json.error).toMatch(/larger than the local cloud's limit of 1 MiB/);
    });

    it('answers 413 for a chunked body that grows past 1 MiB, and keeps serving on other connections', async () => {
      const chunks = Array.from({ length: 24 }, () => Buffer.alloc(64 * 1024, 'a'));

      const answer = await send(cloud.url, { path: '/functions/setPluginApplyStatus', headers: { 'content-type': 'application/json' }, chunks });

      expect(answer.status).toBe(413);
      expect(answer.json.error).toMatch(/limit of 1 MiB/);
      expect((await fetch(`${cloud.url}/_local/applications`)).status).toBe(200);
    });
  });

  describe('multipart forms on /admin', () => {
    it('refuses a form with more fields than the SDK ever sends, naming the limit', async () => {
      const form = multipart(Array.from({ length: 40 }, (_, i) => [`f${i}`, 'x'] as const));

      const answer = await send(cloud.url, { path: '/admin/x', headers: form.headers, body: form.body });

      expect(answer.status).toBe(413);
      expect(answer.json.error).toBe('form has more than 32 fields; send less');
    });

    it('refuses a form field longer than 64 KiB, naming the field and the limit', async () => {
      const form = multipart([['apiName', 'x'.repeat(100 * 1024)]]);

      const answer = await send(cloud.url, { path: '/admin/x', headers: form.headers, body: form.body });

      expect(answer.status).toBe(413);
      expect(answer.json.error).toMatch(/form field "apiName" is longer than the limit of 64 KiB/);
    });

    it('refuses a form of many large fields once the whole passes 1 MiB, before reading the rest', async () => {
      // 30 fields of 60 KiB: each within the field limit, together past the total (the attack scaled down).
      const boundary = '----localcloudtest';
      const chunks = Array.from({ length: 30 }, (_, i) =>
        Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="f${i}"\r\n\r\n${'x'.repeat(60 * 1024)}\r\n`),
      );
      chunks.push(Buffer.from(`--${boundary}--\r\n`));

      const answer = await send(cloud.url, { path: '/admin/x', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, chunks });

      expect(answer.status).toBe(413);
      expect(answer.json.error).toMatch(/form is larger than the local cloud's limit of 1 MiB/);
    });
  });

  describe('cross-site requests', () => {
    it('refuses a plain-text POST from another web site, and the application stays pending', async () => {
      const answer = await send(cloud.url, {
        path: '/functions/setPluginApplyStatus',
        headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
        body: agreeBody,
      });

      expect(answer.status).toBe(403);
      expect(answer.json.error).toMatch(/Origin "https:\/\/evil\.example" is not the local cloud's page/);
      expect(statusOf('wx3f9a1c2b7d4e6058')).toBe(1);
      expect(cloud.calls()).toEqual([]);
    });

    it('refuses a JSON POST from another web site too', async () => {
      const answer = await send(cloud.url, {
        path: '/_local/reset',
        headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1.evil.example' },
        body: '{}',
      });

      expect(answer.status).toBe(403);
    });

    it('refuses a plain-text body to the page endpoints even without an Origin, with 415 saying to send JSON', async () => {
      const answer = await send(cloud.url, { path: '/functions/setPluginApplyStatus', headers: { 'content-type': 'text/plain' }, body: agreeBody });

      expect(answer.status).toBe(415);
      expect(answer.json.error).toMatch(/takes a JSON body: send it with "content-type: application\/json" \(got "text\/plain"\)/);
      expect(statusOf('wx3f9a1c2b7d4e6058')).toBe(1);
    });

    it.each(['evil.example', 'evil.example:3000', '127.0.0.1.nip.io'])('refuses any request for Host %s (DNS rebinding)', async (host) => {
      const answer = await send(cloud.url, { method: 'GET', path: '/_local/calls', headers: { host } });

      expect(answer.status).toBe(403);
      expect(answer.json.error).toMatch(/is not this machine/);
    });

    it("serves the page's own requests: its origin, a loopback Host, JSON", async () => {
      const port = new URL(cloud.url).port;

      const answer = await send(cloud.url, {
        path: '/functions/setPluginApplyStatus',
        headers: { 'content-type': 'application/json; charset=utf-8', origin: cloud.url, host: `localhost:${port}` },
        body: agreeBody,
      });
      const reset = await send(cloud.url, { path: '/_local/reset', headers: { origin: `http://localhost:${port}` } });

      expect(answer.status).toBe(200);
      expect(answer.json.result).toMatchObject({ ok: true, changed: true });
      expect(reset.status).toBe(200);
    });
  });

  describe('paths and the request log', () => {
    it('answers 400, not 500, for a malformed %-escape in a function name', async () => {
      const answer = await send(cloud.url, { path: '/functions/%E0%A4%A', headers: { 'content-type': 'application/json' }, body: '{}' });

      expect(answer.status).toBe(400);
      expect(answer.json.error).toMatch(/malformed %-escape/);
    });

    it('answers 400 for a malformed %-escape in the calling function of /admin', async () => {
      const answer = await send(cloud.url, { path: '/admin/%zz', headers: { 'content-type': 'application/json' }, body: '{}' });

      expect(answer.status).toBe(400);
    });

    it('masks an access token whose parameter name is percent-encoded, which the server accepts as the token', async () => {
      const tokenAnswer = await send(cloud.url, {
        path: '/cgi-bin/stable_token',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credential', appid: localAccount.appid, secret: localAccount.secret }),
      });
      const token = String(tokenAnswer.json.access_token);

      const answer = await send(cloud.url, {
        path: `/wxa/devplugin?access%5Ftoken=${token}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'dev_apply_list', page: 1, num: 1 }),
      });
      await new Promise((resolve) => setImmediate(resolve));

      expect(answer.json.errcode).toBe(0);
      expect(logged.join('\n')).not.toContain(token);
      expect(logged.some((line) => line.startsWith('POST /wxa/devplugin?access%5Ftoken=*** 200'))).toBe(true);
    });

    it.each([
      ['/wxa/devplugin?access_token=T0KEN', '/wxa/devplugin?access_token=***'],
      ['/wxa/devplugin?a=1&ACCESS_TOKEN=T0KEN&b=2', '/wxa/devplugin?a=1&ACCESS_TOKEN=***&b=2'],
      ['/wxa/devplugin?%61ccess_token=T0KEN', '/wxa/devplugin?%61ccess_token=***'],
      ['/x?secret=T0KEN', '/x?secret=***'],
      ['/x?access_token', '/x?access_token=***'],
      ['/x?a=%zz&b=1', '/x?a=%zz&b=1'],
      ['/admin/fn?env=local&seqId=1', '/admin/fn?env=local&seqId=1'],
    ])('logs %s as %s', (target, shown) => {
      expect(loggedTarget(target)).toBe(shown);
    });
  });
});

describe('jsonDepth', () => {
  it.each([
    ['{}', 1],
    ['{"a":[1,{"b":[]}]}', 4],
    ['{"a":"[[[[ \\" {{{{"}', 1],
    ['"just a string"', 0],
  ])('counts %s as %i deep, brackets inside strings aside', (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });
});
