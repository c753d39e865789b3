/**
 * The setPluginApplyStatus function, from its entry point `main`, with wx-server-sdk mocked: the mock throws
 * what the real SDK throws (test/fixtures/sdk.ts). The same behaviour is checked against the built bundle
 * and the real SDK in test/contract.
 */
import fc from 'fast-check';
import { WECHAT_ERRORS } from '../../src/core/wechatErrors';
import { cloudFailure, plainFailure, wechatFailure } from '../fixtures/sdk';

const ADMIN = 'oAdmin1234567890abcdefghijk';
const APPID = 'wx0123456789abcdef';

const sdk = {
  openid: ADMIN as string | undefined,
  /** When set, what getWXContext answers instead of the usual context built from `openid`. */
  wxContext: undefined as unknown,
  setDevPluginApplyStatus: jest.fn<Promise<unknown>, [unknown]>(),
  getPluginDevApplyList: jest.fn<Promise<unknown>, [unknown]>(),
};

jest.mock('wx-server-sdk', () => ({
  DYNAMIC_CURRENT_ENV: Symbol('DYNAMIC_CURRENT_ENV'),
  init: () => undefined,
  getWXContext: () => sdk.wxContext ?? { OPENID: sdk.openid, APPID: 'wxhost', ENV: 'test', SOURCE: 'wx_client' },
  openapi: {
    pluginManager: {
      setDevPluginApplyStatus: (data: unknown) => sdk.setDevPluginApplyStatus(data),
      getPluginDevApplyList: (data: unknown) => sdk.getPluginDevApplyList(data),
    },
  },
}));

type Main = (event: unknown, context?: unknown) => Promise<Record<string, unknown>>;

/** Loads the function as a fresh container would, with these environment variables set in the console. */
function loadFunction(env: Record<string, string | undefined>): Main {
  const saved = process.env;
  // This mock SDK has no database: the decision trail is off here, and tested in test/unit/trail.test.ts and test/contract/trail*.
  process.env = Object.fromEntries(Object.entries({ ...saved, PLUGIN_APPLY_AUDIT: 'off', ...env }).filter(([, value]) => value !== undefined));
  let main: Main | undefined;
  jest.isolateModules(() => {
    main = (require('../../src/functions/setPluginApplyStatus') as { main: Main }).main;
  });
  process.env = saved;
  return main as Main;
}

let logLines: string[];

beforeEach(() => {
  sdk.openid = ADMIN;
  sdk.wxContext = undefined;
  sdk.setDevPluginApplyStatus.mockReset().mockResolvedValue({ errCode: 0, errMsg: 'openapi.pluginManager.setDevPluginApplyStatus:ok' });
  sdk.getPluginDevApplyList.mockReset().mockResolvedValue({ applyList: [], errCode: 0 });
  logLines = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logLines.push(String(chunk));
    return true;
  });
});

afterEach(() => jest.restoreAllMocks());

