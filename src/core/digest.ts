/**
 * The digest: one WeCom markdown message of at most 4,096 bytes telling the team what the watcher noticed. Applicant
 * text (nickname, statement) is untrusted: it is neutralised so that it cannot add links, mentions, headings, quotes,
 * colours or hidden text to the message, and cut to a sane length in characters as people see them.
 */
import { firstCharacters } from './reason';
import type { Notice } from './watchNotices';

/** WeCom's limit on a markdown message's content, in UTF-8 bytes (group robot API). */
export const DIGEST_MAX_BYTES = 4096;

/** Longest nickname and statement shown, in characters as people see them (grapheme clusters). */
export const NICKNAME_MAX_CHARS = 30;
export const STATEMENT_MAX_CHARS = 120;

/**
 * Characters WeCom's markdown (and what renders it) gives a meaning, each replaced by its full-width twin, which
 * reads the same and means nothing: `<` `>` (mentions `<@all>`, `<font>`), `[` `]` `(` `)` (links), `*` `_` `~` `` ` ``
 * (emphasis, code), `#` (headings), `|` `\`, `@` and `&` (entities that could spell `<`).
 */
const FULL_WIDTH: Readonly<Record<string, string>> = {
  '<': '＜',
  '>': '＞',
  '[': '［',
  ']': '］',
  '(': '（',
  ')': '）',
  '*': '＊',
  _: '＿',
  '~': '～',
  '`': '｀',
  '#': '＃',
  '|': '｜',
  '\\': '＼',
  '@': '＠',
  '&': '＆',
  '!': '！',
  '=': '＝',
};

/**
 * Control and format characters (zero-width, bidi overrides), line and paragraph separators, private-use, lone
 * surrogates and other invisible code points: turned to spaces, so that nothing is hidden or reordered and the text
 * stays on its one line. The zero-width joiner and presentation selectors stay, since emoji sequences need them.
 */
