/**
 * What the `plugin-apply` CLI prints: the application table, one line per decision, the summary, the operator
 * hints (in the locale's language), and the progress bar. Pure text in, text out (the bar writes to its stream).
 */
import type { DecisionCounts } from '../core/batch';
import type { Application } from '../core/applicationList';
import { STATUS_TEXT } from '../core/status';
import type { ApplyError } from '../core/errorTable';
import { ACCOUNT_WIDE_CODES } from '../core/errorTable';
import type { DecisionAction } from '../core/eventSchema';
import type { DecisionResult } from '../core/decisions';

/** The language of the CLI's messages. */
export type Lang = 'zh' | 'en';

/** Chinese for a `zh*` locale, else English; the locale is the first of LC_ALL, LC_MESSAGES and LANG that is set. */
export function langOf(env: Readonly<Record<string, string | undefined>>): Lang {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((value) => value !== undefined && value.trim() !== '') ?? '';
  return /^zh/i.test(locale.trim()) ? 'zh' : 'en';
}

/**
 * Codes whose raw text (WeChat's errmsg, or the transport's own account) says more than the message: the number
 * WeChat did not document, the IP to whitelist, the HTTP status and address, the network cause. For the others it
 * only repeats the message, in English.
 */
const RAW_ADDS: ReadonlySet<string> = new Set([
  'WECHAT_ERROR',
  'IP_NOT_WHITELISTED',
  'HTTP_ERROR',
  'HTTPS_NETWORK_ERROR',
  'HTTPS_RESPONSE_TOO_LARGE',
  'DATA_FORMAT_ERROR',
  'SYSTEM_BUSY',
  'OPENAPI_TIMEOUT',
  'ACCESS_TOKEN_INVALID',
]);

/** Whether a failure line shows its raw text. */
export function rawAddsSomething(error: ApplyError): boolean {
  return error.raw !== undefined && error.raw !== '' && RAW_ADDS.has(error.code);
}

/**
 * Characters a terminal acts on instead of printing: C0 controls (ESC starts the sequences that clear the screen,
 * set the title, hide text or move the cursor), DEL, C1 controls (U+009B is a one-character CSI on some
 * terminals), and the bidirectional overrides that make text read in a different order than it is.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The part of UNPRINTABLE that JSON.stringify leaves as it is (C0 controls in strings it escapes already). */
