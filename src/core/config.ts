/**
 * The function's configuration, read once at cold start from the environment variables set in the cloud console.
 * Reading never throws: problems are collected, and every call reports them with the variable to fix, since a
 * function that crashes at load reaches the mini-program only as the platform's opaque error.
 */
import { APPID_PATTERN } from './eventSchema';

/**
 * Who may decide on applications. `unset`: PLUGIN_ADMIN_OPENIDS is missing or names nobody, so nobody may.
 * `openids` admit same-account callers (the `OPENID` entry form); `pairs` admit cross-account callers of another
 * mini-program of the same entity (the `APPID:OPENID` form, kept as that text). Malformed entries admit nobody.
 */
export type AdminList =
  | { kind: 'unset' }
  | {
      kind: 'listed';
      openids: ReadonlySet<string>;
      pairs?: ReadonlySet<string>;
      /** The names entries give admins (`张三=oAbC…`), by the entry's `OPENID` or `APPID:OPENID` text. */
      names?: ReadonlyMap<string, string>;
    };

/** How WeChat is reached: the cloud call (the default), or HTTPS with the plugin's own appid and AppSecret. */
export type TransportConfig = { kind: 'cloud' } | { kind: 'https'; appid: string; secret: string; baseUrl: string };

export interface Config {
  admins: AdminList;
  transport: TransportConfig;
  /** Each problem names the variable and says how to fix it; empty when the configuration is usable. */
  problems: string[];
}

/** WeChat's API host: where the HTTPS transport and the CLI send requests unless told otherwise (e.g. the local cloud). The one definition. */
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
    if (!/^https?:\/\/[^\s/]+/.test(baseUrl)) problems.push(`WECHAT_API_BASE_URL must be an http(s) URL, e.g. ${WECHAT_API_BASE_URL}.`);
    if (problems.length === 0) transport = { kind: 'https', appid, secret, baseUrl };
  }
  problems.push(...adminEntryProblems(env.PLUGIN_ADMIN_OPENIDS));
  return { admins: parseAdminList(env.PLUGIN_ADMIN_OPENIDS), transport, problems };
}

/** An OPENID as an admin entry may name it: what WeChat issues (28 characters of A–Z, a–z, 0–9, `-`, `_`), with room to spare. */
export const OPENID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Longest name an admin entry may give (`张三=oAbC…`), in characters. */
export const ADMIN_NAME_MAX_CHARS = 32;

/**
 * How one entry of PLUGIN_ADMIN_OPENIDS reads: an OPENID, an APPID:OPENID pair (as that text), or neither, with the
 * name it gives (`name=…`); a malformed name makes the entry malformed, `problem` saying why.
 */
interface AdminEntry {
  kind: 'openid' | 'pair' | 'malformed';
  text: string;
  name?: string;
  problem?: string;
}

/** What is wrong with an admin's name as written before `=`, or null: trimmed, 1–32 characters, no `=`, `,` or `:`. */
function nameProblem(name: string): string | null {
  if (name === '') return 'its name before "=" is empty';
  if (/[=＝,，:：]/.test(name)) return 'its name holds "=", "," or ":", which separate entries and their parts';
  if (/\p{Cc}/u.test(name)) return 'its name holds a control character';
  if (Array.from(name).length > ADMIN_NAME_MAX_CHARS) return `its name is longer than ${ADMIN_NAME_MAX_CHARS} characters`;
  return null;
}

