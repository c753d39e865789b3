/** The plugin's appid and AppSecret for the CLI, only ever from the environment (a flag would land in shell history). */
import { APPID_PATTERN } from '../core/eventSchema';
import { ConfigError } from './arguments';

/** An AppSecret as mp.weixin.qq.com shows it. */
const APPSECRET_PATTERN = /^[0-9a-f]{32}$/i;

/** PLUGIN_APPID and PLUGIN_APPSECRET, checked for form; throws ConfigError naming what is missing or malformed. */
export function readCredentials(env: Readonly<Record<string, string | undefined>>): { appid: string; secret: string } {
  const appid = env.PLUGIN_APPID?.trim() ?? '';
  const secret = env.PLUGIN_APPSECRET?.trim() ?? '';
  const missing = [appid === '' ? 'PLUGIN_APPID' : null, secret === '' ? 'PLUGIN_APPSECRET' : null].filter((n): n is string => n !== null);
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set. Set PLUGIN_APPID (the plugin's appid) and ` +
        'PLUGIN_APPSECRET (its AppSecret) in the environment; both are at mp.weixin.qq.com → 开发管理 → 开发设置 ' +
        '(Development → Development settings). They are read only from the environment, never from flags, so they stay out of shell history.',
    );
  }
  if (!APPID_PATTERN.test(appid)) {
    throw new ConfigError('PLUGIN_APPID must be the plugin\'s appid: "wx" followed by 16 lowercase hex characters (mp.weixin.qq.com → 开发管理 → 开发设置).');
  }
  if (!APPSECRET_PATTERN.test(secret)) {
    // Only its length is shown: the value is a credential even when it is a wrong one.
    throw new ConfigError(
      `PLUGIN_APPSECRET is malformed: an AppSecret is 32 hexadecimal characters, this one has ${[...secret].length} characters` +
        `${/^[0-9a-f]*$/i.test(secret) ? '' : ' and not only hexadecimal ones'}. Copy it again from mp.weixin.qq.com → 开发管理 → 开发设置 (Development → Development settings).`,
    );
  }
  return { appid, secret };
}
