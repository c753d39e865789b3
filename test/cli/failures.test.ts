/** forCli: the error table's entries said for someone at the CLI. */
import { forCli } from '../../src/cli/failures';
import { ownError, wechatError } from '../../src/core/errorTable';

const decide = { command: 'decide', baseUrl: 'https://api.weixin.qq.com', timeoutS: 600, lang: 'en' } as const;

describe('forCli', () => {
  it.each(['OUTCOME_UNKNOWN', 'CLOUD_SERVER_TIMEOUT'])('gives %s the "run plugin-apply list" hint after a decision', (code) => {
    const error = code === 'OUTCOME_UNKNOWN' ? ownError('OUTCOME_UNKNOWN') : wechatError(-601008, 'server timeout');

    expect(forCli(error, decide).hintEn).toContain('plugin-apply list');
  });

  it('keeps the table\'s hint for a code the CLI has no words of its own for', () => {
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
});