describe('setPluginApplyStatus main', () => {
  const main = loadFunction({ PLUGIN_ADMIN_OPENIDS: `oOther, ${ADMIN}` });

  it.each([
    [
      { action: 'dev_agree', appid: APPID },
      { action: 'dev_agree', appid: APPID },
    ],
    [
      { action: 'dev_refuse', reason: ' 类目不符 ' },
      { action: 'dev_refuse', reason: '类目不符' },
    ],
    [
      { action: 'dev_refuse', reason: 'no', appid: APPID },
      { action: 'dev_refuse', reason: 'no', appid: APPID },
    ],
    [
      { action: 'dev_delete', appid: APPID },
      { action: 'dev_delete', appid: APPID },
    ],
    [{ action: 'dev_delete', userInfo: { appId: 'wxhost', openId: ADMIN } }, { action: 'dev_delete' }],
  ])('sends %j to WeChat as %j and reports success', async (event, sent) => {
    const result = await main(event, { request_id: 'req-1' });

    expect(sdk.setDevPluginApplyStatus.mock.calls).toEqual([[sent]]);
    expect(result).toMatchObject({ ok: true, action: sent.action, changed: true });
    expect(result.appid).toBe((sent as { appid?: string }).appid);
  });

  it('refuses an invalid event with every problem listed and never calls WeChat', async () => {
    const result = await main({ action: 'dev_agree', appId: APPID, extra: true });

    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT', errCode: null, retryable: false } });
    const issues = (result.error as { issues: Array<{ path: string }> }).issues;
    expect(issues.map((issue) => issue.path).sort()).toEqual(['appId', 'appid', 'extra']);
    expect(sdk.setDevPluginApplyStatus).not.toHaveBeenCalled();
  });

  // -604100 moves a container to the newer API name for good, so it is checked in containers of its own, below.
  it.each(Array.from(WECHAT_ERRORS.entries()).filter(([errCode]) => errCode !== -604100))('maps WeChat/cloud errCode %i to %j', async (errCode, entry) => {
    sdk.setDevPluginApplyStatus.mockRejectedValue(errCode < -500000 ? cloudFailure(errCode) : wechatFailure(errCode, 'some text'));

    // A refusal without appid: no lookup can follow, so this shows the plain mapping.
    const result = await main({ action: 'dev_refuse', reason: 'r' });

    expect(result).toEqual({
      ok: false,
      action: 'dev_refuse',
      error: {
        code: entry.code,
        errCode,
        message: entry.zh.message,
        messageEn: entry.en.message,
        retryable: entry.retry !== 'never',
        hint: entry.zh.hint,
        hintEn: entry.en.hint,
        raw: expect.stringContaining(String(errCode < -500000 ? errCode : 'some text')),
      },
    });
  });

  it('answers API_NOT_FOUND (-604100) when the cloud knows neither API name', async () => {
    const container = loadFunction({ PLUGIN_ADMIN_OPENIDS: ADMIN });
    sdk.setDevPluginApplyStatus.mockRejectedValue(cloudFailure(-604100));
    sdk.getPluginDevApplyList.mockRejectedValue(cloudFailure(-604100));

    const result = await container({ action: 'dev_refuse', reason: 'r' });

    expect(result).toMatchObject({ ok: false, error: { code: 'API_NOT_FOUND', errCode: -604100, retryable: false } });
  });

  it('sends the decision through getPluginDevApplyList when the cloud answers -604100 for setDevPluginApplyStatus, and logs it once', async () => {
    const container = loadFunction({ PLUGIN_ADMIN_OPENIDS: ADMIN });
    sdk.setDevPluginApplyStatus.mockRejectedValue(cloudFailure(-604100));

    const first = await container({ action: 'dev_agree', appid: APPID });
    const second = await container({ action: 'dev_delete', appid: APPID });

    expect([first, second]).toMatchObject([
      { ok: true, changed: true },
      { ok: true, changed: true },
    ]);
    expect(sdk.setDevPluginApplyStatus.mock.calls).toEqual([[{ action: 'dev_agree', appid: APPID }]]);
    expect(sdk.getPluginDevApplyList.mock.calls).toEqual([[{ action: 'dev_agree', appid: APPID }], [{ action: 'dev_delete', appid: APPID }]]);
    expect(logLines.filter((line) => line.includes('"event":"apiFallback"'))).toHaveLength(1);
  });

  it('tells the operator how to fix a missing config.json permission (-604101)', async () => {
    sdk.setDevPluginApplyStatus.mockRejectedValue(cloudFailure(-604101));

    const result = await main({ action: 'dev_agree', appid: APPID });

    expect(result).toMatchObject({ ok: false, error: { code: 'NO_API_PERMISSION', errCode: -604101, retryable: false } });
    expect((result.error as { hintEn: string }).hintEn).toMatch(/config\.json.*upload the function again/);
    expect((result.error as { hint: string }).hint).toMatch(/config\.json.*重新上传云函数/);
  });

  it('keeps the number and raw text of a code it does not know', async () => {
    sdk.setDevPluginApplyStatus.mockRejectedValue(wechatFailure(99999, 'brand new error rid: 1234'));

    const result = await main({ action: 'dev_agree', appid: APPID });

    expect(result).toMatchObject({
      ok: false,
      error: { code: 'WECHAT_ERROR', errCode: 99999, raw: 'openapi.pluginManager.setDevPluginApplyStatus:fail brand new error rid: 1234' },
    });
  });

  it('handles the plain {errCode, errMsg} object some SDK paths throw', async () => {
    sdk.setDevPluginApplyStatus.mockRejectedValue(plainFailure(-501001, 'resource system error. connect ECONNREFUSED 127.0.0.1:1'));

    const result = await main({ action: 'dev_delete' });

    expect(result).toMatchObject({ ok: false, error: { code: 'CLOUD_SYSTEM_ERROR', errCode: -501001, retryable: true } });
  });

  it.each([
    ['a TypeError', new TypeError('Cannot read properties of undefined')],
    ['a string', 'boom'],
    ['undefined', undefined],
    ['an object without errCode', { message: 'odd' }],
    ['an errCode that is not a number', { errCode: '89240', errMsg: 'x' }],
  ])('answers INTERNAL, with the detail only in the log, when the SDK throws %s', async (_, thrown) => {
    sdk.setDevPluginApplyStatus.mockRejectedValue(thrown);

    const result = await main({ action: 'dev_agree', appid: APPID }, { request_id: 'req-9' });

    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL', errCode: null, retryable: true } });
    expect(JSON.stringify(result)).not.toMatch(/Cannot read|boom|odd/);
    expect(logLines.some((line) => line.includes('"level":"error"') && line.includes('req-9'))).toBe(true);
  });

  it('answers TIMEOUT before the platform time limit when WeChat does not answer', async () => {
    sdk.setDevPluginApplyStatus.mockReturnValue(new Promise(() => undefined));
    const startedAt = Date.now();

    const result = await main({ action: 'dev_agree', appid: APPID }, { time_limit_in_ms: 600 });

    expect(result).toMatchObject({ ok: false, error: { code: 'TIMEOUT', retryable: true } });
    expect(Date.now() - startedAt).toBeLessThan(600);
  });

  it('writes one JSON log line per call with the OPENID masked', async () => {
    await main({ action: 'dev_agree', appid: APPID }, { request_id: 'req-42' });

    expect(logLines).toHaveLength(1);
    const record = JSON.parse(logLines[0] ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ fn: 'setPluginApplyStatus', requestId: 'req-42', action: 'dev_agree', appid: APPID, outcome: 'OK', errCode: 0 });
    expect(typeof record.durationMs).toBe('number');
    expect(logLines[0]).not.toContain(ADMIN);
    expect(record.caller).toBe('oAdm…hijk');
  });

  it('never logs the refusal reason', async () => {
    await main({ action: 'dev_refuse', reason: '联系电话 13800000000 不符' });

    expect(logLines.join('')).not.toContain('13800000000');
  });
});

