/**
 * Entry point of the setPluginApplyStatus cloud function (bundled to cloudfunctions/setPluginApplyStatus/index.js):
 * agree to, refuse or delete applications to use the plugin. Admins only.
 */
import { decisionClient, invocation } from './cloudPlatform';
import { readConfig } from '../core/config';
import { stdoutSink } from '../core/log';
import type { SetStatusResult } from '../core/decisions';
import { handleSetStatus } from '../core/decisions';

const config = readConfig(process.env);
const client = decisionClient(config);

/** The cloud function handler, `index.main`: always resolves with a result, never throws. */
export async function main(event: unknown, context: unknown): Promise<SetStatusResult> {
  return handleSetStatus(event, { ...invocation(context), client, admins: config.admins, configProblems: config.problems, log: stdoutSink });
}