const INVISIBLE = /(?!\u200d|\ufe0e|\ufe0f)[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** The joiner and the emoji/text presentation selectors that emoji sequences are made of: kept, but never shown alone. */
const SEQUENCE_GLUE = /\u200d|\ufe0e|\ufe0f/gu;

/**
 * Applicant text made safe to place inside a digest line: on one line, without markdown, mentions, links or hidden
 * characters, at most `maxChars` characters (an ellipsis marks a cut); '—' when nothing visible is left.
 */
export function neutralise(text: unknown, maxChars: number): string {
  // Bounded before anything scans it: no nickname or statement needs more.
  const raw = (typeof text === 'string' ? text : '').slice(0, maxChars * 16);
  const flat = raw
    .replace(INVISIBLE, ' ')
    .replace(/[<>[\]()*_~`#|\\@&!=]/g, (char) => FULL_WIDTH[char] ?? ' ')
    // A bare address could still be made a link by the client: its scheme separator is broken.
    .replace(/:\/\//g, '：//')
    .replace(/\s+/g, ' ')
    .trim();
  if (flat.replace(SEQUENCE_GLUE, '').trim() === '') return '—';
  const cut = firstCharacters(flat, maxChars);
  return cut.cut ? `${cut.text}…` : cut.text;
}

/** What the digest says about the timeout: the observed one, or the configured one as an assumption. */
export interface TimeoutNote {
  ms: number;
  observed: boolean;
}

/** The digest to send, and which notices it carries (the rest, past the size limit, wait for the next run). */
export interface Digest {
  markdown: string;
  included: Notice[];
  more: number;
}

const SECTIONS: ReadonlyArray<{ kind: Notice['kind']; zh: string; en: string }> = [
  { kind: 'new', zh: '新申请', en: 'New' },
  { kind: 'remind', zh: '即将超时', en: 'Due soon' },
  { kind: 'agreed', zh: '已按规则同意', en: 'Agreed by rule' },
  { kind: 'expired', zh: '已超时（无人处理）', en: 'Timed out unseen' },
];

/** A duration as people read it in the digest: minutes under an hour, else hours to a tenth. */
export function hours(ms: number): string {
  if (ms < 3_600_000) return `${Math.max(0, Math.round(ms / 60_000))} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

/** The time left before the timeout, or that the application is past it and still pending. */
const left = (ms: number): string => (ms > 0 ? `剩 ${hours(ms)}` : '已过超时时长，仍待处理');

const APPID_SHOWN = /^wx[0-9a-f]{16}$/;

function itemLine(notice: Notice): string {
  const { app } = notice;
  const appid = APPID_SHOWN.test(app.appid) ? app.appid : neutralise(app.appid, 20);
  const who = `> **${neutralise(app.nickname, NICKNAME_MAX_CHARS)}** \`${appid}\``;
  switch (notice.kind) {
    case 'new': {
      const categories = app.categories
        .map((category) => neutralise([category.first, category.second].filter((level) => level !== '').join('/'), 30))
        .join('、');
      const rule = notice.wouldAgree === null ? '' : ` · 规则 \`${neutralise(notice.wouldAgree, 60)}\` 会同意（试运行 dry run）`;
      const statement = app.reason.trim() === '' ? '' : ` · 说明：${neutralise(app.reason, STATEMENT_MAX_CHARS)}`;
      return `${who} · ${categories === '' ? '—' : categories} · 已等 ${hours(notice.ageMs)} · ${left(notice.leftMs)}${rule}${statement}`;
    }
    case 'remind':
      return `${who} · ${left(notice.leftMs)} · left`;
    case 'agreed':
      return `${who} · \`${neutralise(notice.rule, 60)}\``;
    case 'expired':
      return `${who} · 申请后 ${hours(notice.ageMs)} 已超时，需重新申请 · must apply again`;
  }
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

const moreLine = (count: number): string => (count === 0 ? '' : `\n另有 ${count} 项下次再列 · and ${count} more`);

/**
 * The digest for `notices` (in section order, each section oldest first), or null when there is nothing to say. Items
 * are added while the message, with its closing lines, fits DIGEST_MAX_BYTES; what does not fit ends as 'and N more'.
 */
export function renderDigest(notices: readonly Notice[], options: { mentions: readonly string[]; timeout: TimeoutNote }): Digest | null {
  if (notices.length === 0) return null;
  const ordered = SECTIONS.flatMap((section) => notices.filter((notice) => notice.kind === section.kind));
  const counts = SECTIONS.map((section) => ({ ...section, count: ordered.filter((notice) => notice.kind === section.kind).length })).filter(
    (section) => section.count > 0,
  );
  const head = [`**插件申请 · Plugin applications**`, counts.map((section) => `${section.zh} ${section.count}`).join(' · ')];
  if (options.mentions.length > 0) head.push(options.mentions.map((id) => `<@${id === '@all' ? 'all' : id}>`).join(' '));
  const timeoutText = options.timeout.observed
    ? `超时时长（已观测）${hours(options.timeout.ms)} · observed timeout`
    : `超时时长按 ${hours(options.timeout.ms)} 估计（尚未观测到）· timeout assumed, not yet observed`;
  const note = `\n<font color="comment">${timeoutText}</font>`;

  let body = head.join('\n');
  let section: Notice['kind'] | null = null;
  const included: Notice[] = [];
  for (const [index, notice] of ordered.entries()) {
    const entry = SECTIONS.find((candidate) => candidate.kind === notice.kind);
    const title = notice.kind === section || entry === undefined ? '' : `\n\n**${entry.zh} · ${entry.en}**`;
    const next = `${body}${title}\n${itemLine(notice)}`;
    if (bytes(`${next}${note}${moreLine(ordered.length - index - 1)}`) > DIGEST_MAX_BYTES) break;
    body = next;
    section = notice.kind;
    included.push(notice);
  }
  if (included.length === 0) return null;
  const more = ordered.length - included.length;
  return { markdown: `${body}${note}${moreLine(more)}`, included, more };
}
