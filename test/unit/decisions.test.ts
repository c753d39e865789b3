/**
 * The decision core (decide, batches) with a scripted transport: idempotent outcomes, retries within the
 * deadline, batch ordering, concurrency and deadline cuts.
 */
import { WeChatApiError } from '../../src/core/wechatClient';
import type { DecisionRequest, PluginApplyClient, RawApplication } from '../../src/core/wechatClient';
import type { RetryOptions } from '../../src/core/retry';
import type { SetStatusDeps } from '../../src/core/decisions';
import { BATCH_MAX_ITEMS } from '../../src/core/batch';
import { handleSetStatus } from '../../src/core/decisions';
import type { LogRecord } from '../../src/core/log';

const ADMIN = 'oAdmin';
const appidOf = (n: number): string => `wx${n.toString(16).padStart(16, '0')}`;

/** A transport whose answers a test scripts, recording what it was sent. */
function scriptedClient(
  answer: (request: DecisionRequest) => Promise<void>,
  list: RawApplication[] = [],
): PluginApplyClient & { sent: DecisionRequest[]; listCalls: number } {
  const client = {
    sent: [] as DecisionRequest[],
    listCalls: 0,
    async setApplyStatus(request: DecisionRequest) {
      client.sent.push(request);
      return answer(request);
    },
    async listApplications(page: number, num: number) {
      client.listCalls += 1;
      return list.slice((page - 1) * num, page * num);
    },
  };
  return client;
}

const noWaitRetry: RetryOptions = { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50, sleep: async () => undefined, random: () => 0.5 };

function depsWith(client: PluginApplyClient, overrides: Partial<SetStatusDeps> = {}): SetStatusDeps & { logged: LogRecord[] } {
  const logged: LogRecord[] = [];
  return {
    client,
    caller: { openid: ADMIN },
    admins: { kind: 'listed', openids: new Set([ADMIN]) },
    deadline: { at: Date.now() + 2750, now: Date.now },
    log: (record) => logged.push(record),
    requestId: 'req',
    retry: noWaitRetry,
    logged,
    ...overrides,
  };
}

const refuse = (errCode: number) => async (): Promise<void> => {
  throw new WeChatApiError(errCode, `openapi.pluginManager.setDevPluginApplyStatus:fail ${errCode}`);
};

