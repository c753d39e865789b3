/**
 * What the `plugin-apply` CLI prints: the application table, one line per decision, the summary, the operator
 * hints for account-wide errors, and the progress bar. Pure text in, text out (the bar writes to its stream).
 */
import type { Application } from '../core/applicationList';
import { STATUS_TEXT } from '../core/applicationList';
import type { ApplyError } from '../core/errorTable';
import { ACCOUNT_WIDE_CODES } from '../core/errorTable';
import type { DecisionAction } from '../core/eventSchema';
import type { DecisionResult } from '../core/decisions';

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
  const rows = items.map((item) => [item.appid, statusLabel(item), item.nickname || '-', localTime(item.createTime), oneLine(item.reason)]);
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
  dev_delete: ['deleted', 'already gone from the list (unchanged)'],
};

/** "✓ wx… agreed", "= wx… already approved (unchanged)" or "✗ wx… CODE message (messageEn)" with the problems found. */
export function formatDecisionLine(appid: string, result: DecisionResult): string {
  if (result.ok) {
    const [changed, unchanged] = DONE[result.action];
    return result.changed ? `✓ ${appid} ${changed}` : `= ${appid} ${unchanged}`;
  }
  return [`✗ ${appid} ${describeError(result.error)}`, ...issueLines(result.error)].join('\n');
}

/** "CODE message (messageEn)", with WeChat's number when there is one. */
export function describeError(error: ApplyError): string {
  const number = error.errCode === null ? '' : ` [${error.errCode}]`;
  const raw = error.raw === undefined ? '' : ` — ${error.raw}`;
  return `${error.code}${number} ${error.message} (${error.messageEn})${raw}`;
}

function issueLines(error: ApplyError): string[] {
  return (error.issues ?? []).map((issue) => `    ${issue.message} (${issue.messageEn})`);
}

/** The line of a dry run for one appid: valid, or what is wrong with it. */
export function formatDryRunLine(appid: string, issues: ApplyError | null): string {
  if (issues === null) return `✓ ${appid} valid`;
  return [`✗ ${appid} ${describeError(issues)}`, ...issueLines(issues)].join('\n');
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
export function createProgressBar(stream: NodeJS.WritableStream & { isTTY?: boolean }, total: number): ProgressBar {
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
