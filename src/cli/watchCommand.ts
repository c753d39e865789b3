/**
 * `plugin-apply watch`: one run of the watcher over HTTPS, for a team that runs cron on its own server. The same core
 * as the watchPluginApplyList function (src/core/watch.ts) — same rules, same dry run, same digest — with the plugin's
 * AppSecret instead of the cloud call, a local state file instead of the cloud database, and stdout beside (or
 * instead of) the WeCom robot. The robot's address is a secret: nothing this command prints carries it. Its automatic
 * decisions join the decision trail as the function's do (the rule as who decided, `source: 'cli'`) when it is told the
 * cloud environment.
 */
import { resolve } from 'node:path';
import type { Deadline } from '../core/deadline';
import type { LogSink } from '../core/log';
import { recordsOfCall } from '../core/trailRecords';
import { TrailStoreError } from '../core/trailWriter';
import type { ChannelAnswer, DigestChannel, RuleDecision, WatchResult } from '../core/watch';
import { handleWatch } from '../core/watch';
import { readWatchConfig } from '../core/watchConfig';
import type { PluginApplyClient } from '../core/wechatClient';
import type { HttpTrailStore } from '../wechat/databaseHttp';
import { createRobotClient } from '../wechat/robot';
import { ConfigError } from './arguments';
import type { TextSink } from './deps';
import { EXIT } from './exitCodes';
import type { CliContext } from './failures';
import { CREDENTIAL_CODES, forCli } from './failures';
import { describeError, formatHints, jsonText, printable } from './output';
import type { TrailNote } from './trailRecording';
import { openWatchStateFile } from './watchStateFile';

/** What `watch` was asked for and where it writes. */
export interface WatchOptions {
  /** `--webhook`, which wins over PLUGIN_APPLY_WEBHOOK. */
  webhook: string | undefined;
  statePath: string;
  dryRun: boolean;
  json: boolean;
  env: Readonly<Record<string, string | undefined>>;
  client: PluginApplyClient;
  /** The decision trail (`--env` / PLUGIN_CLOUD_ENV); null when the environment was not given. */
  trail: HttpTrailStore | null;
  deadline: Deadline;
  log: LogSink;
  context: CliContext;
  stdout: TextSink;
  stderr: TextSink;
}

/** The digest's way out: the robot when there is one, and always this command's own output. */
function digestChannel(webhookUrl: string | null): DigestChannel & { printed: string | null } {
  const robot = webhookUrl === null ? null : createRobotClient(webhookUrl);
  const channel = {
    printed: null as string | null,
    async send(markdown: string, timeoutMs: number): Promise<ChannelAnswer> {
      channel.printed = markdown;
      // Without a robot, the digest is told by printing it: cron mails or logs what a job prints, and a digest
      // printed every run for the same applications would only bury the new ones.
      return robot === null ? { ok: true } : robot.send(markdown, timeoutMs);
    },
  };
  return channel;
}

/**
 * Records the rules' decisions in the trail; keeps what `--json` says about it. A failed write is noted, never thrown:
 * the agrees stand, and a run that did everything else still exits 0.
 */
function trailRecorder(store: HttpTrailStore | null, now: () => number): { record(decisions: readonly RuleDecision[]): Promise<void>; note: TrailNote | null } {
  const recorder = {
    note: null as TrailNote | null,
    async record(decisions: readonly RuleDecision[]): Promise<void> {
      if (decisions.length === 0) return;
      if (store === null) {
        recorder.note = { recorded: false, reason: 'no cloud environment (PLUGIN_CLOUD_ENV or --env)', errCode: null };
        return;
      }
      const at = new Date(now());
      const nicknames = new Map(decisions.map((decision) => [decision.event.appid, decision.nickname]));
      const records = decisions.flatMap(
        (decision) =>
          recordsOfCall(decision.event, decision.result, {
            at,
            by: { openid: null, appid: null, name: null, rule: decision.rule },
            source: 'cli',
            requestId: null,
            nicknames,
          }).records,
      );
      try {
        await store.add(records);
        recorder.note = { recorded: true, records: records.length };
      } catch (thrown) {
        const reason = thrown instanceof Error ? thrown.message : String(thrown);
        recorder.note = { recorded: false, reason, errCode: thrown instanceof TrailStoreError ? thrown.errCode : null };
      }
    },
  };
  return recorder;
}

/** Runs the watcher once; resolves the exit code. */
export async function watchCommand(opts: WatchOptions): Promise<number> {
  const config = readWatchConfig({
    ...opts.env,
    ...(opts.webhook === undefined ? {} : { PLUGIN_APPLY_WEBHOOK: opts.webhook }),
    ...(opts.dryRun ? { PLUGIN_AUTO_AGREE_DRY_RUN: '1' } : {}),
  });
  if (config.problems.length > 0) {
    throw new ConfigError(config.problems.map((problem) => problem.replace(/^PLUGIN_APPLY_WEBHOOK\b/, '--webhook / PLUGIN_APPLY_WEBHOOK')).join('\n'));
  }
  const store = openWatchStateFile(resolve(opts.statePath));
  const channel = digestChannel(config.webhookUrl);
  const trail = trailRecorder(opts.trail, opts.deadline.now);
  let result: WatchResult;
  try {
    result = await handleWatch(undefined, {
      client: opts.client,
      store,
      channel,
      runBy: 'cli',
      // No caller, platform source or admin list: the AppSecret this command holds is the account's own.
      caller: {},
      source: null,
      admins: { kind: 'unset' },
      configProblems: [],
      watch: config,
      deadline: opts.deadline,
      log: opts.log,
      requestId: null,
      recordDecisions: (decisions) => trail.record(decisions),
    });
  } finally {
    store.close();
  }
  return report(result, channel.printed, config.webhookUrl !== null, trail.note, store, opts);
}

