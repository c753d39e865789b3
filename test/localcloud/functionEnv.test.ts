import { hostedFunctionEnv } from '../../localcloud/functionEnv';

describe('hostedFunctionEnv', () => {
  it("passes the watcher's PLUGIN_APPLY_* and PLUGIN_AUTO_AGREE* variables and the admins, and nothing else", () => {
    const env = {
      PLUGIN_ADMIN_OPENIDS: 'o_me',
      PLUGIN_APPLY_WEBHOOK: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
      PLUGIN_APPLY_REMIND_HOURS: '20',
      PLUGIN_AUTO_AGREE: 'category:工具',
      PLUGIN_AUTO_AGREE_MAX: '5',
      PLUGIN_APPSECRET: 'secret',
      HOME: '/root',
      PLUGIN_APPLY_UNSET: undefined,
    };

    expect(hostedFunctionEnv(env, 'o_default')).toEqual({
      PLUGIN_ADMIN_OPENIDS: 'o_me',
      PLUGIN_APPLY_WEBHOOK: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
      PLUGIN_APPLY_REMIND_HOURS: '20',
      PLUGIN_AUTO_AGREE: 'category:工具',
      PLUGIN_AUTO_AGREE_MAX: '5',
    });
  });

  it("gives the default admins when npm start's environment names none", () => {
    expect(hostedFunctionEnv({}, 'o_default')).toEqual({ PLUGIN_ADMIN_OPENIDS: 'o_default' });
  });
});
