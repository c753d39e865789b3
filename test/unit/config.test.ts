import { readConfig } from '../../src/core/config';

const APPID = 'wx0123456789abcdef';

describe('readConfig', () => {
  it('uses the cloud call when no HTTPS credentials are set', () => {
    expect(readConfig({ PLUGIN_ADMIN_OPENIDS: 'oA' })).toEqual({
      admins: { kind: 'listed', openids: new Set(['oA']) },
      transport: { kind: 'cloud' },
      problems: [],
    });
  });

  it('switches to HTTPS when both PLUGIN_APPID and PLUGIN_APPSECRET are set', () => {
    const config = readConfig({ PLUGIN_APPID: ` ${APPID} `, PLUGIN_APPSECRET: 'secret', WECHAT_API_BASE_URL: 'http://127.0.0.1:3000' });

    expect(config.transport).toEqual({ kind: 'https', appid: APPID, secret: 'secret', baseUrl: 'http://127.0.0.1:3000' });
    expect(config.problems).toEqual([]);
  });

  it.each([
    ['only the AppSecret', { PLUGIN_APPSECRET: 'secret' }, /PLUGIN_APPID is not/],
    ['only the appid', { PLUGIN_APPID: APPID }, /PLUGIN_APPSECRET is not/],
    ['a malformed appid', { PLUGIN_APPID: 'wxNOPE', PLUGIN_APPSECRET: 'secret' }, /PLUGIN_APPID must be/],
    ['a base URL that is not http(s)', { PLUGIN_APPID: APPID, PLUGIN_APPSECRET: 'secret', WECHAT_API_BASE_URL: 'ftp://x' }, /WECHAT_API_BASE_URL/],
  ])('names the variable to fix for %s, and stays on the cloud call', (_, env, problem) => {
    const config = readConfig(env);

    expect(config.transport).toEqual({ kind: 'cloud' });
    expect(config.problems).toEqual([expect.stringMatching(problem)]);
    expect(config.problems.join(' ')).not.toContain('secret');
  });

  it('treats an admin list of only separators as unset', () => {
    expect(readConfig({ PLUGIN_ADMIN_OPENIDS: ' ,， \n' }).admins).toEqual({ kind: 'unset' });
  });
});
