import type { LocalCloud } from '../../localcloud/server';
import { LOCAL_ROBOT_KEY, startLocalCloud } from '../../localcloud/server';

describe('POST /cgi-bin/webhook/send: the local WeCom robot', () => {
  let cloud: LocalCloud;
  const logged: string[] = [];

  const send = async (body: unknown, key: string | null = LOCAL_ROBOT_KEY, signal?: AbortSignal): Promise<Response> =>
    fetch(`${cloud.url}/cgi-bin/webhook/send${key === null ? '' : `?key=${key}`}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...(signal === undefined ? {} : { signal }),
    });
  const markdown = (content: string): unknown => ({ msgtype: 'markdown', markdown: { content } });
  const robot = async (): Promise<unknown[]> => ((await (await fetch(`${cloud.url}/_local/robot`)).json()) as { messages: unknown[] }).messages;
  const fault = (body: unknown): Promise<Response> =>
    fetch(`${cloud.url}/_local/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, now: () => Date.parse('2027-01-15T02:00:00Z'), log: (line) => logged.push(line) });
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(() => cloud.reset());

  it('answers {"errcode":0,"errmsg":"ok"} and shows the message at GET /_local/robot', async () => {
    const res = await send(markdown('## 3 个新申请'));

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(await robot()).toEqual([{ at: '2027-01-15T02:00:00.000Z', msgtype: 'markdown', content: '## 3 个新申请', mentioned: [], bytes: 17 }]);
    expect(cloud.robotMessages()).toEqual(await robot());
  });

  it('answers a wrong key with 93000 and a body that is not JSON with 40035, both with HTTP 200, recording nothing', async () => {
    const wrongKey = await (await send(markdown('x'), 'someone-elses-key')).json();
    const notJson = await send('{"msgtype":');

    expect(wrongKey).toMatchObject({ errcode: 93000 });
    expect(notJson.status).toBe(200);
    expect(await notJson.json()).toMatchObject({ errcode: 40035 });
    expect(await robot()).toEqual([]);
  });

  it('records each post in the call log as the robot API, without the key', async () => {
    await send(markdown('x'));

    const [call] = cloud.calls();

    expect(call).toMatchObject({ transport: 'https', api: 'robot', action: 'markdown', errcode: 0, request: { msgtype: 'markdown' } });
    expect(JSON.stringify(cloud.calls())).not.toContain(LOCAL_ROBOT_KEY);
  });

  it('masks the key in the request log: anyone with it can post to the group', async () => {
    await send(markdown('x'));

    expect(logged.join('\n')).toContain('POST /cgi-bin/webhook/send?key=*** 200');
    expect(logged.join('\n')).not.toContain(LOCAL_ROBOT_KEY);
  });

  it('empties on DELETE /_local/robot and on reset', async () => {
    await send(markdown('one'));
    const deleted = await (await fetch(`${cloud.url}/_local/robot`, { method: 'DELETE' })).json();
    await send(markdown('two'));

    cloud.reset();

    expect(deleted).toEqual({ messages: [] });
    expect(await robot()).toEqual([]);
  });

  it.each([
    ['the rate limit', { kind: 'errcode', errcode: 45009 }, { errcode: 45009 }],
    ['a bad key', { kind: 'errcode', errcode: 93000, message: 'invalid webhook url' }, { errcode: 93000, errmsg: 'invalid webhook url' }],
    ['an oversize message', { kind: 'errcode', errcode: 40058 }, { errcode: 40058 }],
  ])('plays %s from a fault with "api": "robot", and does not post the message', async (_label, injected, answer) => {
    await fault({ ...injected, api: 'robot' });

    const res = await send(markdown('x'));

    expect(await res.json()).toMatchObject(answer);
    expect(await robot()).toEqual([]);
    expect(cloud.calls()[0]).toMatchObject({ api: 'robot', fault: 'errcode', errcode: answer.errcode });
  });

  it('plays http500, reset and hang faults on the robot', async () => {
    await fault({ kind: 'http500', api: 'robot' });
    await fault({ kind: 'reset', api: 'robot' });
    await fault({ kind: 'hang', api: 'robot' });

    const failed = await send(markdown('x'));
    const reset = await send(markdown('x')).then(
      () => 'answered',
      (error: unknown) => String(error),
    );
    const hung = await send(markdown('x'), LOCAL_ROBOT_KEY, AbortSignal.timeout(1000)).then(
      () => 'answered',
      (error: unknown) => (error as Error).name,
    );

    expect(failed.status).toBe(500);
    expect(reset).toMatch(/fetch failed/);
    expect(hung).toBe('TimeoutError');
    expect(await robot()).toEqual([]);
  });

  it('posts the message and then loses the answer on a lostAnswer fault: the group has it, the sender cannot know', async () => {
    await fault({ kind: 'lostAnswer', api: 'robot' });

    const outcome = await send(markdown('digest')).then(
      () => 'answered',
      () => 'lost',
    );

    expect(outcome).toBe('lost');
    expect(await robot()).toHaveLength(1);
  });

  it('answers something that is not JSON on malformed (nothing posted) and unreadableAnswer (posted) faults', async () => {
    await fault({ kind: 'malformed', api: 'robot' });
    await fault({ kind: 'unreadableAnswer', api: 'robot' });

    const malformed = await send(markdown('first'));
    const malformedText = await malformed.text();
    const unreadable = await (await send(markdown('second'))).text();

    expect(malformed.headers.get('content-type')).toMatch(/^text\/html/);
    expect(() => JSON.parse(malformedText) as unknown).toThrow();
    expect(() => JSON.parse(unreadable) as unknown).toThrow();
    expect(cloud.robotMessages().map((message) => message.content)).toEqual(['second']);
  });

  it('leaves the robot alone for a fault that names no api, and refuses faults that cannot apply to it', async () => {
    await fault({ kind: 'errcode', errcode: -1 });
    const byAction = await fault({ kind: 'errcode', api: 'robot', action: 'dev_agree' });
    const cloudKind = await fault({ kind: 'tcbError', api: 'robot' });

    const res = await send(markdown('x'));

    expect(await res.json()).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(byAction.status).toBe(400);
    expect(await byAction.json()).toEqual({ error: expect.stringMatching(/cannot narrow robot/) });
    expect(await cloudKind.json()).toEqual({ error: expect.stringMatching(/tcbError is the cloud protocol's/) });
  });

  it('counts the rate limit on the model clock: 20 in a minute, then 45009', async () => {
    for (let i = 0; i < 20; i += 1) expect(await (await send(markdown(`m${i}`))).json()).toMatchObject({ errcode: 0 });

    const refused = await (await send(markdown('m20'))).json();
    await cloud.advanceClock(60_000);
    const later = await (await send(markdown('m21'))).json();

    expect(refused).toMatchObject({ errcode: 45009 });
    expect(later).toMatchObject({ errcode: 0 });
  });
});
