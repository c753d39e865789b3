/**
 * Entry point of the getPluginApplyList cloud function (bundled to cloudfunctions/getPluginApplyList/index.js):
 * the applications to use the plugin, one page or all of them, optionally filtered by status, each with the latest
 * decision the trail holds on it; or, for `{ "trail": { … } }`, the decision trail itself. Admins only.
 */
import { listClient, invocation } from './cloudPlatform';
import { createTrailDatabase } from './trailDatabase';
import { readConfig } from '../core/config';
import { isTrailEvent } from '../core/eventSchema';
import { handleList } from '../core/listing';
import { stdoutSink } from '../core/log';
import type { TrailedListResult, TrailQueryResult } from '../core/trailReader';
import { handleTrailQuery, withLastDecisions } from '../core/trailReader';
import { readAuditSetting } from '../core/trailWriter';

const config = readConfig(process.env);
const audit = readAuditSetting(process.env);
if (audit.problem !== null) config.problems.push(audit.problem);
const client = listClient(config);
const store = createTrailDatabase();

/** The cloud function handler, `index.main`: always resolves with a result, never throws. */
export async function main(event: unknown, context: unknown): Promise<TrailedListResult | TrailQueryResult> {
  const call = invocation(context);
  const deps = { ...call, admins: config.admins, configProblems: config.problems, log: stdoutSink };
  if (isTrailEvent(event)) return handleTrailQuery(event, { ...deps, store });
  const result = await handleList(event, { ...deps, client });
  // With the trail off nothing new is recorded, so the list spends no database read on it either.
  return audit.enabled ? withLastDecisions(result, store, call.deadline, (record) => stdoutSink({ fn: 'getPluginApplyList', requestId: call.requestId, ...record })) : result;
}