describe('idempotent decisions', () => {
  it.each([
    ['agree', { action: 'dev_agree', appid: appidOf(1) }, 89240, 2],
    ['refuse', { action: 'dev_refuse', reason: 'r', appid: appidOf(1) }, 89240, 3],
  ])('reports an %s that was already done as success with changed: false', async (_, event, errCode, status) => {
    const client = scriptedClient(refuse(errCode), [{ appid: appidOf(1), status }]);

    const result = await handleSetStatus(event, depsWith(client));

    expect(result).toEqual({ ok: true, action: event.action, appid: appidOf(1), changed: false });
  });

  it('reports a delete of an applicant no longer listed as success with changed: false', async () => {
    const client = scriptedClient(refuse(89242), [{ appid: appidOf(2), status: 3 }]);

    const result = await handleSetStatus({ action: 'dev_delete', appid: appidOf(1) }, depsWith(client));

    expect(result).toEqual({ ok: true, action: 'dev_delete', appid: appidOf(1), changed: false });
  });

  it('names the current status when an agree meets an application already refused', async () => {
    const client = scriptedClient(refuse(89240), [{ appid: appidOf(1), status: 3 }]);

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'APPLICATION_NOT_PENDING',
        errCode: 89240,
        currentStatus: 'refused',
        message: expect.stringContaining('当前状态：已拒绝'),
        messageEn: expect.stringContaining('(currently refused)'),
      },
    });
  });

  it('finds the applicant on a later page of the list', async () => {
    const list = Array.from({ length: 250 }, (_, n) => ({ appid: appidOf(n), status: n === 240 ? 2 : 1 }));
    const client = scriptedClient(refuse(89240), list);

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(240) }, depsWith(client));

    expect(result).toMatchObject({ ok: true, changed: false });
    expect(client.listCalls).toBe(3);
  });

  it('retries a lookup that fails transiently and reports the decision already done', async () => {
    const client = scriptedClient(refuse(89240), [{ appid: appidOf(1), status: 2 }]);
    const readList = client.listApplications.bind(client);
    let reads = 0;
    client.listApplications = async (page, num, deadline) => {
      reads += 1;
      if (reads === 1) throw new WeChatApiError(-1, 'system error');
      return readList(page, num, deadline);
    };

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toEqual({ ok: true, action: 'dev_agree', appid: appidOf(1), changed: false });
  });

  it.each([
    ['keeps failing', new WeChatApiError(-1, 'system error')],
    ['is refused for quota', new WeChatApiError(45011, 'api minute-quota reach limit')],
  ])("answers OUTCOME_UNKNOWN with WeChat's own code and text, never a definite refusal, when the lookup %s", async (_, failure) => {
    const client = scriptedClient(async () => {
      throw new WeChatApiError(89240, 'openapi.pluginManager.setDevPluginApplyStatus:fail only pending rid: 1a2b');
    });
    client.listApplications = async () => {
      throw failure;
    };

    const result = await handleSetStatus({ action: 'dev_refuse', reason: 'r', appid: appidOf(1) }, depsWith(client));

    expect(result).toMatchObject({
      ok: false,
      action: 'dev_refuse',
      appid: appidOf(1),
      error: { code: 'OUTCOME_UNKNOWN', errCode: 89240, retryable: true, raw: 'openapi.pluginManager.setDevPluginApplyStatus:fail only pending rid: 1a2b' },
    });
    expect((result as { error: { hintEn: string } }).error.hintEn).toMatch(/Refresh the list/);
  });

  it('answers OUTCOME_UNKNOWN when a later page of the lookup fails before the applicant was found', async () => {
    const list = Array.from({ length: 250 }, (_, n) => ({ appid: appidOf(n), status: n === 240 ? 2 : 1 }));
    const client = scriptedClient(refuse(89240), list);
    const readList = client.listApplications.bind(client);
    client.listApplications = async (page, num, deadline) => {
      if (page === 2) throw new WeChatApiError(-1, 'system error');
      return readList(page, num, deadline);
    };

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(240) }, depsWith(client));

    expect(result).toMatchObject({ ok: false, error: { code: 'OUTCOME_UNKNOWN', errCode: 89240 } });
  });

  it('answers OUTCOME_UNKNOWN when the lookup stalls past the deadline', async () => {
    const client = scriptedClient(refuse(89242));
    client.listApplications = () => new Promise(() => undefined);

    const result = await handleSetStatus({ action: 'dev_delete', appid: appidOf(1) }, depsWith(client, { deadline: { at: Date.now() + 100, now: Date.now } }));

    expect(result).toMatchObject({ ok: false, error: { code: 'OUTCOME_UNKNOWN', errCode: 89242 } });
  });

  it("keeps WeChat's refusal for a status number it does not document", async () => {
    const client = scriptedClient(refuse(89240), [{ appid: appidOf(1), status: 5 }]);

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toMatchObject({ ok: false, error: { code: 'APPLICATION_NOT_PENDING', errCode: 89240 } });
  });

  it('reports a change it made as changed: true', async () => {
    const client = scriptedClient(async () => undefined);

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toEqual({ ok: true, action: 'dev_agree', appid: appidOf(1), changed: true });
  });
});

