/**
 * Batches in the decision core (decideMany through handleSetStatus) on a fake clock: which items are started
 * under the deadline, repeated and conflicting appids, and stopping after an account-wide error.
 */
import fc from 'fast-check';
import type { DecideDeps, DecisionResult, SetStatusDeps } from '../../src/core/decisions';
import { BATCH_CONCURRENCY, decideMany } from '../../src/core/batch';
import { handleSetStatus } from '../../src/core/decisions';
import { ACCOUNT_WIDE_CODES, OWN_ERRORS } from '../../src/core/errorTable';
import { WECHAT_ERRORS } from '../../src/core/wechatErrors';
import type { LogRecord } from '../../src/core/log';
import type { RetryOptions } from '../../src/core/retry';
import type { DecisionRequest, PluginApplyClient, RawApplication } from '../../src/core/wechatClient';
import { WeChatApiError } from '../../src/core/wechatClient';

const ADMIN = 'oAdmin';
const appidOf = (n: number): string => `wx${n.toString(16).padStart(16, '0')}`;
const noWaitRetry: RetryOptions = { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50, sleep: async () => undefined, random: () => 0.5 };

/** A WeChat stand-in on the (fake) clock: each decision takes `latencyMs(n)` for the n-th call, then applies. */
function slowWeChat(
  latencyMs: (callNumber: number) => number,
  answer: (request: DecisionRequest) => void = () => undefined,
  list: RawApplication[] = [],
): PluginApplyClient & { sent: DecisionRequest[]; applied: Set<string>; listCalls: number } {
  const client = {
    sent: [] as DecisionRequest[],
    applied: new Set<string>(),
    listCalls: 0,
    setApplyStatus(request: DecisionRequest): Promise<void> {
      client.sent.push(request);
      const ms = latencyMs(client.sent.length - 1);
      return new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          try {
            answer(request);
            client.applied.add(request.appid ?? '');
            resolve();
          } catch (thrown) {
            reject(thrown);
          }
        }, ms);
      });
    },
    async listApplications(page: number, num: number): Promise<RawApplication[]> {
      client.listCalls += 1;
      return list.slice((page - 1) * num, page * num);
    },
  };
  return client;
}

function depsFor(client: PluginApplyClient, budgetMs: number): DecideDeps & { logged: LogRecord[] } {
  const logged: LogRecord[] = [];
  return {
    client,
    deadline: { at: Date.now() + budgetMs, now: () => Date.now() },
    log: (record) => logged.push(record),
    requestId: 'req',
    retry: noWaitRetry,
    logged,
  };
}

/** Runs a batch to its end on the fake clock, letting calls the batch stopped waiting for land too. */
async function runBatch(items: readonly unknown[], deps: DecideDeps): Promise<DecisionResult[]> {
  const pending = decideMany(items, deps);
  await jest.runAllTimersAsync();
  return pending;
}

const codeOf = (result: DecisionResult): string => (result.ok ? 'OK' : result.error.code);

