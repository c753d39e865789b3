/**
 * cloudbase_auth reads the platform context without the SDK; this compares that reading with the real
 * wx-server-sdk's getWXContext for the same environment, quirks included (digit-only values become numbers).
 */
import fc from 'fast-check';
import { getWXContext } from '../../src/functions/wxContext';

type SdkGetWXContext = () => Record<string, unknown>;
const sdkGetWXContext = (require('wx-server-sdk') as { getWXContext: SdkGetWXContext }).getWXContext;

/** What the real SDK answers when process.env is exactly `env`. */
function sdkAnswer(env: Record<string, string>): Record<string, unknown> {
  const saved = process.env;
  process.env = env;
  try {
    return sdkGetWXContext();
  } finally {
    process.env = saved;
  }
}

const crossAccountCall = {
  WX_CONTEXT_KEYS: 'WX_FROM_APPID,WX_FROM_OPENID,WX_CLIENTIP',
  WX_FROM_APPID: 'wx1a2b3c4d5e6f7089',
  WX_FROM_OPENID: 'o_admin_app_user',
  WX_CLIENTIP: '127.0.0.1',
  TCB_ENV: 'local',
  TCB_SOURCE: 'wx_client',
};

describe('getWXContext without the SDK', () => {
  it.each([
    ['a cross-account call', crossAccountCall],
    ['a same-account call', { WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID,WX_UNIONID', WX_OPENID: 'oAbc', WX_APPID: 'wx0123456789abcdef', SCF_NAMESPACE: 'ns' }],
    [
      'digit-only values, a leading zero, a sign and more digits than a number holds',
      {
        WX_CONTEXT_KEYS: 'WX_OPENID,WX_FROM_APPID,WX_FROM_OPENID,WX_X',
        WX_OPENID: '0123',
        WX_FROM_APPID: '-42',
        WX_FROM_OPENID: '123456789012345678901234',
        WX_X: '1e5',
      },
    ],
    [
      "the platform's own tokens, which the SDK never hands out",
      {
        WX_CONTEXT_KEYS: 'WX_API_TOKEN,API_TOKEN,WX_TRIGGER_API_TOKEN_V0,WX_OPENID',
        WX_API_TOKEN: 't',
        API_TOKEN: 't',
        WX_TRIGGER_API_TOKEN_V0: 't',
        WX_OPENID: 'o',
      },
    ],
    [
      'keys without the WX_ prefix, empty keys and keys that are not set',
      { WX_CONTEXT_KEYS: ',OPENID,,WX_,WX_MISSING,WX_EMPTY', OPENID: 'o', WX_: 'x', WX_EMPTY: '' },
    ],
    ['no WX_CONTEXT_KEYS at all', { WX_OPENID: 'o', TCB_ENV: 'e' }],
  ])('reads %s as the SDK does', (_, env: Record<string, string>) => {
    expect(getWXContext(env)).toStrictEqual(sdkAnswer(env));
  });

  it('reads any environment as the SDK does', () => {
    const name = fc.constantFrom('WX_OPENID', 'WX_APPID', 'WX_FROM_APPID', 'WX_FROM_OPENID', 'WX_UNIONID', 'OPENID', 'WX_', 'WX_API_TOKEN', 'X');
    const value = fc.oneof(fc.string(), fc.stringMatching(/^-?\d{1,30}$/), fc.constant(''));
    fc.assert(
      fc.property(
        fc.dictionary(name, value),
        fc.array(fc.oneof(name, fc.constant('')), { maxLength: 6 }),
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        (vars, keys, tcbEnv, source) => {
          const env: Record<string, string> = { ...vars, WX_CONTEXT_KEYS: keys.join(',') };
          if (tcbEnv !== undefined) env.TCB_ENV = tcbEnv;
          if (source !== undefined) env.TCB_SOURCE = source;

          expect(getWXContext(env)).toStrictEqual(sdkAnswer(env));
        },
      ),
      { numRuns: 500 },
    );
  });
});
