/**
 * Entry point of the setPluginApplyStatus cloud function (bundled to cloudfunctions/setPluginApplyStatus/index.js).
 * Gathers what the platform gives — the caller's OPENID, the time limit, the request id — and hands it to the core.
 */
import cloud from 'wx-server-sdk';
import { createCloudClient } from '../cloudTransport';
import type { PluginManagerOpenApi } from '../cloudTransport';
import { readConfig } from '../config';
import { deadlineFromContext } from '../deadline';
import { stdoutSink } from '../log';
import type { DecisionResult } from '../setPluginApplyStatus';
import { handleSetStatus } from '../setPluginApplyStatus';

// The SDK's typings declare `env` as a string, yet DYNAMIC_CURRENT_ENV (a symbol) is its documented value.
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });
const config = readConfig(process.env);
const client = createCloudClient(cloud.openapi as unknown as PluginManagerOpenApi);

/** The cloud function handler: `index.main`. Always resolves with a result; never throws. */
export async function main(event: unknown, context: unknown): Promise<DecisionResult> {
  const startedAt = Date.now();
  const { OPENID } = cloud.getWXContext();
  const requestId = (context as { request_id?: unknown } | null | undefined)?.request_id;
  return handleSetStatus(event, {
    client,
    caller: { openid: OPENID },
    admins: config.admins,
    deadline: deadlineFromContext(context, startedAt, Date.now),
    log: stdoutSink,
    requestId: typeof requestId === 'string' ? requestId : null,
  });
}