/** Valid agrees (true) and invalid items (false) in the order given, each valid one on its own appid. */
const itemsOf = (pattern: readonly boolean[]): Array<{ action: string; appid: string }> =>
  pattern.map((valid, n) => ({ action: 'dev_agree', appid: valid ? appidOf(n) : 'bad' }));

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('decideMany under the deadline', () => {
  it('reports no TIMEOUT and applies nothing it reports unstarted when WeChat is slow and invalid items come first', async () => {
    // The defect's scenario: 100 invalid items, then 100 valid ones, every decision 1 s, the default 2.75 s budget.
    const client = slowWeChat(() => 1000);
    const items = itemsOf([...Array<boolean>(100).fill(false), ...Array<boolean>(100).fill(true)]);

    const results = await runBatch(items, depsFor(client, 2750));

    const codes = results.slice(100).map(codeOf);
    expect(codes).not.toContain('TIMEOUT');
    expect(codes.filter((code) => code === 'OK')).toHaveLength(client.applied.size);
    expect(client.sent).toHaveLength(client.applied.size);
  });

  it('never reports TIMEOUT for an item it started when every call takes the same time that fits the budget', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 100, max: 8000 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }),
        async (latencyMs, budgetMs, pattern) => {
          fc.pre(latencyMs < budgetMs);
          const client = slowWeChat(() => latencyMs);

          const results = await runBatch(itemsOf(pattern), depsFor(client, budgetMs));

          const codes = results.map(codeOf);
          expect(codes.filter((code) => !['OK', 'NOT_ATTEMPTED', 'INVALID_EVENT'].includes(code))).toEqual([]);
          results.forEach((result, n) => {
            if (result.ok) expect(client.applied.has(appidOf(n))).toBe(true);
          });
          expect(client.sent).toHaveLength(codes.filter((code) => code === 'OK').length);
          // Not needlessly timid: at least the first wave goes out.
          const valid = pattern.filter(Boolean).length;
          expect(client.sent.length).toBeGreaterThanOrEqual(Math.min(valid, BATCH_CONCURRENCY));
        },
      ),
      { numRuns: 150, examples: [[1000, 2750, [...Array<boolean>(100).fill(false), ...Array<boolean>(100).fill(true)]]] },
    );
  });

  it('loses at most the first wave to TIMEOUT when a single call takes longer than the whole budget', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 3000 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 60 }),
        async (budgetMs, extraMs, count) => {
          const client = slowWeChat(() => budgetMs + extraMs);

          const results = await runBatch(itemsOf(Array<boolean>(count).fill(true)), depsFor(client, budgetMs));

          const timedOut = results.map(codeOf).flatMap((code, n) => (code === 'TIMEOUT' ? [n] : []));
          expect(timedOut.length).toBeLessThanOrEqual(BATCH_CONCURRENCY);
          expect(timedOut.every((n) => n < BATCH_CONCURRENCY)).toBe(true);
          expect(client.sent).toHaveLength(timedOut.length);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('reports every item as WeChat ends up whatever the latencies: OK applied, unstarted never sent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2500 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 100, max: 5000 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 120 }),
        async (latencies, budgetMs, pattern) => {
          const client = slowWeChat((n) => latencies[n % latencies.length] ?? 0);

          const results = await runBatch(itemsOf(pattern), depsFor(client, budgetMs));

          const sentAppids = new Set(client.sent.map((request) => request.appid));
          results.forEach((result, n) => {
            const appid = appidOf(n);
            if (result.ok) expect(client.applied.has(appid)).toBe(true);
            else if (result.error.code === 'TIMEOUT') expect(sentAppids.has(appid)).toBe(true);
            else expect(sentAppids.has(appid)).toBe(false);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('holds back while a call is still waiting, counting it as slow as it has been so far', async () => {
    // One call hangs far past the budget; the others are quick. Items started after the hung call has waited
    // most of the budget could not be trusted to return, so the batch stops starting them.
    const client = slowWeChat((n) => (n === 0 ? 60_000 : 100));
    const items = itemsOf(Array<boolean>(200).fill(true));

    const results = await runBatch(items, depsFor(client, 2750));

    const codes = results.map(codeOf);
    expect(codes.filter((code) => code === 'TIMEOUT')).toEqual(['TIMEOUT']);
    expect(codes).toContain('NOT_ATTEMPTED');
    // Items start only while the hung call has waited under 1.5 times less than what is left: about 1.1 s of 2.75 s.
    expect(client.sent.length).toBeLessThan(200);
  });
});

describe('decideMany stopped by its caller', () => {
  it('leaves the items not yet started NOT_ATTEMPTED once shouldStart says no, and sends none of them', async () => {
    const client = slowWeChat(() => 20);
    let started = 0;
    const deps = depsFor(client, 60_000);

    const pending = decideMany(itemsOf(Array<boolean>(30).fill(true)), deps, { shouldStart: () => ++started <= 12 });
    await jest.runAllTimersAsync();
    const results = await pending;

    expect(results.map(codeOf).filter((code) => code === 'OK')).toHaveLength(12);
    expect(results.map(codeOf).filter((code) => code === 'NOT_ATTEMPTED')).toHaveLength(18);
    expect(client.sent).toHaveLength(12);
  });
});

describe('decideMany with repeated appids', () => {
  it('sends the same decision repeated 200 times once and gives every copy its outcome', async () => {
    const client = slowWeChat(() => 20);
    const items = Array.from({ length: 200 }, () => ({ action: 'dev_agree', appid: appidOf(7) }));

    const results = await runBatch(items, depsFor(client, 2750));

    expect(client.sent).toHaveLength(1);
    expect(client.listCalls).toBe(0);
    expect(results).toHaveLength(200);
    expect(results.every((result) => result.ok && result.changed && result.appid === appidOf(7))).toBe(true);
  });

  it('looks an "already done" answer up once for all its copies', async () => {
    const client = slowWeChat(
      () => 20,
      () => {
        throw new WeChatApiError(89240, 'only pending applications can be agreed or refused');
      },
      [{ appid: appidOf(7), status: 2 }],
    );
    const items = Array.from({ length: 50 }, () => ({ action: 'dev_agree', appid: appidOf(7) }));

    const results = await runBatch(items, depsFor(client, 2750));

    expect(client.sent).toHaveLength(1);
    expect(client.listCalls).toBe(1);
    expect(results.every((result) => result.ok && !result.changed)).toBe(true);
  });

  it('treats refusals whose reasons differ only in surrounding blanks as one decision', async () => {
    const client = slowWeChat(() => 20);
    const items = [
      { action: 'dev_refuse', appid: appidOf(1), reason: '资质不全' },
      { action: 'dev_refuse', appid: appidOf(1), reason: ' 资质不全 ' },
    ];

    const results = await runBatch(items, depsFor(client, 2750));

    expect(results.map(codeOf)).toEqual(['OK', 'OK']);
    expect(client.sent).toEqual([{ action: 'dev_refuse', appid: appidOf(1), reason: '资质不全' }]);
  });

  it.each([
    [
      'agree and refuse',
      [
        { action: 'dev_agree', appid: appidOf(1) },
        { action: 'dev_refuse', appid: appidOf(1), reason: 'no' },
      ],
      /dev_agree and dev_refuse/,
    ],
    [
      'agree and delete',
      [
        { action: 'dev_agree', appid: appidOf(1) },
        { action: 'dev_delete', appid: appidOf(1) },
      ],
      /dev_agree and dev_delete/,
    ],
    [
      'two refusals with different reasons',
      [
        { action: 'dev_refuse', appid: appidOf(1), reason: '资质不全' },
        { action: 'dev_refuse', appid: appidOf(1), reason: '类目不符' },
      ],
      /two dev_refuse with different reasons/,
    ],
  ])('refuses %s on one appid as INVALID_EVENT for each, naming the other item, and sends neither', async (_, conflicting, wording) => {
    const client = slowWeChat(() => 20);
    const items = [...conflicting, { action: 'dev_agree', appid: appidOf(2) }, conflicting[0]];

    const results = await runBatch(items, depsFor(client, 2750));

    expect(results.map(codeOf)).toEqual(['INVALID_EVENT', 'INVALID_EVENT', 'OK', 'INVALID_EVENT']);
    expect(client.sent.map((request) => request.appid)).toEqual([appidOf(2)]);
    const issue = (n: number): { path: string; message: string; messageEn: string } | undefined =>
      (results[n] as { error: { issues: Array<{ path: string; message: string; messageEn: string }> } }).error.issues[0];
    expect(issue(0)).toEqual({ path: 'appid', message: expect.stringContaining(`items[0] 与 items[1]`), messageEn: expect.stringMatching(wording) });
    expect(issue(1)?.messageEn).toContain(`items[1] and items[0] make conflicting decisions on the same appid ${appidOf(1)}`);
    expect(issue(3)?.messageEn).toContain('items[3] and items[1]');
    expect(results[1]).toMatchObject({ action: conflicting[1]?.action, appid: appidOf(1) });
  });
});

describe('decideMany after an account-wide error', () => {
  const accountWideErrCodes = [...WECHAT_ERRORS.entries()]
    .filter(([, entry]) => ACCOUNT_WIDE_CODES.has(entry.code))
    .map(([errCode, entry]) => [errCode, entry.code] as const);

  it.each(accountWideErrCodes)('starts no new item after errCode %i (%s): the rest are SKIPPED, naming it', async (errCode, code) => {
    const client = slowWeChat(
      () => 20,
      (request) => {
        if (request.appid === appidOf(0)) throw new WeChatApiError(errCode, `fail ${errCode}`);
      },
    );
    const items = itemsOf(Array<boolean>(40).fill(true));

    const results = await runBatch(items, depsFor(client, 60_000));

    expect(results[0]).toMatchObject({ ok: false, error: { code } });
    const skipped = results.filter((result) => !result.ok && result.error.code === 'SKIPPED');
    // The first wave was already under way when the error came back; everything after it waits for the fix.
    expect(skipped).toHaveLength(40 - BATCH_CONCURRENCY);
    expect(client.sent).toHaveLength(BATCH_CONCURRENCY);
    expect(skipped[0]).toMatchObject({ appid: appidOf(BATCH_CONCURRENCY), error: { blockedBy: code, retryable: true, errCode: null } });
    expect(skipped[0]?.ok === false && skipped[0].error.messageEn).toContain(code);
  });

  it('gives skipped items their own reason and a hint to fix the error first, unlike NOT_ATTEMPTED', () => {
    expect(OWN_ERRORS.SKIPPED.en.message).not.toBe(OWN_ERRORS.NOT_ATTEMPTED.en.message);
    expect(OWN_ERRORS.SKIPPED.en.message).not.toMatch(/time limit/);
    expect(OWN_ERRORS.SKIPPED.en.hint).toMatch(/^Fix the account-wide error .* then send these items again\.$/);
  });

  it.each([89242, 89240, -1])('keeps going after errCode %i, which concerns one item only', async (errCode) => {
    const client = slowWeChat(
      () => 20,
      (request) => {
        if (request.appid === appidOf(0)) throw new WeChatApiError(errCode, `fail ${errCode}`);
      },
    );

    const results = await runBatch(itemsOf(Array<boolean>(30).fill(true)), depsFor(client, 60_000));

    expect(results.map(codeOf)).not.toContain('SKIPPED');
    expect(results.slice(1).every((result) => result.ok)).toBe(true);
  });

  it('stops after OUTCOME_UNKNOWN when the error behind it is account-wide (45011), as it does for 45011 itself', async () => {
    const tries = new Map<string, number>();
    const weChat = slowWeChat(
      () => 20,
      (request) => {
        const tried = (tries.get(request.appid ?? '') ?? 0) + 1;
        tries.set(request.appid ?? '', tried);
        // The first answer is lost (it may have been applied); the retry meets the per-minute quota.
        throw tried === 1 ? new WeChatApiError(-501001, 'resource system error') : new WeChatApiError(45011, 'api minute-quota reach limit rid: 1');
      },
    );
    const client: PluginApplyClient = {
      setApplyStatus: (request, deadline) => weChat.setApplyStatus(request, deadline),
      listApplications: async () => {
        throw new WeChatApiError(45011, 'api minute-quota reach limit rid: 2');
      },
    };

    const results = await runBatch(itemsOf(Array<boolean>(60).fill(true)), depsFor(client, 60_000));

    expect(results[0]).toMatchObject({ ok: false, error: { code: 'OUTCOME_UNKNOWN', errCode: 45011 } });
    expect(new Set(weChat.sent.map((request) => request.appid)).size).toBe(BATCH_CONCURRENCY);
    expect(results.filter((result) => !result.ok && result.error.code === 'SKIPPED')).toHaveLength(60 - BATCH_CONCURRENCY);
    expect(results[BATCH_CONCURRENCY]).toMatchObject({ ok: false, error: { code: 'SKIPPED', blockedBy: 'RATE_LIMITED' } });
  });

  it('stops after OUTCOME_UNKNOWN when the lookup behind it met an account-wide error (45011), though the decision did not', async () => {
    // Each decision is refused as "not pending", which the list would settle; reading the list meets the quota.
    const weChat = slowWeChat(
      () => 20,
      () => {
        throw new WeChatApiError(89240, 'not pending rid: 1');
      },
    );
    const client: PluginApplyClient = {
      setApplyStatus: (request, deadline) => weChat.setApplyStatus(request, deadline),
      listApplications: async () => {
        throw new WeChatApiError(45011, 'api minute-quota reach limit rid: 2');
      },
    };

    const results = await runBatch(itemsOf(Array<boolean>(30).fill(true)), depsFor(client, 60_000));

    expect(results[0]).toMatchObject({ ok: false, error: { code: 'OUTCOME_UNKNOWN', errCode: 89240, lookupError: { code: 'RATE_LIMITED', errCode: 45011 } } });
    expect(new Set(weChat.sent.map((request) => request.appid)).size).toBe(BATCH_CONCURRENCY);
    expect(results[BATCH_CONCURRENCY]).toMatchObject({ ok: false, error: { code: 'SKIPPED', blockedBy: 'RATE_LIMITED' } });
  });

  it('stops after OUTCOME_UNKNOWN when the error behind it is an HTTP 429, naming HTTP_ERROR', async () => {
    const tries = new Map<string, number>();
    const weChat = slowWeChat(
      () => 20,
      (request) => {
        const tried = (tries.get(request.appid ?? '') ?? 0) + 1;
        tries.set(request.appid ?? '', tried);
        const status = tried === 1 ? 502 : 429;
        throw new WeChatApiError(-700002, `POST https://proxy.example/wxa/devplugin?access_token=***: HTTP ${status}`, status);
      },
    );
    const client: PluginApplyClient = {
      setApplyStatus: (request, deadline) => weChat.setApplyStatus(request, deadline),
      listApplications: async () => {
        throw new WeChatApiError(-700002, 'POST https://proxy.example/wxa/devplugin?access_token=***: HTTP 429', 429);
      },
    };

    const results = await runBatch(itemsOf(Array<boolean>(30).fill(true)), depsFor(client, 60_000));

    expect(results[0]).toMatchObject({ ok: false, error: { code: 'OUTCOME_UNKNOWN', errCode: -700002, httpStatus: 429 } });
    expect(new Set(weChat.sent.map((request) => request.appid)).size).toBe(BATCH_CONCURRENCY);
    expect(results[BATCH_CONCURRENCY]).toMatchObject({ ok: false, error: { code: 'SKIPPED', blockedBy: 'HTTP_ERROR' } });
  });

  it.each([429, 404, 403, 401, 302])('starts no new item after HTTP %i, which every item would meet: the rest are SKIPPED', async (status) => {
    const client = slowWeChat(
      () => 20,
      () => {
        throw new WeChatApiError(-700002, `POST https://proxy.example/wxa/devplugin?access_token=***: HTTP ${status}`, status);
      },
    );

    const results = await runBatch(itemsOf(Array<boolean>(30).fill(true)), depsFor(client, 60_000));

    expect(results[0]).toMatchObject({ ok: false, error: { code: 'HTTP_ERROR', httpStatus: status } });
    expect(client.sent).toHaveLength(BATCH_CONCURRENCY);
    expect(results.slice(BATCH_CONCURRENCY).map(codeOf)).toEqual(Array<string>(30 - BATCH_CONCURRENCY).fill('SKIPPED'));
    expect(results[BATCH_CONCURRENCY]).toMatchObject({ ok: false, error: { blockedBy: 'HTTP_ERROR' } });
  });

  it.each([400, 413, 502])("keeps going after HTTP %i, which one item's request (or a passing upstream fault) can cause", async (status) => {
    const client = slowWeChat(
      () => 20,
      (request) => {
        if (request.appid === appidOf(0))
          throw new WeChatApiError(-700002, `POST https://proxy.example/wxa/devplugin?access_token=***: HTTP ${status}`, status);
      },
    );

    const results = await runBatch(itemsOf(Array<boolean>(30).fill(true)), depsFor(client, 60_000));

    expect(results.map(codeOf)).not.toContain('SKIPPED');
    expect(results.slice(1).every((result) => result.ok)).toBe(true);
  });

  it('names only codes the error table has as account-wide', () => {
    const known = new Set([...WECHAT_ERRORS.values()].map((entry) => entry.code));

    expect([...ACCOUNT_WIDE_CODES].filter((code) => !known.has(code))).toEqual([]);
    expect(['ACCESS_TOKEN_INVALID', 'ACCESS_TOKEN_EXPIRED', 'NO_API_PERMISSION', 'CLOUD_INVALID_ENV'].every((code) => ACCOUNT_WIDE_CODES.has(code))).toBe(true);
  });
});

describe('handleSetStatus batches', () => {
  function adminDeps(client: PluginApplyClient): SetStatusDeps {
    return {
      client,
      caller: { openid: ADMIN },
      admins: { kind: 'listed', openids: new Set([ADMIN]) },
      deadline: { at: Date.now() + 2750, now: () => Date.now() },
      log: () => undefined,
      requestId: 'req',
      retry: noWaitRetry,
    };
  }

  it('counts skipped items apart from failed and not attempted ones in the summary', async () => {
    const client = slowWeChat(
      () => 20,
      () => {
        throw new WeChatApiError(45009, 'reach max api daily quota limit');
      },
    );
    const items = [...itemsOf(Array<boolean>(15).fill(true)), { action: 'dev_agree', appid: 'bad' }];

    const pending = handleSetStatus({ items }, adminDeps(client));
    await jest.runAllTimersAsync();
    const result = await pending;

    expect(result).toMatchObject({ ok: true, summary: { succeeded: 0, failed: BATCH_CONCURRENCY + 1, notAttempted: 0, skipped: 15 - BATCH_CONCURRENCY } });
  });
});