describe('retries', () => {
  it('retries a system-busy answer (-1) and succeeds on the second try', async () => {
    let calls = 0;
    const client = scriptedClient(async () => {
      calls += 1;
      if (calls === 1) throw new WeChatApiError(-1, 'system error');
    });
    const deps = depsWith(client);

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, deps);

    expect(result).toMatchObject({ ok: true, changed: true });
    expect(client.sent).toHaveLength(2);
    expect(deps.logged).toContainEqual(expect.objectContaining({ level: 'warn', event: 'retry', errCode: -1, attempt: 1 }));
  });

  it('turns a retry after a lost answer into changed: false rather than an error', async () => {
    let applied = false;
    const client = scriptedClient(async () => {
      if (!applied) {
        applied = true;
        throw new WeChatApiError(-501001, 'resource system error. request timeout');
      }
      throw new WeChatApiError(89240, 'only pending');
    }, [{ appid: appidOf(1), status: 2 }]);

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toMatchObject({ ok: true, changed: false });
  });

  it.each([
    ['keeps answering -1', -1],
    ['is rate limited (45011)', 45011],
  ])('reports a decision the lost try applied as done, not as a failure, when the retry %s', async (_, errCode) => {
    let tries = 0;
    const client = scriptedClient(async () => {
      tries += 1;
      throw tries === 1 ? new WeChatApiError(-501001, 'resource system error. request timeout') : new WeChatApiError(errCode, 'later failure');
    }, [{ appid: appidOf(1), status: 2 }]);

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toEqual({ ok: true, action: 'dev_agree', appid: appidOf(1), changed: false });
  });

  it('keeps the later failure when the list shows the lost try was not applied', async () => {
    let tries = 0;
    const client = scriptedClient(async () => {
      tries += 1;
      throw tries === 1 ? new WeChatApiError(-604102, 'call open API timeout') : new WeChatApiError(45011, 'api minute-quota reach limit');
    }, [{ appid: appidOf(1), status: 1 }]);

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', errCode: 45011 } });
  });

  it('answers OUTCOME_UNKNOWN keeping both codes when a refusal without appid follows a lost answer', async () => {
    let tries = 0;
    const client = scriptedClient(async () => {
      tries += 1;
      throw tries === 1 ? new WeChatApiError(-601003, 'network error') : new WeChatApiError(45011, 'api minute-quota reach limit');
    });

    const result = await handleSetStatus({ action: 'dev_refuse', reason: 'r' }, depsWith(client));

    expect(result).toMatchObject({
      ok: false,
      error: { code: 'OUTCOME_UNKNOWN', errCode: 45011, raw: 'api minute-quota reach limit', unknownTry: { errCode: -601003, raw: 'network error' } },
    });
    expect(client.listCalls).toBe(0);
  });

  it('does not skip the rest of a batch behind an item the lost try applied', async () => {
    const lost = appidOf(1);
    const others = Array.from({ length: 15 }, (_, n) => appidOf(100 + n));
    const tries = new Map<string, number>();
    const client = scriptedClient(
      async (request) => {
        const appid = request.appid ?? '';
        tries.set(appid, (tries.get(appid) ?? 0) + 1);
        if (appid !== lost) return new Promise((resolve) => setTimeout(resolve, 20));
        throw tries.get(appid) === 1 ? new WeChatApiError(-501001, 'request timeout') : new WeChatApiError(45011, 'api minute-quota reach limit');
      },
      [{ appid: lost, status: 2 }, ...others.map((appid) => ({ appid, status: 1 }))],
    );

    const result = await handleSetStatus({ items: [lost, ...others].map((appid) => ({ action: 'dev_agree', appid })) }, depsWith(client));

    expect(result).toMatchObject({ ok: true, summary: { succeeded: 16, failed: 0, notAttempted: 0, skipped: 0 } });
  });

  it('gives up after the maximum number of tries', async () => {
    const client = scriptedClient(refuse(-1));

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toMatchObject({ ok: false, error: { code: 'SYSTEM_BUSY', retryable: true } });
    expect(client.sent).toHaveLength(noWaitRetry.maxAttempts);
  });

  it.each([45009, 45011, 89240, 48001, -604101])('does not retry errCode %i', async (errCode) => {
    const client = scriptedClient(refuse(errCode));

    await handleSetStatus({ action: 'dev_refuse', reason: 'r' }, depsWith(client));

    expect(client.sent).toHaveLength(1);
  });

  it('does not start a retry that could not finish before the deadline', async () => {
    const client = scriptedClient(refuse(-1));
    const slowRetry: RetryOptions = { ...noWaitRetry, baseDelayMs: 5000, maxDelayMs: 5000, random: () => 1 };

    const result = await handleSetStatus({ action: 'dev_refuse', reason: 'r' }, depsWith(client, { retry: slowRetry }));

    expect(result).toMatchObject({ ok: false, error: { code: 'SYSTEM_BUSY' } });
    expect(client.sent).toHaveLength(1);
  });
});

