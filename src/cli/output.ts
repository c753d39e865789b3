/**
 * What the `plugin-apply` CLI prints: the application table, one line per decision, the summary, the operator
 * hints for account-wide errors, and the progress bar. Pure text in, text out (the bar writes to its stream).
 */
import type { Application } from '../core/applicationList';
import { STATUS_TEXT } from '../core/applicationList';
import type { ApplyError } from '../core/errorTable';
import { ACCOUNT_WIDE_CODES, OUTCOME_UNKNOWN_CODES } from '../core/errorTable';
import type { DecisionAction } from '../core/eventSchema';
import type { DecisionResult } from '../core/decisions';

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
  const rows = items.map((item) => [printable(item.appid), statusLabel(item), printable(item.nickname) || '-', localTime(item.createTime), printable(oneLine(item.reason))]);
  const widths = header.map((title, column) => Math.max(displayWidth(title), ...rows.map((row) => displayWidth(row[column] ?? ''))));
  // The last column is not padded, so lines carry no trailing blanks.
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : padToWidth(cell, widths[column] ?? 0))).join('  ').trimEnd();
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

/** "✓ wx… agreed", "= wx… already approved (unchanged)" or "✗ wx… CODE message (messageEn)" with the problems found. */
export function formatDecisionLine(appid: string, result: DecisionResult): string {
  if (result.ok) {
    const [changed, unchanged] = DONE[result.action];
    return result.changed ? `✓ ${printable(appid)} ${changed}` : `= ${printable(appid)} ${unchanged}`;
  }
  return [`✗ ${printable(appid)} ${describeError(result.error)}`, ...issueLines(result.error)].join('\n');
}

/** "CODE message (messageEn)", with WeChat's number when there is one. */
export function describeError(error: ApplyError): string {
  const number = error.errCode === null ? '' : ` [${error.errCode}]`;
  const raw = error.raw === undefined ? '' : ` — ${error.raw}`;
  return printable(`${error.code}${number} ${error.message} (${error.messageEn})${raw}`);
}

function issueLines(error: ApplyError): string[] {
  return (error.issues ?? []).map((issue) => `    ${printable(`${issue.message} (${issue.messageEn})`)}`);
}

/** The line of a dry run for one appid: valid, or what is wrong with it. */
export function formatDryRunLine(appid: string, issues: ApplyError | null): string {
  if (issues === null) return `✓ ${printable(appid)} valid`;
  return [`✗ ${printable(appid)} ${describeError(issues)}`, ...issueLines(issues)].join('\n');
}

/** Counts of a decision batch, as the summary line and `--json` report them. */
export interface DecisionCounts {
  total: number;
  changed: number;
  unchanged: number;
  failed: number;
  notAttempted: number;
  /** Not sent because an account-wide error stopped the batch. */
  skipped: number;
}

/** Counts changed, unchanged, failed, not-attempted and skipped results. */
export function countResults(results: readonly DecisionResult[]): DecisionCounts {
  const counts = { total: results.length, changed: 0, unchanged: 0, failed: 0, notAttempted: 0, skipped: 0 };
  for (const result of results) {
    if (result.ok) counts[result.changed ? 'changed' : 'unchanged'] += 1;
    else if (result.error.code === 'NOT_ATTEMPTED') counts.notAttempted += 1;
    else if (result.error.code === 'SKIPPED') counts.skipped += 1;
    else counts.failed += 1;
  }
  return counts;
}

/** "agree: 5 appids — 3 agreed, 1 unchanged, 1 failed". */
export function formatSummary(action: DecisionAction, counts: DecisionCounts): string {
  const parts = [`${counts.changed} ${DONE[action][0]}`, `${counts.unchanged} unchanged`, `${counts.failed} failed`];
  if (counts.notAttempted > 0) parts.push(`${counts.notAttempted} not attempted (run again for them)`);
  if (counts.skipped > 0) parts.push(`${counts.skipped} skipped (fix the account-wide error below, then run again for them)`);
  return `${commandOf(action)}: ${counts.total} appid${counts.total === 1 ? '' : 's'} — ${parts.join(', ')}`;
}

