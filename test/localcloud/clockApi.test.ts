import type { Application, LocalCloud } from '../../localcloud/server';
import { localAccount, startLocalCloud } from '../../localcloud/server';
import { application } from './applications.fixture';

const HOUR = 3600_000;
/** The base clock of these tests: 2027-01-15T02:00:00Z, frozen unless a test moves it. */
const BASE = Date.parse('2027-01-15T02:00:00Z');

function createdHoursAgo(appid: string, status: Application['status'], hours: number): Application {
  return { ...application(appid, status), create_time: String(Math.floor((BASE - hours * HOUR) / 1000)) };
}

const FRESH = 'wx0000000000000001';
const AGEING = 'wx0000000000000002';
const DONE = 'wx0000000000000003';

describe('model time: /_local/clock, timeouts and new applications', () => {
  let cloud: LocalCloud;
  let base = BASE;

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${cloud.url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const statusOf = (appid: string): number | undefined => cloud.applications().find((item) => item.appid === appid)?.status;

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      applications: [createdHoursAgo(FRESH, 1, 1), createdHoursAgo(AGEING, 1, 13), createdHoursAgo(DONE, 2, 100)],
      applyTimeoutMs: 24 * HOUR,
      now: () => base,
    });
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(() => {
    base = BASE;
    cloud.reset();
  });

  it("shows the model's now, how far it was moved and the timeout", async () => {
    const { status, body } = await call('GET', '/_local/clock');

    expect(status).toBe(200);
    expect(body).toEqual({ now: '2027-01-15T02:00:00.000Z', offsetMs: 0, applyTimeoutMs: 24 * HOUR });
  });

  it('moves the clock ahead and names the applications that timed out on the way', async () => {
    const { status, body } = await call('POST', '/_local/clock', { advance: '12h' });

    expect(status).toBe(200);
    expect(body).toEqual({ now: '2027-01-15T14:00:00.000Z', offsetMs: 12 * HOUR, applyTimeoutMs: 24 * HOUR, timedOut: [AGEING], triggered: [] });
    expect([statusOf(FRESH), statusOf(AGEING), statusOf(DONE)]).toEqual([1, 4, 2]);
    expect(cloud.now()).toBe(BASE + 12 * HOUR);
  });

  it.each([
    [{ advance: '90m' }, 90 * 60_000],
    [{ advance: '30s' }, 30_000],
    [{ advanceMs: 5000 }, 5000],
  ])('takes %j', async (request, ms) => {
    const { body } = await call('POST', '/_local/clock', request);

    expect(body.offsetMs).toBe(ms);
  });

  it('refuses a body it cannot read, or a step back, with 400 saying what it takes', async () => {
    const back = await call('POST', '/_local/clock', { advanceMs: -1000 });
    const vague = await call('POST', '/_local/clock', { advance: 'a while' });

    expect(back).toEqual({ status: 400, body: { error: expect.stringMatching(/only moves forward/) } });
    expect(vague).toEqual({ status: 400, body: { error: expect.stringMatching(/advance must be like "30s"/) } });
    expect(cloud.now()).toBe(BASE);
  });

  it('never lists a pending application past its timeout, even when only the base clock moved', async () => {
    base = BASE + 11 * HOUR;

    const { body } = await call('GET', '/_local/applications');

    expect((body.applications as Application[]).find((item) => item.appid === AGEING)?.status).toBe(4);
  });

  it('answers dev_apply_list with the timed-out status, and refuses to agree to a timed-out application with 89240', async () => {
    const token = await call('POST', '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: localAccount.appid, secret: localAccount.secret });
    const devplugin = (body: unknown): Promise<{ status: number; body: Record<string, unknown> }> =>
      call('POST', `/wxa/devplugin?access_token=${String(token.body.access_token)}`, body);
    base = BASE + 11 * HOUR;

    const list = await devplugin({ action: 'dev_apply_list', page: 1, num: 10 });
    const agree = await devplugin({ action: 'dev_agree', appid: AGEING });

    expect((list.body.apply_list as Application[]).map((item) => [item.appid, item.status])).toEqual([
      [FRESH, 1],
      [AGEING, 4],
      [DONE, 2],
    ]);
    expect(agree.body.errcode).toBe(89240);
  });

  it("gives the database's serverDate the model's now", async () => {
    await call('POST', '/_local/clock', { advance: '2d' });

    expect(cloud.database.now().toISOString()).toBe('2027-01-17T02:00:00.000Z');
  });

  it("adds a new pending application that arrives at the model's now, and times it out a timeout later", async () => {
    await call('POST', '/_local/clock', { advance: '1h' });

    const added = await call('POST', '/_local/applications', {
      appid: 'wx00000000000000aa',
      nickname: '新来的',
      categories: [{ first: '工具', second: '效率' }],
      reason: '想试试',
    });
    const later = await call('POST', '/_local/clock', { advance: '24h' });

    expect(added.status).toBe(201);
    expect(added.body.application).toMatchObject({ appid: 'wx00000000000000aa', status: 1, create_time: String((BASE + HOUR) / 1000), reason: '想试试' });
    expect(later.body.timedOut).toEqual([FRESH, AGEING, 'wx00000000000000aa']);
  });

  it('refuses a new application whose appid is listed already (409) or whose fields are wrong (400)', async () => {
    const twice = await call('POST', '/_local/applications', { appid: FRESH, nickname: 'again' });
    const wrong = await call('POST', '/_local/applications', { appid: 'wx1', nickname: 'n' });

    expect(twice).toEqual({ status: 409, body: { error: expect.stringMatching(/already in the list/) } });
    expect(wrong).toEqual({ status: 400, body: { error: expect.stringMatching(/appid must be "wx" and 16 hexadecimal digits/) } });
    expect(cloud.applications()).toHaveLength(3);
  });

  it('puts the clock back to its base on reset, with the list as it was', async () => {
    await call('POST', '/_local/clock', { advance: '12h' });

    await call('POST', '/_local/reset');

    expect(cloud.now()).toBe(BASE);
    expect(statusOf(AGEING)).toBe(1);
  });

  it('moves time from a test the same way', async () => {
    const timedOut = await cloud.advanceClock(12 * HOUR);

    expect(timedOut).toEqual([AGEING]);
    await expect(cloud.advanceClock(0)).rejects.toThrow(/only moves forward/);
  });
});

describe('a recent seed', () => {
  it('moves the seed so its newest application arrives now, so none times out on arrival, again after a reset', async () => {
    let base = BASE;
    const cloud = await startLocalCloud({ port: 0, applyTimeoutMs: 24 * HOUR, recentSeed: true, now: () => base });
    try {
      const pendingAtStart = cloud.applications().filter((item) => item.status === 1).length;
      const newest = Math.max(...cloud.applications().map((item) => Number(item.create_time)));
      base = BASE + 30 * 24 * HOUR;
      cloud.reset();

      expect(pendingAtStart).toBe(3);
      expect(newest * 1000).toBe(BASE);
      expect(cloud.applications().filter((item) => item.status === 1)).toHaveLength(3);
    } finally {
      await cloud.close();
    }
  });
});