describe('batches', () => {
  it('answers one result per item in input order, with a summary', async () => {
    const client = scriptedClient(async (request) => {
      if (request.appid === appidOf(2)) throw new WeChatApiError(89242, 'not in list');
    });
    const items = [
      { action: 'dev_agree', appid: appidOf(1) },
      { action: 'dev_agree', appid: appidOf(2) },
      { action: 'dev_agree', appId: appidOf(3) },
      { action: 'dev_refuse', reason: 'r', appid: appidOf(4) },
    ];

    const result = await handleSetStatus({ items }, depsWith(client));

    expect(result).toMatchObject({
      ok: true,
      results: [
        { ok: true, appid: appidOf(1), changed: true },
        { ok: false, error: { code: 'APPLICATION_NOT_FOUND' } },
        { ok: false, error: { code: 'INVALID_EVENT' } },
        { ok: true, appid: appidOf(4), action: 'dev_refuse' },
      ],
      summary: { succeeded: 2, failed: 2, notAttempted: 0 },
    });
    expect(client.sent.map((request) => request.appid).sort()).toEqual([appidOf(1), appidOf(2), appidOf(4)]);
  });

  it.each([
    ['items that are not a list', { items: 'wx1' }, /items must be a list/],
    ['an empty list', { items: [] }, /must not be empty/],
    ['too many items', { items: Array.from({ length: BATCH_MAX_ITEMS + 1 }, () => ({ action: 'dev_delete' })) }, new RegExp(`at most ${BATCH_MAX_ITEMS}`)],
    ['items next to an action', { items: [{ action: 'dev_delete' }], action: 'dev_delete' }, /unknown field .{0,2}action/],
  ])('refuses %s as a whole and sends nothing', async (_, event, message) => {
    const client = scriptedClient(async () => undefined);

    const result = await handleSetStatus(event, depsWith(client));

    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT' } });
    expect(JSON.stringify(result)).toMatch(message);
    expect(client.sent).toHaveLength(0);
  });

  it('reads the list once when a batch is sent again after it was applied', async () => {
    const listed = Array.from({ length: 350 }, (_, n) => ({ appid: appidOf(n), status: n < 200 ? 2 : 1 }));
    const client = scriptedClient(async () => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      throw new WeChatApiError(89240, 'only pending');
    }, listed);
    const items = listed.slice(0, 200).map(({ appid }) => ({ action: 'dev_agree', appid }));

    const result = await handleSetStatus({ items }, depsWith(client));

    expect(result).toMatchObject({ ok: true, summary: { succeeded: 200, failed: 0, notAttempted: 0, skipped: 0 } });
    expect((result as { results: Array<{ changed?: boolean }> }).results.every((item) => item.changed === false)).toBe(true);
    // 350 applications, 100 a page: one walk of 4 pages.
    expect(client.listCalls).toBe(4);
  });

  it('reads the list again for an item whose refusal came after the shared read', async () => {
    const [early, late] = [appidOf(1), appidOf(2)];
    const listed: RawApplication[] = [
      { appid: early, status: 2 },
      { appid: late, status: 1 },
    ];
    const client = scriptedClient(async (request) => {
      if (request.appid === late) {
        // Another admin refuses it while this agree is on its way, after the first read saw it pending.
        await new Promise((resolve) => setTimeout(resolve, 30));
        listed[1] = { appid: late, status: 3 };
      }
      throw new WeChatApiError(89240, 'only pending');
    }, listed);

    const result = await handleSetStatus(
      {
        items: [
          { action: 'dev_agree', appid: early },
          { action: 'dev_agree', appid: late },
        ],
      },
      depsWith(client),
    );

    expect(result).toMatchObject({
      ok: true,
      results: [
        { ok: true, changed: false },
        { ok: false, error: { code: 'APPLICATION_NOT_PENDING', currentStatus: 'refused' } },
      ],
    });
    expect(client.listCalls).toBe(2);
  });

  it('keeps at most 10 decisions in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const client = scriptedClient(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
    });
    const items = Array.from({ length: 50 }, (_, n) => ({ action: 'dev_agree', appid: appidOf(n) }));

    const result = await handleSetStatus({ items }, depsWith(client));

    expect(result).toMatchObject({ ok: true, summary: { succeeded: 50 } });
    expect(most).toBe(10);
  });

  it('marks the items the deadline leaves unstarted NOT_ATTEMPTED, never half-done', async () => {
    const client = scriptedClient(() => new Promise((resolve) => setTimeout(resolve, 60)));
    const items = Array.from({ length: 80 }, (_, n) => ({ action: 'dev_agree', appid: appidOf(n) }));

    const result = await handleSetStatus({ items }, depsWith(client, { deadline: { at: Date.now() + 300, now: Date.now } }));

    expect(result.ok).toBe(true);
    const { results, summary } = result as {
      results: Array<{ ok: boolean; error?: { code: string } }>;
      summary: { succeeded: number; failed: number; notAttempted: number };
    };
    expect(summary.notAttempted).toBeGreaterThan(0);
    expect(summary.succeeded + summary.notAttempted + summary.failed).toBe(80);
    expect(results.filter((r) => !r.ok && r.error?.code !== 'NOT_ATTEMPTED')).toEqual([]);
    expect(client.sent).toHaveLength(summary.succeeded);
  });

  it("refuses a stranger's batch as a whole", async () => {
    const client = scriptedClient(async () => undefined);

    const result = await handleSetStatus({ items: [{ action: 'dev_delete' }] }, depsWith(client, { caller: { openid: 'oStranger' } }));

    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(client.sent).toHaveLength(0);
  });
});