function commandOf(action: DecisionAction): string {
  return action.replace(/^dev_/, '');
}

/** Codes of the two refusals that mean the credentials themselves are wrong: a configuration error (exit 2). */
export const CREDENTIAL_CODES: ReadonlySet<string> = new Set(['INVALID_APPID', 'INVALID_APPSECRET']);

/** What the CLI's hints need to know: which command ran, where it sent its calls, and its --timeout. */
export interface CliContext {
  command: 'list' | 'decide';
  baseUrl: string;
  timeoutS: number;
}


/**
 * The error with its hint said for someone at the CLI: the error table's hints are written for the cloud
 * functions (raise the function's timeout in the console, reach api.weixin.qq.com, check the decision), while
 * here the cure is a flag, the URL is whatever --base-url named, and a failed list decided nothing.
 */
export function forCli(error: ApplyError, context: CliContext): ApplyError {
  const hint = cliHint(error, context);
  return hint === null ? error : { ...error, ...hint };
}

function cliHint(error: ApplyError, context: CliContext): Pick<ApplyError, 'hint' | 'hintEn'> | null {
  const next =
    context.command === 'list'
      ? { zh: '读取列表不会改变任何申请，可直接重新运行。', en: 'Listing changes nothing, so just run it again.' }
      : {
          zh: '请运行 plugin-apply list 查看该决定是否已生效，未生效再重新发送。',
          en: 'Run plugin-apply list to see whether the decision was applied, then send it again if not.',
        };
  const url = printable(context.baseUrl);
  switch (error.code) {
    case 'TIMEOUT':
      return {
        hint: `${next.zh}需要更多时间时，请调大 --timeout（本次 ${context.timeoutS} 秒）。`,
        hintEn: `${next.en} To allow more time, raise --timeout (this run: ${context.timeoutS} s).`,
      };
    case 'HTTPS_NETWORK_ERROR':
      return {
        hint: `请检查本机能否访问 ${url}（DNS、防火墙、代理，以及 --base-url / WECHAT_API_BASE_URL 是否写错）。${next.zh}`,
        hintEn: `Check that this machine can reach ${url} (DNS, firewall, proxy, or a mistyped --base-url / WECHAT_API_BASE_URL). ${next.en}`,
      };
    case 'HTTP_ERROR':
    case 'HTTPS_RESPONSE_TOO_LARGE':
      // The table's hint names WECHAT_API_BASE_URL; here the address may have come from --base-url.
      return {
        hint: error.hint.replaceAll('WECHAT_API_BASE_URL', `--base-url / WECHAT_API_BASE_URL（本次 ${url}）`),
        hintEn: error.hintEn.replaceAll('WECHAT_API_BASE_URL', `--base-url / WECHAT_API_BASE_URL (this run: ${url})`),
      };
    case 'INTERNAL':
      return { hint: '请加 --verbose 重新运行，并附上输出反馈。', hintEn: 'Run again with --verbose and report what it prints.' };
    default:
      return OUTCOME_UNKNOWN_CODES.has(error.code) ? { hint: next.zh, hintEn: next.en } : null;
  }
}

/**
 * One block per distinct error code among the failures, with the error table's hint. Account-wide errors
 * (credentials, IP whitelist, quota) come first and stand out: they are what the operator must fix.
 */
export function formatHints(errors: readonly ApplyError[]): string {
  const byCode = new Map<string, ApplyError>();
  for (const error of errors) if (!byCode.has(error.code)) byCode.set(error.code, error);
  const distinct = [...byCode.values()].sort((a, b) => Number(ACCOUNT_WIDE_CODES.has(b.code)) - Number(ACCOUNT_WIDE_CODES.has(a.code)));
  return distinct
    .map((error) => {
      if (!ACCOUNT_WIDE_CODES.has(error.code)) return `hint (${error.code}): ${error.hint} (${error.hintEn})\n`;
      const rule = '!'.repeat(60);
      return `${rule}\n!! ${describeError(error)}\n!! 建议：${error.hint}\n!! What to do: ${error.hintEn}\n${rule}\n`;
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
