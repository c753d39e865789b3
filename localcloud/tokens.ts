import { randomBytes } from 'node:crypto';
import type { WeChatError } from './wechatErrors';
import { WeChatErrcode, wechatError } from './wechatErrors';

/** `/cgi-bin/stable_token` success body. */
export interface StableToken {
  access_token: string;
  expires_in: number;
}

/** The plugin account whose appid + secret may ask for tokens. */
export interface TokenAccount {
  appid: string;
  secret: string;
  ttlSeconds: number;
}

/** How long a replaced token keeps working after a force_refresh (WeChat: 5 minutes). */
const overlapMs = 5 * 60 * 1000;

/** The access_token issuer and checker of one plugin account. */
export interface TokenIssuer {
  /** Answers a stable_token request body. */
  issue(body: Readonly<Record<string, unknown>>): StableToken | WeChatError;
  /** 0 when the token is valid, else 41001 (missing), 40001 (unknown) or 42001 (expired). */
  check(token: string | null): number;
  /** Forgets every token. */
  clear(): void;
}

/** Creates an issuer; `now` is injectable for tests of expiry. */
export function createTokenIssuer(account: TokenAccount, now: () => number = Date.now): TokenIssuer {
  const expiries = new Map<string, number>();
  let current: string | null = null;
  const ttlMs = account.ttlSeconds * 1000;
  // Normal mode renews 5 minutes early out of 7200 s; scale that for short test TTLs.
  const renewWindowMs = Math.min(overlapMs, Math.floor(ttlMs / 24));

  const mint = (): string => {
    const token = `LOCAL_${randomBytes(24).toString('base64url')}`;
    expiries.set(token, now() + ttlMs);
    current = token;
    return token;
  };
  const answer = (token: string): StableToken => ({
    access_token: token,
    expires_in: Math.max(0, Math.round(((expiries.get(token) ?? 0) - now()) / 1000)),
  });

  return {
    issue(body) {
      if (body.grant_type !== 'client_credential') return wechatError(WeChatErrcode.invalidGrantType);
      if (typeof body.appid !== 'string' || body.appid === '') return wechatError(WeChatErrcode.appidMissing);
      if (typeof body.secret !== 'string' || body.secret === '') return wechatError(WeChatErrcode.appsecretMissing);
      if (body.appid !== account.appid) return wechatError(WeChatErrcode.invalidAppid);
      if (body.secret !== account.secret) return wechatError(WeChatErrcode.invalidAppsecret);
      if (body.force_refresh === true) {
        if (current !== null) {
          const old = expiries.get(current) ?? 0;
          expiries.set(current, Math.min(old, now() + overlapMs));
        }
        return answer(mint());
      }
      const expiry = current === null ? 0 : (expiries.get(current) ?? 0);
      if (current !== null && expiry - now() > renewWindowMs) return answer(current);
      return answer(mint());
    },
    check(token) {
      if (token === null || token === '') return WeChatErrcode.accessTokenMissing;
      const expiry = expiries.get(token);
      if (expiry === undefined) return WeChatErrcode.invalidCredential;
      return expiry > now() ? WeChatErrcode.ok : WeChatErrcode.accessTokenExpired;
    },
    clear() {
      expiries.clear();
      current = null;
    },
  };
}