describe('a lost answer followed by an HTTP 5xx', () => {
  it('reads the list rather than answer HTTP_ERROR, whose text does not say the outcome is unknown', async () => {
    let tries = 0;
    const client = scriptedClient(async () => {
      tries += 1;
      throw tries === 1 ? new WeChatApiError(-700001, 'socket hang up') : new WeChatApiError(-700002, 'POST …: HTTP 502', 502);
    }, []);

    const result = await handleSetStatus({ action: 'dev_delete', appid: appidOf(1) }, depsWith(client));

    expect(result).toEqual({ ok: true, action: 'dev_delete', appid: appidOf(1), changed: false });
  });
});

describe("a decision whose every try's answer was lost", () => {
  const lostEveryTime = async (): Promise<void> => {
    throw new WeChatApiError(-501001, 'resource system error. request timeout');
  };

  it('is looked up once and reported done, changed: false, when the list shows it as asked', async () => {
    const client = scriptedClient(lostEveryTime, [{ appid: appidOf(1), status: 2 }]);

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toEqual({ ok: true, action: 'dev_agree', appid: appidOf(1), changed: false });
    expect(client.listCalls).toBe(1);
  });

  it('keeps its error, naming the status found, when the list shows it was not applied', async () => {
    const client = scriptedClient(lostEveryTime, [{ appid: appidOf(1), status: 1 }]);

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toMatchObject({
      ok: false,
      error: { code: 'CLOUD_SYSTEM_ERROR', errCode: -501001, currentStatus: 'pending', messageEn: expect.stringMatching(/\(currently pending\)$/) },
    });
  });

  it("answers OUTCOME_UNKNOWN, naming the lookup's error, when the list cannot be read either", async () => {
    const client: PluginApplyClient = {
      setApplyStatus: lostEveryTime,
      listApplications: async () => {
        throw new WeChatApiError(45011, 'api minute-quota reach limit');
      },
    };

    const result = await handleSetStatus({ action: 'dev_agree', appid: appidOf(1) }, depsWith(client));

    expect(result).toMatchObject({ ok: false, error: { code: 'OUTCOME_UNKNOWN', errCode: -501001, lookupError: { code: 'RATE_LIMITED', errCode: 45011 } } });
  });
});