function report(
  result: WatchResult,
  digest: string | null,
  toRobot: boolean,
  trail: TrailNote | null,
  store: ReturnType<typeof openWatchStateFile>,
  opts: WatchOptions,
): number {
  const lang = opts.context.lang;
  if (opts.json) opts.stdout.write(`${jsonText({ ...result, digestMarkdown: digest, ...(trail === null ? {} : { trail }) })}\n`);
  if (!result.ok) {
    if (result.error.code === 'WATCH_STATE_UNAVAILABLE') {
      // The table speaks of the function's cloud database; here the records are the state file, and the store's own
      // message names it and says what to do.
      opts.stderr.write(
        `✗ watch failed: WATCH_STATE_UNAVAILABLE ${printable(result.error.raw ?? 'the state file could not be read or written')}. Nothing was read, decided or sent.\n`,
      );
      return EXIT.failed;
    }
    const error = forCli(result.error, opts.context);
    opts.stderr.write(`✗ watch failed: ${describeError(error, lang)}\n${formatHints([error], lang)}`);
    return CREDENTIAL_CODES.has(error.code) || error.code === 'MISCONFIGURED' ? EXIT.usage : EXIT.failed;
  }
  if (!result.ran) {
    const owner = store.heldBy();
    const who =
      owner === null || owner.pid === 0
        ? 'another run'
        : `run ${owner.holder} (pid ${owner.pid} on ${owner.host}, since ${new Date(owner.since).toISOString()}, until ${new Date(owner.until).toISOString()})`;
    opts.stderr.write(
      `✗ another plugin-apply watch is running with this state file: ${printable(who)} holds ${store.lockPath}. Nothing was done. If no run is going, delete that file.\n`,
    );
    return EXIT.failed;
  }
  const { summary } = result;
  if (!opts.json && digest !== null) opts.stdout.write(digest.endsWith('\n') ? digest : `${digest}\n`);
  const seen = summary.seen;
  const decided = summary.decided;
  const where =
    summary.digest.status === 'sent'
      ? toRobot
        ? 'sent to the WeCom robot'
        : 'printed'
      : summary.digest.status === 'nothingToSay'
        ? 'nothing to say'
        : summary.digest.status;
  const lines = [
    `watch: listed ${seen.listed}${seen.complete ? '' : ' (not the whole list)'}, ${seen.pending} pending — ${seen.new.length} new, ${seen.dueSoon.length} due soon, ${seen.timedOut.length} timed out unseen, ${seen.decidedElsewhere.length} decided elsewhere`,
    decided.dryRun ? `rules (dry run): would agree ${decided.wouldAgree.length}` : `rules: agreed ${decided.agreed.length}, failed ${decided.failed.length}`,
    `digest: ${where}${summary.digest.notices > 0 ? ` (${summary.digest.notices} notices${summary.digest.more > 0 ? `, ${summary.digest.more} more next run` : ''}, ${summary.digest.bytes} bytes)` : ''}; ${summary.writes} writes to ${store.path}`,
  ];
  if (summary.digest.error !== undefined)
    lines.push(
      `✗ the digest was not sent: ${summary.digest.error.code}${summary.digest.error.errCode === null ? '' : ` [${summary.digest.error.errCode}]`} ${summary.digest.error.detail} — ${summary.digest.error.hint}`,
    );
  if (trail !== null) lines.push(trailLine(trail, lang));
  for (const failure of decided.failed) lines.push(`✗ ${failure.appid} (rule ${failure.rule}): ${failure.code}`);
  for (const problem of summary.problems) lines.push(`✗ ${problem}`);
  opts.stderr.write(`${lines.map(printable).join('\n')}\n`);
  const done = summary.problems.length === 0 && decided.failed.length === 0 && (summary.digest.status === 'sent' || summary.digest.status === 'nothingToSay');
  return done ? EXIT.ok : EXIT.failed;
}

/** The summary's line on the decision trail: recorded, not told where, or not taken (which fails nothing). */
function trailLine(trail: TrailNote, lang: WatchOptions['context']['lang']): string {
  if (trail.recorded) return `trail: ${trail.records} record${trail.records === 1 ? '' : 's'} of the rules' decisions`;
  if (trail.errCode === null && trail.reason.startsWith('no cloud environment'))
    return lang === 'zh'
      ? '（规则的决定没有记入决定记录：用 --env ENV 或 PLUGIN_CLOUD_ENV 指明环境即可记录）'
      : "(the rules' decisions are not recorded in the decision trail: give --env ENV or set PLUGIN_CLOUD_ENV to record them)";
  return lang === 'zh'
    ? `（规则的决定已生效，但没有记入决定记录：${trail.reason}）`
    : `(the rules' decisions stand, but they were not recorded in the decision trail: ${trail.reason})`;
}
