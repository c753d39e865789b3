/**
 * Entry point of the getPluginApplyList cloud function (bundled to cloudfunctions/getPluginApplyList/index.js):
 * the applications to use the plugin, one page or all of them, optionally filtered by status, each with the latest
 * decision the trail holds on it and the applications' timeout (observed by the watcher, else the configured assumption);
 * or, for `{ "trail": { … } }`, the decision trail itself. Admins only.
 */
import { listClient, invocation } from './cloudPlatform';
import { createTrailDatabase } from './trailDatabase';
import { createWatchDatabase } from './watchDatabase';
import { readConfig } from '../core/config';
import { isTrailEvent } from '../core/eventSchema';
import { handleList } from '../core/listing';
import { stdoutSink } from '../core/log';
import type { TrailedListResult, TrailQueryResult } from '../core/trailReader';
import { handleTrailQuery, withLastDecisions } from '../core/trailReader';
import { readAuditSetting } from '../core/trailWriter';
import { readTimeoutSetting } from '../core/watchConfig';
import type { TimeoutReport } from '../core/watchNotices';
import { readTimeoutReport } from '../core/watchNotices';

const config = readConfig(process.env);
const audit = readAuditSetting(process.env);
if (audit.problem !== null) config.problems.push(audit.problem);
const timeout = readTimeoutSetting(process.env);
if (timeout.problem !== null) config.problems.push(timeout.problem);
const client = listClient(config);
const store = createTrailDatabase();
const watchState = createWatchDatabase();

/** A list result, with the timeout applications are taken to have. */
export type ListAnswer = TrailedListResult | (Extract<TrailedListResult, { ok: true }> & { timeout: TimeoutReport });

/** The cloud function handler, `index.main`: always resolves with a result, never throws. */
export async function main(event: unknown, context: unknown): Promise<ListAnswer | TrailQueryResult> {
  const call = invocation(context);
  const deps = { ...call, admins: config.admins, configProblems: config.problems, log: stdoutSink };
  if (isTrailEvent(event)) return handleTrailQuery(event, { ...deps, store });
  const result = await handleList(event, { ...deps, client });
  // Only a caller who got the list gets the timeout: a refused call reads nothing.
  const [listed, applyTimeout] = await Promise.all([
    // With the trail off nothing new is recorded, so the list spends no database read on it either.
    audit.enabled
      ? withLastDecisions(result, store, call.deadline, (record) => stdoutSink({ fn: 'getPluginApplyList', requestId: call.requestId, ...record }))
      : result,
    result.ok ? readTimeoutReport(watchState, timeout.timeoutMs, call.deadline) : null,
  ]);
  return listed.ok && applyTimeout !== null ? { ...listed, timeout: applyTimeout } : listed;
}
