/**
 * Entry point of the watchPluginApplyList cloud function (bundled to cloudfunctions/watchPluginApplyList/index.js):
 * run by its timer trigger (config.json, every 10 minutes) or by an admin, it keeps the application queue empty —
 * tells the team's WeCom group what is new, due or timed out, and agrees what the team's rules agree.
 */
import { decisionClient, invocation } from './cloudPlatform';
import { createTrailDatabase } from './trailDatabase';
import { createWatchDatabase } from './watchDatabase';
import { readConfig } from '../core/config';
import type { Deadline } from '../core/deadline';
import type { LogSink } from '../core/log';
import { stdoutSink } from '../core/log';
import { recordsOfCall } from '../core/trailRecords';
import { createTrailWriter, readAuditSetting } from '../core/trailWriter';
import type { RuleDecision, WatchResult } from '../core/watch';
import { handleWatch } from '../core/watch';
import { readWatchConfig } from '../core/watchConfig';
import { createRobotClient } from '../wechat/robot';

const config = readConfig(process.env);
const watch = readWatchConfig(process.env);
const audit = readAuditSetting(process.env);
if (audit.problem !== null) config.problems.push(audit.problem);
const trail = audit.enabled ? createTrailWriter(createTrailDatabase()) : null;
const client = decisionClient(config);
const store = createWatchDatabase();
const channel = watch.webhookUrl === null ? null : createRobotClient(watch.webhookUrl);

/**
 * How far the local cloud's model clock runs ahead of real time (`POST /_local/clock`), so that ages match its
 * applications'; never set in WeChat's cloud.
 */
const clockOffsetMs = Number(process.env.LOCALCLOUD_NOW_OFFSET_MS ?? 0) || 0;

/**
 * Writes the run's automatic decisions into the decision trail, each with the rule as who decided; throws when the
 * trail did not take them (the run reports it as a problem).
 */
async function recordDecisions(
  decisions: readonly RuleDecision[],
  call: { source: string | null; requestId: string | null; deadline: Deadline },
  log: LogSink,
): Promise<void> {
  if (trail === null || decisions.length === 0) return;
  const at = new Date(call.deadline.now());
  const nicknames = new Map(decisions.map((decision) => [decision.event.appid, decision.nickname]));
  const records = decisions.flatMap(
    (decision) =>
      recordsOfCall(decision.event, decision.result, {
        at,
        by: { openid: null, appid: null, name: null, rule: decision.rule },
        source: call.source,
        requestId: call.requestId,
        nicknames,
      }).records,
  );
  const failure = await trail.write({ records, folded: null }, call.deadline, log);
  if (failure !== null) throw new Error(failure.reason);
}

/** The cloud function handler, `index.main`: always resolves with a result, never throws. */
export async function main(event: unknown, context: unknown): Promise<WatchResult> {
  const call = invocation(context);
  const deadline: Deadline = { at: call.deadline.at + clockOffsetMs, now: () => Date.now() + clockOffsetMs };
  const log: LogSink = (record) => stdoutSink({ fn: 'watchPluginApplyList', requestId: call.requestId, ...record });
  return handleWatch(event, {
    ...call,
    deadline,
    client,
    store,
    channel,
    admins: config.admins,
    configProblems: [...config.problems, ...watch.problems],
    watch,
    log: stdoutSink,
    recordDecisions: (decisions) => recordDecisions(decisions, { ...call, deadline }, log),
  });
}