function adminEntries(raw: string | undefined): AdminEntry[] {
  // "wx… : o…" is one entry written with spaces, not "wx…", ":" and an OPENID that would then stand alone; so is
  // "张三 = o…". An entry with a name ends at the next comma or line, so that a name may hold spaces; entries without
  // one may also be separated by spaces.
  return (raw ?? '')
    .replace(/\s*[:：]\s*/g, ':')
    .replace(/[ \t]*[=＝][ \t]*/g, '=')
    .split(/[,，\n\r]+/)
    .flatMap((segment) => (segment.includes('=') ? [segment.trim()] : segment.split(/\s+/)))
    .filter((entry) => entry !== '')
    .map((entry): AdminEntry => {
      const equals = entry.indexOf('=');
      if (equals === -1) return identityEntry(entry);
      const name = entry.slice(0, equals).trim();
      const identity = entry.slice(equals + 1);
      const problem =
        nameProblem(name) ??
        (identity.includes('=') ? 'it has more than one "="' : /\s/.test(identity) ? 'an entry with a name must be followed by a comma or a new line, not a space' : null);
      if (problem !== null) return { kind: 'malformed', text: entry, problem };
      const parsed = identityEntry(identity);
      return parsed.kind === 'malformed' ? { ...parsed, text: entry } : { ...parsed, name };
    });
}

/** An entry without its name: an OPENID, an APPID:OPENID pair, or neither. */
function identityEntry(entry: string): AdminEntry {
  const parts = entry.replace(/：/g, ':').split(':');
  const [first = '', second = ''] = parts;
  if (parts.length === 2 && APPID_PATTERN.test(first) && OPENID_PATTERN.test(second)) return { kind: 'pair', text: `${first}:${second}` };
  // An appid alone is an attempt at admitting a mini-program: it needs a user of that mini-program too.
  if (parts.length === 1 && OPENID_PATTERN.test(first) && !APPID_PATTERN.test(first)) return { kind: 'openid', text: first };
  return { kind: 'malformed', text: entry };
}

/**
 * Parses PLUGIN_ADMIN_OPENIDS: entries separated by commas (full-width too), spaces or newlines, each either
 * `OPENID` or `APPID:OPENID` (a full-width colon reads as a colon, and spaces around it are ignored), optionally
 * after a name and `=` (`张三=oAbC…`; such an entry ends at a comma or a new line). An entry of neither form admits
 * nobody and is reported by `adminEntryProblems`, so that admins are told rather than left wondering why someone is refused.
 */
export function parseAdminList(raw: string | undefined): AdminList {
  const entries = adminEntries(raw);
  const of = (kind: AdminEntry['kind']): string[] => entries.filter((entry) => entry.kind === kind).map((entry) => entry.text);
  const openids = new Set(of('openid'));
  const pairs = new Set(of('pair'));
  if (openids.size === 0 && pairs.size === 0) return { kind: 'unset' };
  const names = new Map<string, string>();
  // The first entry naming an admin gives the name.
  for (const entry of entries) if (entry.kind !== 'malformed' && entry.name !== undefined && !names.has(entry.text)) names.set(entry.text, entry.name);
  return { kind: 'listed', openids, pairs, ...(names.size > 0 ? { names } : {}) };
}

/** The entries of PLUGIN_ADMIN_OPENIDS that admit nobody, as written, in order. */
export function malformedAdminEntries(raw: string | undefined): string[] {
  return adminEntries(raw)
    .filter((entry) => entry.kind === 'malformed')
    .map((entry) => entry.text);
}

/** Why each malformed entry of PLUGIN_ADMIN_OPENIDS admits nobody, naming it (cut short) and saying how to write it. */
export function adminEntryProblems(raw: string | undefined): string[] {
  return adminEntries(raw)
    .filter((entry) => entry.kind === 'malformed')
    .map(({ text, problem }) => {
      const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
      const appidOnly = APPID_PATTERN.test(text) ? ' It is an appid alone: to admit a user of that mini-program, write APPID:OPENID with the OPENID the user has there.' : '';
      const why = problem === undefined ? '' : ` (${problem})`;
      return `PLUGIN_ADMIN_OPENIDS: the entry ${shown} admits nobody${why}. Write each entry as OPENID (a caller from this environment's own account) or APPID:OPENID (a user of another mini-program sharing this environment), e.g. wx1234567890abcdef:oAbC…, optionally named: 张三=oAbC….${appidOnly}`;
    });
}
