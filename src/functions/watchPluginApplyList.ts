/**
 * Entry point of the watchPluginApplyList cloud function (bundled to cloudfunctions/watchPluginApplyList/index.js):
 * run by its timer trigger (config.json, every 10 minutes) or by an admin, it keeps the application queue empty —
 * tells the team's WeCom group what is new, due or timed out, and agrees what the team's rules agree.
 */
// First import: marks when loading began, before the SDK loads (see coldStart.ts).
import './coldStart';
import { decisionClient, invocation } from './cloudPlatform';
import { createWatchDatabase } from './watchDatabase';
import { readConfig } from '../core/config';
import type { Deadline } from '../core/deadline';
import { stdoutSink } from '../core/log';
import type { WatchResult } from '../core/watch';
import { handleWatch } from '../core/watch';
import { readWatchConfig } from '../core/watchConfig';
import { createRobotClient } from '../wechat/robot';

const config = readConfig(process.env);
const watch = readWatchConfig(process.env);
const client = decisionClient(config);
const store = createWatchDatabase();
const channel = watch.webhookUrl === null ? null : createRobotClient(watch.webhookUrl);

/**
 * How far the local cloud's model clock runs ahead of real time (`POST /_local/clock`), so that ages match its
 * applications'; never set in WeChat's cloud.
 */
const clockOffsetMs = Number(process.env.LOCALCLOUD_NOW_OFFSET_MS ?? 0) || 0;

/** The cloud function handler, `index.main`: always resolves with a result, never throws. */
export async function main(event: unknown, context: unknown): Promise<WatchResult> {
  const call = invocation(context);
  const deadline: Deadline = { at: call.deadline.at + clockOffsetMs, now: () => Date.now() + clockOffsetMs };
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
  });
}