const UNPRINTABLE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from WeChat (nicknames, reasons, errmsg) or from the operator's files, fit for a terminal: every control
 * character is shown as a visible escape (`\x1b`, `\u{202e}`), so an applicant cannot drive the operator's terminal.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/**
 * JSON for stdout. JSON.stringify already escapes C0 controls inside strings; DEL, C1 and bidirectional controls
 * are valid JSON as they are, so they are escaped too (as `\u009b`…), which keeps the same value for a parser.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNPRINTABLE_IN_JSON, (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/** Columns a string takes in a terminal: East Asian wide and full-width characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += isWide(char.codePointAt(0) ?? 0) ? 2 : 1;
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** "待确认 pending": how a status reads in the table. */
export function statusLabel(item: Application): string {
  if (item.statusName === 'unknown') return `未知 unknown (${item.status})`;
  const [zh, en] = STATUS_TEXT[item.statusName];
  return `${zh} ${en}`;
}

/** An ISO time as local "YYYY-MM-DD HH:mm" (the operator's clock); "-" when WeChat sent none. */
export function localTime(iso: string | null): string {
  if (iso === null) return '-';
  const date = new Date(iso);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

/** The applications as an aligned table (wide characters counted as two columns), with a count line. */
export function formatApplicationsTable(items: readonly Application[], filter: string | undefined): string {
  const what = (count: number): string => `${filter === undefined ? '' : `${filter} `}application${count === 1 ? '' : 's'}`;
  if (items.length === 0) return `No ${what(0)}.\n`;
  const header = ['APPID', 'STATUS', 'NICKNAME', 'APPLIED AT', 'REASON'];
  const rows = items.map((item) => [
    printable(item.appid),
    statusLabel(item),
    printable(item.nickname) || '-',
    localTime(item.createTime),
    printable(oneLine(item.reason)),
  ]);
  const widths = header.map((title, column) => Math.max(displayWidth(title), ...rows.map((row) => displayWidth(row[column] ?? ''))));
  // The last column is not padded, so lines carry no trailing blanks.
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : padToWidth(cell, widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${items.length} ${what(items.length)}\n`;
}

/** Text from WeChat on one line: a reason with line breaks would break the table. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

const DONE: Readonly<Record<DecisionAction, readonly [changed: string, unchanged: string]>> = {
  dev_agree: ['agreed', 'already approved (unchanged)'],
  dev_refuse: ['refused', 'already refused (unchanged)'],
  // WeChat answers a delete of an appid it does not list (89242) the same whether the application was deleted
  // before or never existed, so the line says what is known: a mistyped appid reads differently from a deletion.
  dev_delete: ['deleted', 'not in the list (unchanged)'],
};

/** An appid with the applicant's nickname when it is known: "wx… (小鹿记账)". */
export function whoLabel(appid: string, nickname: string | undefined): string {
  return nickname === undefined || nickname === '' ? printable(appid) : `${printable(appid)} (${printable(oneLine(nickname))})`;
}

/**
 * "✓ wx… (nickname) agreed", "= wx… (nickname) already approved (unchanged)" or "✗ wx… (nickname) CODE message" with
 * the problems found; `action` names the failed decision (a file that mixes actions).
 */
export function formatDecisionLine(who: string, result: DecisionResult, lang: Lang, action?: DecisionAction): string {
  if (result.ok) {
    const [changed, unchanged] = DONE[result.action];
    return result.changed ? `✓ ${who} ${changed}` : `= ${who} ${unchanged}`;
  }
  const what = action === undefined ? '' : `${commandOf(action)}: `;
  return [`✗ ${who} ${what}${describeError(result.error, lang)}`, ...issueLines(result.error, lang)].join('\n');
}

/** "CODE [errCode] message" in `lang`, with WeChat's or the transport's own text only where it adds something. */
export function describeError(error: ApplyError, lang: Lang): string {
  const number = error.errCode === null ? '' : ` [${error.errCode}]`;
  const raw = rawAddsSomething(error) ? ` — ${error.raw ?? ''}` : '';
  return printable(`${error.code}${number} ${lang === 'zh' ? error.message : error.messageEn}${raw}`);
}

function issueLines(error: ApplyError, lang: Lang): string[] {
  return (error.issues ?? []).map((issue) => `    ${printable(lang === 'zh' ? issue.message : issue.messageEn)}`);
}

/**
 * "agree: 5 appids — 3 agreed, 1 unchanged, 1 failed"; for a file that mixes actions (`apply`, no single action),
 * "apply: 4 decisions — 1 agreed, 1 refused, 1 deleted, 1 unchanged, 0 failed".
 */
export function formatSummary(action: DecisionAction | 'apply', counts: DecisionCounts, results: readonly DecisionResult[] = []): string {
  if (action === 'apply') {
    const changedBy = (done: DecisionAction): number => results.filter((result) => result.ok && result.changed && result.action === done).length;
    const parts = [
      ...(['dev_agree', 'dev_refuse', 'dev_delete'] as const).map((done) => `${changedBy(done)} ${DONE[done][0]}`),
      `${counts.unchanged} unchanged`,
      `${counts.failed} failed`,
    ];
    return `apply: ${counts.total} decision${counts.total === 1 ? '' : 's'} — ${[...parts, ...laterParts(counts)].join(', ')}`;
  }
  const parts = [`${counts.changed} ${DONE[action][0]}`, `${counts.unchanged} unchanged`, `${counts.failed} failed`];
  return `${commandOf(action)}: ${counts.total} appid${counts.total === 1 ? '' : 's'} — ${[...parts, ...laterParts(counts)].join(', ')}`;
}

function laterParts(counts: DecisionCounts): string[] {
  const parts: string[] = [];
  if (counts.notAttempted > 0) parts.push(`${counts.notAttempted} not attempted (run again for them)`);
  if (counts.skipped > 0) parts.push(`${counts.skipped} skipped (fix the account-wide error below, then run again for them)`);
  return parts;
}

/** The CLI's word for an action: agree, refuse, delete. */
export function commandOf(action: DecisionAction): string {
  return action.replace(/^dev_/, '');
}

/**
 * One block per distinct error code among the failures, with the error table's hint. Account-wide errors
 * (credentials, IP whitelist, quota) come first and stand out: they are what the operator must fix.
 */
export function formatHints(errors: readonly ApplyError[], lang: Lang): string {
  const byCode = new Map<string, ApplyError>();
  for (const error of errors) if (!byCode.has(error.code)) byCode.set(error.code, error);
  const distinct = [...byCode.values()].sort((a, b) => Number(ACCOUNT_WIDE_CODES.has(b.code)) - Number(ACCOUNT_WIDE_CODES.has(a.code)));
  return distinct
    .map((error) => {
      const hint = printable(lang === 'zh' ? error.hint : error.hintEn);
      if (!ACCOUNT_WIDE_CODES.has(error.code)) return `${lang === 'zh' ? '建议' : 'hint'} (${error.code}): ${hint}\n`;
      const rule = '!'.repeat(60);
      return `${rule}\n!! ${describeError(error, lang)}\n!! ${lang === 'zh' ? '建议：' : 'What to do: '}${hint}\n${rule}\n`;
    })
    .join('');
}

/** A one-line progress bar, redrawn in place; a no-op unless the stream is a terminal. */
export interface ProgressBar {
  update(settled: number, failed: number): void;
  /** Erases the bar, so what follows starts on a clean line. */
  clear(): void;
}

/** A progress bar over `total` items on `stream` (stderr), drawn only when it is a TTY and there is more than one item. */
export function createProgressBar(stream: { write(text: string): unknown; isTTY?: boolean }, total: number): ProgressBar {
  if (stream.isTTY !== true || total < 2) return { update: () => undefined, clear: () => undefined };
  const width = 30;
  let drawn = false;
  return {
    update(settled, failed) {
      const filled = Math.round((settled / total) * width);
      const failures = failed > 0 ? `  ✗ ${failed}` : '';
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${settled}/${total}${failures}\x1b[K`);
      drawn = true;
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
