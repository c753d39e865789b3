/**
 * setPluginApplyStatus as deployed: the built cloudfunctions/setPluginApplyStatus/index.js, with the real
 * wx-server-sdk inlined, called through the local cloud's function host and speaking the SDK's real wire
 * protocol to the local model of WeChat.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { LocalCloud } from '../../localcloud/server';
import { OUTCOME_UNKNOWN_CODES } from '../../src/core/errorTable';
import { WECHAT_ERRORS } from '../../src/core/wechatErrors';
import {
  ADMIN,
  application,
  appidOf,
  APPROVED,
  coldStartMs,
  EXPIRED,
  OTHER_ADMIN,
  PENDING,
  PENDING_2,
  REFUSED,
  scenario,
  slowStartEnv,
  startCloud,
  statusOf,
  timeLimitFor,
  UNKNOWN,
} from './localCloudFixture';

const FN = 'setPluginApplyStatus';
const API = 'pluginManager.setDevPluginApplyStatus';
const LIST_API = 'pluginManager.getPluginDevApplyList';

let cloud: LocalCloud & { output: string[] };

beforeAll(async () => {
  cloud = await startCloud();
});

afterAll(async () => {
  await cloud.close();
});

beforeEach(() => {
  cloud.reset(scenario());
  cloud.output.length = 0;
});

type Result = { ok: boolean; changed?: boolean; error?: { code: string; errCode: number | null; currentStatus?: string; issues?: unknown[] } };
const invoke = async (data: unknown, options = {}): Promise<Result> => (await cloud.invoke(FN, data, options)) as Result;
const decisionCalls = (): number => cloud.calls().filter((call) => call.api === API).length;

describe('setPluginApplyStatus (built bundle, real SDK, local cloud)', () => {
  describe('decisions', () => {
    it('agrees to a pending application', async () => {
      const result = await invoke({ action: 'dev_agree', appid: PENDING });

      expect(result).toEqual({ ok: true, action: 'dev_agree', appid: PENDING, changed: true });
      expect(statusOf(cloud, PENDING)).toBe(2);
    });

    it('refuses a pending application with the trimmed reason', async () => {
      const result = await invoke({ action: 'dev_refuse', appid: PENDING, reason: '  类目不符合要求 ' });

      expect(result).toMatchObject({ ok: true, changed: true });
      expect(statusOf(cloud, PENDING)).toBe(3);
      expect(cloud.refusals()).toEqual([{ appid: PENDING, reason: '类目不符合要求', time: expect.any(String) }]);
    });

    it.each([
      ['refused', REFUSED],
      ['timed-out', EXPIRED],
    ])('deletes a %s application', async (_, appid) => {
      const result = await invoke({ action: 'dev_delete', appid });

      expect(result).toMatchObject({ ok: true, changed: true });
      expect(statusOf(cloud, appid)).toBeUndefined();
    });

    it('sends WeChat exactly the validated fields, nothing from the platform', async () => {
      await invoke({ action: 'dev_refuse', appid: PENDING, reason: 'r' });

      const sent = cloud.calls().find((call) => call.api === API)?.request;
      expect(sent).toEqual({ action: 'dev_refuse', appid: PENDING, reason: 'r' });
    });
  });

  describe('WeChat refusals', () => {
    it.each([
      ['agree to a refused one', { action: 'dev_agree', appid: REFUSED }, 'APPLICATION_NOT_PENDING', 89240, 'refused'],
      ['refuse an approved one', { action: 'dev_refuse', appid: APPROVED, reason: 'r' }, 'APPLICATION_NOT_PENDING', 89240, 'approved'],
      ['delete an approved one', { action: 'dev_delete', appid: APPROVED }, 'APPLICATION_NOT_DELETABLE', 89241, undefined],
      ['delete a pending one', { action: 'dev_delete', appid: PENDING }, 'APPLICATION_PENDING', 89243, undefined],
      ['agree to an unknown appid', { action: 'dev_agree', appid: UNKNOWN }, 'APPLICATION_NOT_FOUND', 89242, undefined],
    ])('maps the answer to "%s" and changes nothing', async (_, event, code, errCode, currentStatus) => {
      const before = cloud.applications();

      const result = await invoke(event);

      expect(result).toMatchObject({ ok: false, error: { code, errCode } });
      expect(result.error?.currentStatus).toBe(currentStatus);
      expect(cloud.applications()).toEqual(before);
    });

    it.each([
      ['an 89240 for an application the list shows pending', { action: 'dev_agree', appid: PENDING }, 89240],
      ['an 89242 for an application the list shows refused', { action: 'dev_delete', appid: REFUSED }, 89242],
    ])('answers OUTCOME_UNKNOWN, retryable, to %s: one of the two is stale, so a definite refusal would be a guess', async (_, event, errcode) => {
      cloud.addFault({ kind: 'errcode', errcode, times: 1 });
      const before = cloud.applications();

      const result = await invoke(event);

      expect(result).toMatchObject({ ok: false, error: { code: 'OUTCOME_UNKNOWN', errCode: errcode, retryable: true } });
      expect(cloud.applications()).toEqual(before);
    });

    it.each([
      ['an agree already approved', { action: 'dev_agree', appid: APPROVED }],
      ['a refuse already refused', { action: 'dev_refuse', appid: REFUSED, reason: 'r' }],
      ['a delete of an applicant no longer listed', { action: 'dev_delete', appid: UNKNOWN }],
    ])('reports %s as success with changed: false', async (_, event) => {
      const result = await invoke(event);

      expect(result).toMatchObject({ ok: true, changed: false });
    });

    it.each(
      Array.from(WECHAT_ERRORS.entries())
        .filter(([errCode]) => errCode > 0 || errCode === -1)
        .map(([errCode, entry]) => [errCode, entry.code, entry.retry !== 'never'] as const),
    )('maps WeChat errcode %i to %s', async (errCode, code, retryable) => {
      cloud.addFault({ kind: 'errcode', errcode: errCode, api: API, times: 10 });

      const result = await invoke({ action: 'dev_refuse', reason: 'r' });

      expect(result).toMatchObject({ ok: false, error: { code, errCode, retryable } });
    });

    it.each(
      Array.from(WECHAT_ERRORS.entries())
        .filter(([errCode]) => errCode < -600000 && errCode > -700000)
        .map(([errCode, entry]) => [errCode, entry.code] as const),
    )('maps the cloud-side code %i to %s', async (errCode, code) => {
      cloud.addFault({ kind: 'cloudError', errcode: errCode, api: API, times: 10 });
      // -604100 for the older name alone is answered through the newer one (below): here neither name is known.
      if (errCode === -604100) cloud.addFault({ kind: 'cloudError', errcode: errCode, api: LIST_API, times: 10 });

      const result = await invoke({ action: 'dev_refuse', reason: 'r' });

      expect(result).toMatchObject({ ok: false, error: { code, errCode } });
    });

    it.each([
      ['SYS_ERR', -501001, 'CLOUD_SYSTEM_ERROR'],
      ['INVALID_PARAM', -501007, 'CLOUD_INVALID_PARAMS'],
    ])('maps the cloud (TCB) error %s to %s', async (tcbCode, errCode, code) => {
      cloud.addFault({ kind: 'tcbError', code: tcbCode, api: API, times: 10 });

      const result = await invoke({ action: 'dev_refuse', reason: 'r' });

      expect(result).toMatchObject({ ok: false, error: { code, errCode } });
    });

    it('keeps an unknown errcode and its raw text', async () => {
      cloud.addFault({ kind: 'errcode', errcode: 88888, message: 'brand new', api: API });

      const result = await invoke({ action: 'dev_refuse', reason: 'r' });

      expect(result).toMatchObject({ ok: false, error: { code: 'WECHAT_ERROR', errCode: 88888, raw: expect.stringContaining('brand new') } });
    });
  });

  describe('when the cloud no longer knows setDevPluginApplyStatus (-604100)', () => {
    const retireOldName = (): void => cloud.addFault({ kind: 'cloudError', errcode: -604100, api: API, times: 1000 });
    const fallbackLines = (): string[] => cloud.output.filter((line) => line.includes('"event":"apiFallback"'));

    it.each([
      ['agree', { action: 'dev_agree', appid: PENDING }, 2],
      ['refuse', { action: 'dev_refuse', appid: PENDING, reason: '暂不开放' }, 3],
      ['delete', { action: 'dev_delete', appid: REFUSED }, undefined],
    ])('sends the decision (%s) once through getPluginDevApplyList, and it is applied', async (_, event, status) => {
      retireOldName();

      const result = await invoke(event);

      expect(result).toMatchObject({ ok: true, changed: true });
      expect(statusOf(cloud, event.appid)).toBe(status);
      const decisions = cloud.calls().filter((call) => call.action === event.action);
      expect(decisions.map((call) => [call.api, call.cloudErrorCode])).toEqual([
        [API, -604100],
        [LIST_API, null],
      ]);
      expect(decisions[1]?.request).toEqual(event);
      expect(fallbackLines()).toHaveLength(1);
    });

    it('remembers it for the rest of the container: later decisions of a batch go to the newer name directly, logged once', async () => {
      const appids = Array.from({ length: 30 }, (_, i) => appidOf(0x100 + i));
      cloud.reset(appids.map((appid) => application(appid, 1)));
      retireOldName();

      const result = (await invoke({ items: appids.map((appid) => ({ action: 'dev_agree', appid })) })) as Result & {
        summary?: { succeeded: number };
      };

      expect(result.summary?.succeeded).toBe(30);
      expect(cloud.applications().every((item) => item.status === 2)).toBe(true);
      const oldNameCalls = cloud.calls().filter((call) => call.api === API).length;
      const listNameDecisions = cloud.calls().filter((call) => call.api === LIST_API && call.action === 'dev_agree').length;
      expect(listNameDecisions).toBe(30);
      // Only decisions already in flight when the first -604100 came back tried the older name.
      expect(oldNameCalls).toBeLessThan(30);
      expect(fallbackLines()).toHaveLength(1);
    });

    it("is allowed by the function's config.json, which lists both names", async () => {
      retireOldName();

      await invoke({ action: 'dev_agree', appid: PENDING });

      expect(cloud.calls().filter((call) => call.cloudErrorCode === -604101)).toEqual([]);
    });
  });

  describe('faults on the way to WeChat', () => {
    it('retries a system-busy answer once and succeeds (two calls seen)', async () => {
      cloud.addFault({ kind: 'errcode', errcode: -1, api: API, times: 1 });

      const result = await invoke({ action: 'dev_agree', appid: PENDING });

      expect(result).toMatchObject({ ok: true, changed: true });
      expect(decisionCalls()).toBe(2);
      expect(statusOf(cloud, PENDING)).toBe(2);
    });

    it.each([
      ['HTTP 500', 'http500', 'CLOUD_SYSTEM_ERROR'],
      ['a reset connection', 'reset', 'CLOUD_SYSTEM_ERROR'],
      ['a malformed body', 'malformed', 'UNREADABLE_ANSWER'],
    ] as const)('answers %s that persists with %s, retryable, after retrying', async (_, kind, code) => {
      cloud.addFault({ kind, api: API, times: 10 });

      const result = await invoke({ action: 'dev_agree', appid: PENDING });

      expect(result).toMatchObject({ ok: false, error: { code, retryable: true } });
      expect(decisionCalls()).toBeGreaterThan(1);
    });

    it('waits out a slow answer that fits the time limit', async () => {
      cloud.addFault({ kind: 'delay', ms: 400, api: API });

      const result = await invoke({ action: 'dev_agree', appid: PENDING });

      expect(result).toMatchObject({ ok: true, changed: true });
    });

    it('answers TIMEOUT before the platform kills the function when WeChat never answers', async () => {
      const limit = timeLimitFor(await coldStartMs(cloud), 1000);
      cloud.addFault({ kind: 'hang', api: API, times: 10 });
      const startedAt = Date.now();

      const result = await invoke({ action: 'dev_agree', appid: PENDING }, { context: { time_limit_in_ms: limit } });

      expect(result).toMatchObject({ ok: false, error: { code: 'TIMEOUT', retryable: true } });
      expect(Date.now() - startedAt).toBeLessThan(limit + 1000);
    });

    it("answers TIMEOUT, not the platform's kill, when the container was slow to start before the function loaded", async () => {
      const limit = timeLimitFor((await coldStartMs(cloud)) + 900, 1000);
      cloud.addFault({ kind: 'hang', api: API, times: 10 });

      const call = invoke({ action: 'dev_agree', appid: PENDING }, { context: { time_limit_in_ms: limit }, env: slowStartEnv(900) });

      await expect(call).resolves.toMatchObject({ ok: false, error: { code: 'TIMEOUT', retryable: true } });
    });

    it.each([
      ['agree', { action: 'dev_agree', appid: PENDING }, 2],
      ['refuse', { action: 'dev_refuse', appid: PENDING, reason: 'r' }, 3],
      ['delete', { action: 'dev_delete', appid: REFUSED }, undefined],
    ])('turns a lost answer (%s), and the retry after it, into changed: false, never an error', async (_, event, status) => {
      cloud.addFault({ kind: 'lostAnswer', api: API, times: 1 });

      const result = await invoke(event);

      expect(result).toMatchObject({ ok: true, changed: false });
      expect(statusOf(cloud, event.appid)).toBe(status);
      expect(decisionCalls()).toBe(2);
    });
  });

  describe('an answer that cannot be read', () => {
    it('settles a decision WeChat applied but answered unreadably by the list, when the retry meets another error', async () => {
      cloud.addFault({ kind: 'unreadableAnswer', api: API, times: 1 });
      cloud.addFault({ kind: 'errcode', errcode: 45011, api: API, times: 1 });

      const result = await invoke({ action: 'dev_agree', appid: PENDING });

      expect(result).toMatchObject({ ok: true, action: 'dev_agree', appid: PENDING, changed: false });
      expect(statusOf(cloud, PENDING)).toBe(2);
    });

    it('settles an applied decision whose answers stay unreadable by the list, like a lost answer: done, changed: false', async () => {
      cloud.addFault({ kind: 'unreadableAnswer', api: API, times: 10 });

      const result = await invoke({ action: 'dev_agree', appid: PENDING });

      expect(result).toEqual({ ok: true, action: 'dev_agree', appid: PENDING, changed: false });
      expect(statusOf(cloud, PENDING)).toBe(2);
    });

    it('reports an applied decision as an unknown outcome, never a known failure, when the list is unreadable too', async () => {
      cloud.addFault({ kind: 'unreadableAnswer', api: API, times: 10 });
      cloud.addFault({ kind: 'unreadableAnswer', api: 'pluginManager.getPluginDevApplyList', times: 10 });

      const result = await invoke({ action: 'dev_agree', appid: PENDING });

      expect(result).toMatchObject({
        ok: false,
        error: { code: 'OUTCOME_UNKNOWN', errCode: -700004, retryable: true, lookupError: { code: 'UNREADABLE_ANSWER' } },
      });
      expect(OUTCOME_UNKNOWN_CODES.has((result as { error: { code: string } }).error.code)).toBe(true);
      expect(statusOf(cloud, PENDING)).toBe(2);
    });
  });

  describe('a lost answer followed by a failing lookup', () => {
    const LIST = 'pluginManager.getPluginDevApplyList';

    it.each([
      ['agree', { action: 'dev_agree', appid: PENDING }],
      ['refuse', { action: 'dev_refuse', appid: PENDING, reason: 'r' }],
      ['delete', { action: 'dev_delete', appid: REFUSED }],
    ])('retries the lookup after a busy answer and reports the %s as already done', async (_, event) => {
      cloud.addFault({ kind: 'lostAnswer', api: API, times: 1 });
      cloud.addFault({ kind: 'errcode', errcode: -1, api: LIST, times: 1 });

      const result = await invoke(event);

      expect(result).toMatchObject({ ok: true, changed: false });
    });

    it('answers OUTCOME_UNKNOWN, not APPLICATION_NOT_PENDING, when the lookup keeps failing', async () => {
      cloud.addFault({ kind: 'lostAnswer', api: API, times: 1 });
      cloud.addFault({ kind: 'reset', api: LIST, times: 10 });

      const result = await invoke({ action: 'dev_agree', appid: PENDING });

      expect(result).toMatchObject({ ok: false, error: { code: 'OUTCOME_UNKNOWN', errCode: 89240, retryable: true, raw: expect.stringContaining('rid:') } });
      expect(statusOf(cloud, PENDING)).toBe(2);
    });
  });

  describe('caller policy', () => {
    it.each([
      ['a caller who is not an admin', { openid: 'oStranger' }],
      ['a call with no OPENID', { openid: null }],
    ])('refuses %s with FORBIDDEN and never reaches WeChat', async (_, options) => {
      const result = await invoke({ action: 'dev_agree', appid: PENDING }, options);

      expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', errCode: null } });
      expect(cloud.calls()).toEqual([]);
      expect(statusOf(cloud, PENDING)).toBe(1);
    });

    it('refuses everyone, saying how to set it, when PLUGIN_ADMIN_OPENIDS is unset', async () => {
      const result = await invoke({ action: 'dev_agree', appid: PENDING }, { env: { PLUGIN_ADMIN_OPENIDS: '' } });

      expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', yourOpenid: ADMIN } });
      expect(JSON.stringify(result)).toContain('PLUGIN_ADMIN_OPENIDS');
      expect(cloud.calls()).toEqual([]);
    });

    it("trusts the platform's OPENID, not a userInfo in the event", async () => {
      const result = await invoke({ action: 'dev_agree', appid: PENDING, userInfo: { openId: ADMIN } }, { openid: 'oStranger' });

      expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    });
  });

  describe('the log', () => {
    it('writes one JSON line per call with the OPENID masked', async () => {
      await invoke({ action: 'dev_agree', appid: PENDING });

      const lines = cloud.output.filter((line) => line.includes('"fn":"setPluginApplyStatus"'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('"outcome":"OK"');
      expect(cloud.output.join('\n')).not.toContain(ADMIN);
    });
  });

  describe('concurrency and batches', () => {
    it('lets two admins agree to the same applicant at once: one changes it, the other sees it done', async () => {
      const [first, second] = await Promise.all([
        invoke({ action: 'dev_agree', appid: PENDING }, { openid: ADMIN }),
        invoke({ action: 'dev_agree', appid: PENDING }, { openid: OTHER_ADMIN }),
      ]);

      expect([first, second].map((result) => result.ok)).toEqual([true, true]);
      expect([first?.changed, second?.changed].sort()).toEqual([false, true]);
      expect(statusOf(cloud, PENDING)).toBe(2);
    });

    it('decides a batch item by item: a bad item, a failing item and good ones', async () => {
      const result = (await invoke({
        items: [
          { action: 'dev_agree', appid: PENDING },
          { action: 'dev_agree', appid: 'not-an-appid' },
          { action: 'dev_delete', appid: APPROVED },
          { action: 'dev_refuse', appid: PENDING_2, reason: '暂不开放' },
        ],
      })) as { ok: boolean; results: Result[]; summary: unknown };

      expect(result.ok).toBe(true);
      expect(result.results.map((item) => (item.ok ? 'ok' : item.error?.code))).toEqual(['ok', 'INVALID_EVENT', 'APPLICATION_NOT_DELETABLE', 'ok']);
      expect(result.summary).toEqual({ succeeded: 2, failed: 2, notAttempted: 0, skipped: 0 });
      expect(statusOf(cloud, PENDING)).toBe(2);
      expect(statusOf(cloud, PENDING_2)).toBe(3);
      expect(statusOf(cloud, APPROVED)).toBe(2);
    });

    it('leaves what the time limit cannot start NOT_ATTEMPTED and reports the rest', async () => {
      // 200 decisions of 500 ms, 10 at a time, need 10 s: the limit leaves the function 1.5 s after its cold start.
      const limit = timeLimitFor(await coldStartMs(cloud), 1500);
      const many = Array.from({ length: 200 }, (_, n) => ({ appid: `wx${(1000 + n).toString(16).padStart(16, '0')}`, status: 1 as const }));
      cloud.reset(many.map((item) => ({ ...application(item.appid, 1), ...item })));
      cloud.addFault({ kind: 'delay', ms: 500, api: API, times: 200 });

      const result = (await invoke({ items: many.map((item) => ({ action: 'dev_agree', appid: item.appid })) }, { context: { time_limit_in_ms: limit } })) as {
        ok: boolean;
        results: Result[];
        summary: { succeeded: number; failed: number; notAttempted: number };
      };

      expect(result.ok).toBe(true);
      expect(result.summary.notAttempted).toBeGreaterThan(0);
      expect(result.summary.succeeded).toBeGreaterThan(0);
      const approved = cloud.applications().filter((item) => item.status === 2).length;
      expect(approved).toBe(result.summary.succeeded);
    });
  });

  describe('permissions', () => {
    it('answers NO_API_PERMISSION, saying to fix config.json, when the API is not granted', async () => {
      const functionsDir = mkdtempSync(join(tmpdir(), 'functions-'));
      cpSync(join(__dirname, '../../cloudfunctions', FN), join(functionsDir, FN), { recursive: true });
      writeFileSync(join(functionsDir, FN, 'config.json'), JSON.stringify({ permissions: { openapi: [] } }));
      const restricted = await startCloud({ functionsDir });
      try {
        const result = (await restricted.invoke(FN, { action: 'dev_agree', appid: PENDING })) as Result & { error: { hint: string; hintEn: string } };

        expect(result).toMatchObject({ ok: false, error: { code: 'NO_API_PERMISSION', errCode: -604101, retryable: false } });
        expect(result.error.hint).toContain('config.json');
        expect(result.error.hintEn).toContain('config.json');
        expect(statusOf(restricted, PENDING)).toBe(1);
      } finally {
        await restricted.close();
        rmSync(functionsDir, { recursive: true, force: true });
      }
    });
  });

  describe('under any event', () => {
    it('never lets an invalid event reach WeChat or change anything', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.jsonValue(),
            fc.record(
              { action: fc.constantFrom('dev_agree', 'dev_refuse', 'dev_delete'), appid: fc.string(), reason: fc.jsonValue(), appId: fc.string() },
              { requiredKeys: ['action'] },
            ),
          ),
          async (event) => {
            cloud.reset(scenario());
            const before = cloud.applications();

            const result = await invoke(event);

            if (!result.ok && result.error?.code === 'INVALID_EVENT') {
              expect(cloud.calls()).toEqual([]);
              expect(cloud.applications()).toEqual(before);
            }
            expect(typeof result.ok).toBe('boolean');
          },
        ),
        { numRuns: 25 },
      );
    });
  });
});
