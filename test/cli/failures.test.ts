/** forCli: the error table's entries said for someone at the CLI. */
import { forCli } from '../../src/cli/failures';
import type { ApplyError } from '../../src/core/errorTable';
import { OWN_ERRORS, ownError, wechatError } from '../../src/core/errorTable';
import { WECHAT_ERRORS } from '../../src/core/wechatErrors';

const decide = { command: 'decide', baseUrl: 'https://api.weixin.qq.com', timeoutS: 600, lang: 'en' } as const;

describe('forCli', () => {
  it.each(['OUTCOME_UNKNOWN', 'CLOUD_SERVER_TIMEOUT'])('gives %s the "run plugin-apply list" hint after a decision', (code) => {
    const error = code === 'OUTCOME_UNKNOWN' ? ownError('OUTCOME_UNKNOWN') : wechatError(-601008, 'server timeout');

    expect(forCli(error, decide).hintEn).toContain('plugin-apply list');
  });

  it("keeps the table's hint for a code the CLI has no words of its own for", () => {
    const error = wechatError(45011, 'api minute-quota reach limit');

    expect(forCli(error, decide)).toEqual(error);
  });

  it('drops "the outcome is unknown" from what a list says: a list decides nothing', () => {
    const error = wechatError(-700001, 'POST http://127.0.0.1:9/wxa/devplugin failed: ECONNREFUSED; the outcome is unknown');

    const said = forCli(error, { ...decide, command: 'list' });

    expect(said.messageEn).toBe('could not reach the WeChat API (network error)');
    expect(said.message).toBe('无法连接微信接口（网络错误）');
    expect(said.raw).toBe('POST http://127.0.0.1:9/wxa/devplugin failed: ECONNREFUSED');
  });

  const unknownOutcome: Array<[string, ApplyError]> = [
    ...[...WECHAT_ERRORS]
      .filter(([, entry]) => entry.outcome === 'unknown')
      .map(([errCode, entry]): [string, ApplyError] => [entry.code, wechatError(errCode, 'rid: 1')]),
    ...Object.values(OWN_ERRORS)
      .filter((entry) => entry.outcome === 'unknown')
      .map((entry): [string, ApplyError] => [entry.code, ownError(entry.code)]),
  ];

  it.each(unknownOutcome)('tells a list that met %s to just run it again, not to look for a decision', (_code, error) => {
    const said = forCli(error, { ...decide, command: 'list' });

    expect(said.hintEn).toContain('Listing changes nothing, so just run it again.');
    expect(said.hintEn).not.toMatch(/decision/);
    expect(said.hint).toContain('读取列表不会改变任何申请');
  });

  it.each([
    ['IP_NOT_WHITELISTED', wechatError(61004, 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 1')],
    ['IP_NOT_WHITELISTED', wechatError(40164, 'invalid ip 203.0.113.7, not in whitelist rid: 1')],
    ['DATA_FORMAT_ERROR', wechatError(47001, 'data format error rid: 1')],
    ['WECHAT_ERROR', wechatError(99999, 'something new rid: 42')],
  ])("points %s at WeChat's text on the error line, not at the raw field of a function result", (_code, error) => {
    const said = forCli(error, decide);

    expect(`${said.hint} ${said.hintEn}`).not.toMatch(/\braw\b|this server|本服务器/);
    expect(said.hintEn).toContain('error line');
  });
});
