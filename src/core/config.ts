/**
 * The function's configuration, read once at cold start from the environment variables set in the cloud console.
 * Reading never throws: problems are collected, and every call reports them with the variable to fix, since a
 * function that crashes at load reaches the mini-program only as the platform's opaque error.
 */
import { APPID_PATTERN } from './eventSchema';

/** An admin as one entry of PLUGIN_ADMIN_OPENIDS names them: `appid` is set for a user of another mini-program. */
export interface Admin {
  openid: string;
  appid?: string;
  /** The name the entry gives the admin (`张三=oAbC…`), which the decision trail records. */
  name?: string;
}

/**
 * Who may decide on applications. `unset`: PLUGIN_ADMIN_OPENIDS is missing or names nobody, so nobody may.
 * `openids` admit same-account callers (the `OPENID` entry form); `byAppid` admits cross-account callers of another
 * mini-program of the same entity (the `APPID:OPENID` form), by appid and then OPENID. Malformed entries admit nobody.
 */
export type AdminList =
  | { kind: 'unset' }
  | {
      kind: 'listed';
      openids: ReadonlySet<string>;
      byAppid?: ReadonlyMap<string, ReadonlySet<string>>;
      /** The names entries give admins, by `OPENID` or `APPID:OPENID`; absent when no entry gives one. */
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

/**
 * Zero-width and other format characters (Unicode Cf: U+200B, U+200D, U+FEFF, U+200E/F, U+00AD, …), which copying
 * from chats and documents leaves behind. No OPENID or appid holds one and no screen shows one, so an entry means
 * what it shows without them: they are dropped, rather than refused in a message about a character nobody can see.
 */
const INVISIBLE = /\p{Cf}/gu;

/**
 * One entry of PLUGIN_ADMIN_OPENIDS as read: the admin it names, or, malformed, its text and what is wrong with it
 * (`problem`, which never quotes the text, so it may be shown to anyone). `position` counts entries from 1.
 */
export type AdminEntry = { position: number } & ({ kind: 'admin'; admin: Admin } | { kind: 'malformed'; text: string; problem: string });

/** Longest name an admin entry may give (`张三=oAbC…`), in characters. */
export const ADMIN_NAME_MAX_CHARS = 32;

/**
 * The entries of PLUGIN_ADMIN_OPENIDS, in order: separated by commas (full-width too), spaces or newlines, each either
 * `OPENID` or `APPID:OPENID` (a full-width colon reads as a colon, and spaces around it are ignored), optionally after
 * the admin's name and `=` (`张三=oAbC…`; such an entry ends at a comma or a new line, so a name may hold spaces);
 * invisible format characters are dropped first.
 */
export function adminEntries(raw: string | undefined): AdminEntry[] {
  // "wx… : o…" is one entry written with spaces, not "wx…", ":" and an OPENID that would then stand alone; so is "张三 = o…".
  return (raw ?? '')
    .replace(INVISIBLE, '')
    .replace(/\s*[:：]\s*/g, ':')
    .replace(/[ \t]*[=＝][ \t]*/g, '=')
    .split(/[,，\n\r]+/)
    .flatMap((segment) => (segment.includes('=') ? [segment.trim()] : segment.split(/\s+/)))
    .filter((entry) => entry !== '')
    .map((entry, index): AdminEntry => {
      const position = index + 1;
      const equals = entry.indexOf('=');
      if (equals === -1) return { position, ...identityEntry(entry) };
      const name = entry.slice(0, equals).trim();
      const identity = entry.slice(equals + 1);
      const problem =
        nameProblem(name) ??
        (identity.includes('=')
          ? 'it has more than one "="'
          : /\s/.test(identity)
            ? 'an entry with a name must end at a comma or a new line, not a space'
            : null);
      if (problem !== null) return { position, kind: 'malformed', text: entry, problem };
      const read = identityEntry(identity);
      return read.kind === 'admin' ? { position, kind: 'admin', admin: { ...read.admin, name } } : { position, ...read, text: entry };
    });
}

/** An entry without a name: the admin it names, or what is wrong with it. */
function identityEntry(entry: string): { kind: 'admin'; admin: Admin } | { kind: 'malformed'; text: string; problem: string } {
  const parts = entry.replace(/：/g, ':').split(':');
  const [first = '', second = ''] = parts;
  if (parts.length === 2 && APPID_PATTERN.test(first) && OPENID_PATTERN.test(second)) return { kind: 'admin', admin: { appid: first, openid: second } };
  // An appid alone is an attempt at admitting a mini-program: it needs a user of that mini-program too.
  if (parts.length === 1 && OPENID_PATTERN.test(first) && !APPID_PATTERN.test(first)) return { kind: 'admin', admin: { openid: first } };
  return { kind: 'malformed', text: entry, problem: entryProblem(parts) };
}

/** What is wrong with an admin's name as written before `=`, or null: 1–32 characters, no `=`, `,` or `:`. Never quotes it. */
function nameProblem(name: string): string | null {
  if (name === '') return 'its name before "=" is empty';
  if (/[,，:：]/.test(name)) return 'its name holds "," or ":", which separate entries and their parts';
  if (/\p{Cc}/u.test(name)) return 'its name holds a control character';
  if (Array.from(name).length > ADMIN_NAME_MAX_CHARS) return `its name is longer than ${ADMIN_NAME_MAX_CHARS} characters`;
  return null;
}

/** An appid as people paste it, capitals included. */
const APPID_ANY_CASE = /^wx[0-9a-f]{16}$/i;

/** What is wrong with a malformed entry, split at its colons, in words that quote none of it beyond one stray character. */
function entryProblem(parts: readonly string[]): string {
  const [first = '', second = ''] = parts;
  if (parts.some((part) => /["'`“”‘’]/.test(part))) return 'it has quotes: remove the quotes around the value or the entry';
  if (parts.length > 2) return 'it has more than one colon';
  if (parts.length === 1) {
    if (APPID_PATTERN.test(first)) return 'it is an appid alone: write APPID:OPENID with the OPENID the admin has in that mini-program';
    return openidProblem(first);
  }
  if (first === '') return 'it has no appid before the colon';
  if (!APPID_PATTERN.test(first))
    return APPID_ANY_CASE.test(first) ? 'its appid has capitals: write it in lowercase' : 'its appid is not "wx" and 16 lowercase hex characters';
  if (second === '') return 'it has no OPENID after the colon';
  return openidProblem(second);
}

function openidProblem(openid: string): string {
  const stray = Array.from(openid).find((char) => !/[A-Za-z0-9_-]/.test(char));
  if (stray !== undefined) {
    // Punctuation is shown as it is; anything else by its code point, which says what to look for and shows no letter.
    const shown = /^[!-/:-@[-`{-~]$/.test(stray) ? JSON.stringify(stray) : `U+${(stray.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `its OPENID has ${shown}, which no OPENID has (only A–Z, a–z, 0–9, - and _)`;
  }
  return 'its OPENID is longer than the 64 characters an OPENID may have';
}

/** The admins the entries name, held by OPENID and by appid; `unset` when they name nobody. */
export function adminListOf(entries: readonly AdminEntry[]): AdminList {
  const openids = new Set<string>();
  const byAppid = new Map<string, Set<string>>();
  const names = new Map<string, string>();
  for (const entry of entries) {
    if (entry.kind !== 'admin') continue;
    const { appid, openid, name } = entry.admin;
    if (appid === undefined) openids.add(openid);
    else byAppid.set(appid, (byAppid.get(appid) ?? new Set<string>()).add(openid));
    // The first entry that names an admin gives the name.
    const key = appid === undefined ? openid : `${appid}:${openid}`;
    if (name !== undefined && !names.has(key)) names.set(key, name);
  }
  if (openids.size === 0 && byAppid.size === 0) return { kind: 'unset' };
  return { kind: 'listed', openids, byAppid, ...(names.size > 0 ? { names } : {}) };
}

/**
 * Parses PLUGIN_ADMIN_OPENIDS (see `adminEntries`). An entry of neither form admits nobody and is reported by
 * `adminEntryProblems`, so that admins are told rather than left wondering why someone is refused.
 */
export function parseAdminList(raw: string | undefined): AdminList {
  return adminListOf(adminEntries(raw));
}

/** Why each malformed entry of PLUGIN_ADMIN_OPENIDS admits nobody, naming it (cut short) and saying how to write it. */
export function adminEntryProblems(raw: string | undefined): string[] {
  return adminEntries(raw).flatMap((entry) => {
    if (entry.kind !== 'malformed') return [];
    const { text, position, problem } = entry;
    const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
    return [
      `PLUGIN_ADMIN_OPENIDS: the entry ${shown} admits nobody (entry ${position}: ${problem}). Write each entry as OPENID (a caller from this environment's own account) or APPID:OPENID (a user of another mini-program sharing this environment), e.g. wx1234567890abcdef:oAbC….`,
    ];
  });
}
