/**
 * wx-server-sdk's getWXContext, reproduced without the SDK for the one function that needs nothing else from it
 * (cloudbase_auth), so that it loads in milliseconds. It reads the same variables the same way, down to the SDK's
 * quirks (digit-only values become numbers); test/unit/wxContext.test.ts compares it with the real SDK.
 */

/** What getWXContext returns: OPENID, APPID, FROM_APPID, … as the platform set them, plus ENV and SOURCE. */
export type WXContext = Record<string, string | number | undefined>;

// The SDK never hands out these keys (they carry the platform's own credentials).
const CONTEXT_KEYS_BLACKLIST = ['API_TOKEN', 'TRIGGER_API_TOKEN_V0'];
const WX_PREFIX = 'WX_';

/** The context the platform injected into `env`, exactly as wx-server-sdk 4.0.2's getWXContext reads it. */
export function getWXContext(env: Readonly<Record<string, string | undefined>> = process.env): WXContext {
  const wxContext: WXContext = {};
  if (!env.WX_CONTEXT_KEYS) return wxContext;
  for (const key of env.WX_CONTEXT_KEYS.split(',')) {
    if (!key || CONTEXT_KEYS_BLACKLIST.some((name) => name === key || WX_PREFIX + name === key)) continue;
    const text = env[key];
    if (text === undefined) continue;
    const value = /^[-]?\d+$/.test(text) ? parseInt(text) : text;
    wxContext[key.startsWith(WX_PREFIX) && key.length > 3 ? key.slice(3) : key] = value;
  }
  wxContext.ENV = env.TCB_ENV || env.SCF_NAMESPACE;
  if (env.TCB_SOURCE) wxContext.SOURCE = env.TCB_SOURCE;
  return wxContext;
}
