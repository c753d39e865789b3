/**
 * The function's configuration, read once at cold start from the environment variables set in the cloud console.
 * Reading never throws: problems are collected, and every call reports them with the variable to fix, since a
 * function that crashes at load reaches the mini-program only as the platform's opaque error.
 */
import { APPID_PATTERN } from './eventSchema';

/** Who may decide on applications. `unset`: PLUGIN_ADMIN_OPENIDS is missing or empty, so nobody may. */
export type AdminList = { kind: 'unset' } | { kind: 'listed'; openids: ReadonlySet<string> };

/** How WeChat is reached: the cloud call (the default), or HTTPS with the plugin's own appid and AppSecret. */
export type TransportConfig = { kind: 'cloud' } | { kind: 'https'; appid: string; secret: string; baseUrl: string };

export interface Config {
  admins: AdminList;
  transport: TransportConfig;
  /** Each problem names the variable and says how to fix it; empty when the configuration is usable. */
  problems: string[];
}

/** Where the HTTPS transport sends requests unless WECHAT_API_BASE_URL says otherwise (e.g. the local cloud). */
export const WECHAT_API_BASE_URL = 'https://api.weixin.qq.com';

/** Reads the configuration from an environment (process.env in the cloud). */
export function readConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const problems: string[] = [];
  const appid = env.PLUGIN_APPID?.trim() ?? '';
  const secret = env.PLUGIN_APPSECRET?.trim() ?? '';
  const baseUrl = env.WECHAT_API_BASE_URL?.trim() || WECHAT_API_BASE_URL;
  let transport: TransportConfig = { kind: 'cloud' };
  if (appid !== '' || secret !== '') {
    if (appid === '') problems.push('PLUGIN_APPSECRET is set but PLUGIN_APPID is not: set both (HTTPS calls) or neither (cloud calls).');
    if (secret === '') problems.push('PLUGIN_APPID is set but PLUGIN_APPSECRET is not: set both (HTTPS calls) or neither (cloud calls).');
    if (appid !== '' && !APPID_PATTERN.test(appid)) problems.push('PLUGIN_APPID must be the plugin\'s appid: "wx" followed by 16 lowercase hex characters.');
    if (!/^https?:\/\/[^\s/]+/.test(baseUrl)) problems.push('WECHAT_API_BASE_URL must be an http(s) URL, e.g. https://api.weixin.qq.com.');
    if (problems.length === 0) transport = { kind: 'https', appid, secret, baseUrl };
  }
  return { admins: parseAdminList(env.PLUGIN_ADMIN_OPENIDS), transport, problems };
}

/** Parses a comma-separated OPENID list; blanks and full-width commas around and between entries are ignored. */
export function parseAdminList(raw: string | undefined): AdminList {
  const openids = (raw ?? '')
    .split(/[,，\s]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  return openids.length === 0 ? { kind: 'unset' } : { kind: 'listed', openids: new Set(openids) };
}
