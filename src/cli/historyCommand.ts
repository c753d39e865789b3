/** `plugin-apply history [APPID]`: the decision trail, newest first, of one applicant or all, as text or JSON. */
import type { TrailRecord } from '../core/trailRecords';
import { TrailStoreError } from '../core/trailWriter';
import type { HttpTrailStore } from '../wechat/databaseHttp';
import type { TextSink } from './deps';
import { EXIT } from './exitCodes';
import { jsonText, printable } from './output';

/** What `history` was asked for and where it writes. */
export interface HistoryOptions {
  appid: string | undefined;
  /** How many records, newest first. */
  num: number;
  json: boolean;
  stdout: TextSink;
  stderr: TextSink;
}

const DONE: Readonly<Record<string, string>> = { dev_agree: 'agreed', dev_refuse: 'refused', dev_delete: 'deleted' };

/** One record as a line: when, what, whom, who, how it ended; our reason on the next line. */
export function formatRecord(record: TrailRecord): string {
  const by = record.by.name ?? record.by.rule ?? (record.by.appid === null ? record.by.openid : `${record.by.appid}:${record.by.openid ?? ''}`) ?? '?';
  const outcome =
    record.outcome.code === 'OK'
      ? record.outcome.changed === false
        ? 'already so'
        : 'ok'
      : `${record.outcome.code}${record.outcome.errCode === null ? '' : ` (${record.outcome.errCode})`}`;
  const whom = record.nickname === null ? (record.appid ?? '-') : `${record.appid ?? '-'} ${record.nickname}`;
  const attempts = record.attempts === undefined ? '' : `, ${record.attempts} attempts`;
  const line = `${record.at.toISOString().slice(0, 19).replace('T', ' ')}Z  ${(record.action === null ? 'invalid' : (DONE[record.action] ?? record.action)).padEnd(8)} ${whom}  by ${by} (${record.source ?? '?'})  ${outcome}${attempts}`;
  return record.reason === null ? printable(line) : `${printable(line)}\n    our reason: ${printable(record.reason)}`;
}

/** Reads the newest records and prints them; resolves the exit code. */
export async function historyCommand(store: HttpTrailStore, opts: HistoryOptions): Promise<number> {
  let records: TrailRecord[];
  try {
    records = await store.find(opts.appid === undefined ? {} : { appid: opts.appid }, { skip: 0, limit: opts.num });
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    if (opts.json) opts.stdout.write(`${jsonText({ ok: false, error: { reason, errCode: thrown instanceof TrailStoreError ? thrown.errCode : null } })}\n`);
    opts.stderr.write(`plugin-apply: the decision trail could not be read: ${printable(reason)}\n`);
    return EXIT.failed;
  }
  if (opts.json) {
    opts.stdout.write(`${jsonText({ ok: true, trail: records.map((record) => ({ ...record, at: record.at.toISOString() })) })}\n`);
  } else if (records.length === 0) {
    opts.stdout.write(opts.appid === undefined ? 'nothing recorded yet\n' : `nothing recorded for ${opts.appid}\n`);
  } else {
    opts.stdout.write(`${records.map(formatRecord).join('\n')}\n`);
  }
  return EXIT.ok;
}
