/**
 * The CLI's decisions in the decision trail: after a batch, its records — built by the trail core, as the functions
 * build theirs, `source: 'cli'` — are added in one call through WeChat's database HTTP API, when the cloud
 * environment is known (`--env` / `PLUGIN_CLOUD_ENV`). A failed write is said once and never fails the decisions.
 */
import { hostname } from 'node:os';
import { summarize } from '../core/batch';
import type { DecisionResult } from '../core/decisions';
import type { TrailActor } from '../core/trailRecords';
import { recordsOfCall } from '../core/trailRecords';
import { TrailStoreError } from '../core/trailWriter';
import type { HttpTrailStore } from '../wechat/databaseHttp';
import type { TextSink } from './deps';
import type { Lang } from './output';
import { printable } from './output';

/** What a run says about its records in `--json`: how many were written, or why none were. */
export type TrailNote = { recorded: true; records: number } | { recorded: false; reason: string; errCode: number | null };

/** Records one batch; resolves what `--json` says about it. Never rejects. */
export type TrailRecorder = (
  events: readonly Record<string, unknown>[],
  results: readonly DecisionResult[],
  nicknames: ReadonlyMap<string, string>,
) => Promise<TrailNote>;

/** Who the CLI's records name: `--by` / PLUGIN_DECIDER_NAME, else `plugin-apply@<hostname>`. */
export function cliActor(name: string | undefined): TrailActor {
  const given = name?.trim() ?? '';
  return { openid: null, appid: null, name: (given === '' ? `plugin-apply@${hostname()}` : given).slice(0, 64), rule: null };
}

/** The environment the trail is in: `--env`, else PLUGIN_CLOUD_ENV; null when neither is set. */
export function trailEnvOf(option: string | undefined, env: Readonly<Record<string, string | undefined>>): string | null {
  const value = (option ?? env.PLUGIN_CLOUD_ENV ?? '').trim();
  return value === '' ? null : value;
}

/** A recorder writing to `store`, or (no environment) one that says once that nothing is recorded. */
export function createTrailRecorder(store: HttpTrailStore | null, by: TrailActor, now: () => number, stderr: TextSink, lang: Lang): TrailRecorder {
  if (store === null) {
    return async () => {
      stderr.write(
        lang === 'zh'
          ? '（这些决定没有记入决定记录：用 --env ENV 或 PLUGIN_CLOUD_ENV 指明环境即可记录）\n'
          : '(these decisions are not recorded in the decision trail: give --env ENV or set PLUGIN_CLOUD_ENV to record them)\n',
      );
      return { recorded: false, reason: 'no cloud environment (PLUGIN_CLOUD_ENV or --env)', errCode: null };
    };
  }
  return async (events, results, nicknames) => {
    const { records } = recordsOfCall(
      { items: events },
      { ok: true, results: [...results], summary: summarize(results) },
      { at: new Date(now()), by, source: 'cli', requestId: null, nicknames },
    );
    try {
      await store.add(records);
      return { recorded: true, records: records.length };
    } catch (thrown) {
      const reason = thrown instanceof Error ? thrown.message : String(thrown);
      const errCode = thrown instanceof TrailStoreError ? thrown.errCode : null;
      stderr.write(
        lang === 'zh'
          ? `（决定已生效，但没有记入决定记录：${printable(reason)}）\n`
          : `(the decisions stand, but they were not recorded in the decision trail: ${printable(reason)})\n`,
      );
      return { recorded: false, reason, errCode };
    }
  };
}