describe('setPluginApplyStatus caller policy', () => {
  it.each([
    ['a caller whose OPENID is not an admin', { PLUGIN_ADMIN_OPENIDS: ADMIN }, 'oStranger', /only plugin admins/],
    ['a caller with no OPENID (HTTP or timer call)', { PLUGIN_ADMIN_OPENIDS: ADMIN }, undefined, /only plugin admins/],
    ['every caller when PLUGIN_ADMIN_OPENIDS is unset', { PLUGIN_ADMIN_OPENIDS: undefined }, ADMIN, /PLUGIN_ADMIN_OPENIDS is unset/],
    ['every caller when PLUGIN_ADMIN_OPENIDS is empty', { PLUGIN_ADMIN_OPENIDS: ' , ' }, ADMIN, /PLUGIN_ADMIN_OPENIDS is unset/],
    ['a caller whose OPENID differs only in case', { PLUGIN_ADMIN_OPENIDS: ADMIN }, ADMIN.toUpperCase(), /only plugin admins/],
  ])('refuses %s with FORBIDDEN and never calls WeChat', async (_, env, openid, message) => {
    const main = loadFunction(env);
    sdk.openid = openid;

    const result = await main({ action: 'dev_agree', appid: APPID, userInfo: { openId: ADMIN } });

    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', errCode: null, retryable: false } });
    expect((result.error as { messageEn: string }).messageEn).toMatch(message);
    expect((result.error as { yourOpenid: unknown }).yourOpenid).toBe(openid ?? null);
    expect(sdk.setDevPluginApplyStatus).not.toHaveBeenCalled();
  });

  it('refuses a stranger before looking at the event, so strangers learn nothing about its shape', async () => {
    const main = loadFunction({ PLUGIN_ADMIN_OPENIDS: ADMIN });
    sdk.openid = 'oStranger';

    const result = await main({ nonsense: true });

    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('lets in an admin listed with spaces, newlines or full-width commas', async () => {
    const main = loadFunction({ PLUGIN_ADMIN_OPENIDS: ` oFirst，\n ${ADMIN} ` });

    const result = await main({ action: 'dev_agree', appid: APPID });

    expect(result).toMatchObject({ ok: true });
  });
});

describe('setPluginApplyStatus under any input and any platform context', () => {
  const main = loadFunction({ PLUGIN_ADMIN_OPENIDS: ADMIN });

  it('never throws, and never reaches WeChat with an event that fails validation', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              action: fc.constantFrom('dev_agree', 'dev_refuse', 'dev_delete', 'x'),
              appid: fc.oneof(fc.string(), fc.constant(APPID)),
              reason: fc.oneof(fc.string(), fc.anything()),
            },
            { requiredKeys: [] },
          ),
        ),
        fc.anything(),
        // What getWXContext gives, untrusted in type too: the usual context, or any values under its keys.
        fc.option(fc.record({ OPENID: fc.anything(), FROM_APPID: fc.anything(), FROM_OPENID: fc.anything() }, { requiredKeys: [] }), { nil: undefined }),
        async (event, context, wxContext) => {
          sdk.setDevPluginApplyStatus.mockClear();
          sdk.wxContext = wxContext;

          const result = await main(event, context);

          expect(typeof result.ok).toBe('boolean');
          expect(() => JSON.stringify(result)).not.toThrow();
          if (!result.ok && (result.error as { code: string }).code === 'INVALID_EVENT') {
            expect(sdk.setDevPluginApplyStatus).not.toHaveBeenCalled();
          }
          if (sdk.setDevPluginApplyStatus.mock.calls.length > 0) {
            const sent = sdk.setDevPluginApplyStatus.mock.calls[0]?.[0] as Record<string, unknown>;
            expect(['dev_agree', 'dev_refuse', 'dev_delete']).toContain(sent.action);
            if (sent.appid !== undefined) expect(sent.appid).toMatch(/^wx[0-9a-f]{16}$/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
