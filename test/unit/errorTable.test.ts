/**
 * The error table against its sources: the cloud-side codes wx-server-sdk itself can throw (read from the installed
 * package, so a new SDK that renames one is noticed), the platform codes WeChat documents, and how each may be retried.
 */
import { readFileSync } from 'node:fs';
import type { Outcome, RetryPolicy } from '../../src/core/errorTable';
import { classifyFailure, HTTP_ERROR_CODE, OUTCOME_UNKNOWN_CODES, OWN_ERRORS, wechatError } from '../../src/core/errorTable';
import { WeChatApiError } from '../../src/core/wechatClient';
import { WECHAT_ERRORS } from '../../src/core/wechatErrors';

/** wx-server-sdk's own text for each code, from its ERR_CODE table. */
function sdkErrorTexts(): Map<number, string> {
  const source = readFileSync(require.resolve('wx-server-sdk'), 'utf8');
  const texts = new Map<number, string>();
  for (const [, code, text] of source.matchAll(/'(-\d{6})': '([^']+)'/g)) texts.set(Number(code), String(text));
  // The SDK files "unauthorized API" under '-602018' while its constant WX_UNAUTHORIZED_API is -601018.
  if (/WX_UNAUTHORIZED_API: -601018/.test(source)) texts.set(-601018, texts.get(-602018) ?? '');
  return texts;
}

const sdk = sdkErrorTexts();

/** How the table reads a failure with this code (and HTTP status). */
const failureOutcome = (errCode: number, httpStatus?: number): Outcome | undefined => classifyFailure(new WeChatApiError(errCode, 'fail', httpStatus))?.outcome;
const retryPolicyOf = (errCode: number, httpStatus?: number): RetryPolicy | undefined =>
  classifyFailure(new WeChatApiError(errCode, 'fail', httpStatus))?.retry;

/** Lowercase letters only, so "timedout" and "timed out" read alike. */
const letters = (text: string): string => text.toLowerCase().replace(/[^a-z]/g, '');

describe('error table', () => {
  it.each([
    [-601004, 'CLOUD_API_PERMISSION_DENIED', 'never'],
    [-601008, 'CLOUD_SERVER_TIMEOUT', 'backoff'],
    [-601012, 'CLOUD_UNAUTHORIZED_ENV', 'never'],
    [-601018, 'CLOUD_UNAUTHORIZED_API', 'never'],
    [-501006, 'CLOUD_INVALID_COMMON_PARAMS', 'never'],
    [-501008, 'CLOUD_INVALID_REQUEST_SOURCE', 'never'],
    [-501009, 'CLOUD_RESOURCE_NOT_INITIALIZED', 'never'],
  ])("gives wx-server-sdk's code %i its own entry, %s, meaning what the SDK says", (errCode, code, retry) => {
    const sdkText = sdk.get(errCode);

    const error = wechatError(errCode, `openapi.pluginManager.setDevPluginApplyStatus:fail ${errCode} ${sdkText ?? ''}`);

    expect(sdkText).toBeDefined();
    expect(error.code).toBe(code);
    expect(letters(error.messageEn)).toContain(letters(sdkText ?? '?'));
    expect(retryPolicyOf(errCode)).toBe(retry);
  });

  it.each([...WECHAT_ERRORS.keys()].filter((errCode) => errCode <= -500000 && errCode > -700000))('names cloud code %i as wx-server-sdk does', (errCode) => {
    expect(sdk.has(errCode)).toBe(true);
  });

  it.each([
    [41001, 'ACCESS_TOKEN_MISSING', false],
    [47001, 'DATA_FORMAT_ERROR', false],
    [48004, 'API_BANNED', false],
  ])("knows WeChat's platform code %i as %s", (errCode, code, retryable) => {
    const error = wechatError(errCode, 'rid: 1');

    expect(error).toMatchObject({ code, errCode, retryable });
  });

  it('treats a used-up daily quota as retryable later, not never: it resets, and can be cleared', () => {
    const error = wechatError(45009, 'reach max api daily quota limit rid: 2');

    expect(error.retryable).toBe(true);
    expect(retryPolicyOf(45009)).toBe('later');
  });

  it("tells a -604104 caller to call from the mini-program, not from DevTools' cloud testing", () => {
    const error = wechatError(-604104, 'illegal source of invocation');

    expect(error.hintEn).toMatch(/^Call the function from the mini-program/);
    expect(error.hintEn).not.toMatch(/from the mini-program or DevTools/);
  });

  it.each([
    [404, false, 'never'],
    [403, false, 'never'],
    [429, true, 'later'],
    [500, true, 'backoff'],
    [502, true, 'backoff'],
    [503, true, 'backoff'],
  ])('makes HTTP status %i an HTTP_ERROR that carries it, retryable: %s', (status, retryable, policy) => {
    const error = wechatError(-700002, `POST https://api.weixin.qq.com/wxa/devplugin?access_token=***: HTTP ${status}`, status);

    expect(error).toMatchObject({ code: 'HTTP_ERROR', httpStatus: status, retryable });
    expect(retryPolicyOf(-700002, status)).toBe(policy);
  });
});

describe('failureOutcome', () => {
  it.each([...WECHAT_ERRORS.entries()])('marks errCode %i unknown exactly when its text says the outcome is unknown', (errCode, entry) => {
    expect(failureOutcome(errCode)).toBe(entry.en.message.includes('outcome is unknown') ? 'unknown' : 'known');
  });

  it('treats an HTTP 5xx as unknown (a gateway may have passed the request on) and a 4xx as known', () => {
    expect([failureOutcome(HTTP_ERROR_CODE, 502), failureOutcome(HTTP_ERROR_CODE, 404), failureOutcome(HTTP_ERROR_CODE, 429)]).toEqual([
      'unknown',
      'known',
      'known',
    ]);
  });

  it('treats a code WeChat answered but the table does not know as known', () => {
    expect(failureOutcome(99999)).toBe('known');
  });
});

describe('OUTCOME_UNKNOWN_CODES', () => {
  it('holds exactly the codes whose text says the outcome is unknown, our own included', () => {
    const byText = [...WECHAT_ERRORS.values(), ...Object.values(OWN_ERRORS)]
      .filter((entry) => entry.en.message.includes('outcome is unknown'))
      .map((entry) => entry.code);

    expect([...OUTCOME_UNKNOWN_CODES].sort()).toEqual([...new Set(byText)].sort());
    expect(OUTCOME_UNKNOWN_CODES).toContain('OUTCOME_UNKNOWN');
  });
});

describe('wechatError for HTTP_ERROR', () => {
  it.each([301, 302, 307, 308])('says a %i was not followed and names the base URL', (status) => {
    const error = wechatError(-700002, `POST https://proxy.example/wxa/devplugin?access_token=***: HTTP ${status}`, status);

    expect(error).toMatchObject({ code: 'HTTP_ERROR', httpStatus: status, retryable: false });
    expect(error.hintEn).toMatch(new RegExp(`redirect \\(HTTP ${status}\\), which is never followed`));
    expect(error.hintEn).toContain('WECHAT_API_BASE_URL');
  });

  it('says no decision was sent when the token fetch answered 5xx, instead of asking to check the list', () => {
    const error = wechatError(-700002, 'POST https://api.weixin.qq.com/cgi-bin/stable_token: HTTP 502: Bad Gateway', 502);

    expect(error).toMatchObject({ code: 'HTTP_ERROR', httpStatus: 502, retryable: true });
    expect(error.hintEn).toBe('Fetching the access token got HTTP 502, so no decision was sent: just retry later.');
    expect(error.hintEn).not.toMatch(/decision was applied/);
  });
});
