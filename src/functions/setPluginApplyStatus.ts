/**
 * Entry point of the setPluginApplyStatus cloud function (bundled to cloudfunctions/setPluginApplyStatus/index.js):
 * agree to, refuse or delete applications to use the plugin. Admins only. Every decision, and every call refused
 * before WeChat, is recorded in the decision trail (`plugin_apply_decisions`) unless PLUGIN_APPLY_AUDIT=off.
 */
import { decisionClient, invocation } from './cloudPlatform';
import { createTrailDatabase } from './trailDatabase';
import { adminName, callerLogFields } from '../core/callerPolicy';
import { readConfig } from '../core/config';
import type { LogSink } from '../core/log';
import { describeThrown, stdoutSink } from '../core/log';
import type { SetStatusResult } from '../core/decisions';
import { handleSetStatus } from '../core/decisions';
import { actorOf, recordsOfCall, rememberingNicknames } from '../core/trailRecords';
import type { TrailWriteFailure } from '../core/trailWriter';
import { createTrailWriter, readAuditSetting } from '../core/trailWriter';

const config = readConfig(process.env);
const audit = readAuditSetting(process.env);
if (audit.problem !== null) config.problems.push(audit.problem);
const nicknames = new Map<string, string>();
const client = rememberingNicknames(decisionClient(config), nicknames);
const trail = audit.enabled ? createTrailWriter(createTrailDatabase()) : null;

/** What the function returns: the decision's result, and `trail` when its record could not be written. */
export type SetStatusAnswer = SetStatusResult & { trail?: TrailWriteFailure };

/** The cloud function handler, `index.main`: always resolves with a result, never throws. */
export async function main(event: unknown, context: unknown): Promise<SetStatusAnswer> {
  const call = invocation(context);
  const result = await handleSetStatus(event, { ...call, client, admins: config.admins, configProblems: config.problems, log: stdoutSink });
  if (trail === null) return result;
  const log: LogSink = (record) => stdoutSink({ fn: 'setPluginApplyStatus', requestId: call.requestId, ...callerLogFields(call.caller), ...record });
  try {
    const records = recordsOfCall(event, result, {
      at: new Date(),
      by: actorOf(call.caller, (caller) => adminName(caller, config.admins)),
      source: call.source,
      requestId: call.requestId,
      nicknames,
    });
    const failure = await trail.write(records, call.deadline, log);
    return failure === null ? result : { ...result, trail: failure };
  } catch (thrown) {
    // The decision stands whatever happened to its record.
    log({ level: 'error', event: 'trailWriteFailed', detail: describeThrown(thrown) });
    return { ...result, trail: { written: false, reason: describeThrown(thrown), errCode: null, unwritten: 0 } };
  }
}
