/**
 * Entry point of the getPluginApplyList cloud function (bundled to cloudfunctions/getPluginApplyList/index.js):
 * the applications to use the plugin, one page or all of them, optionally filtered by status. Admins only.
 */
import { listClient, invocation } from './cloudPlatform';
import { readConfig } from '../core/config';
import type { ListResult } from '../core/listing';
import { handleList } from '../core/listing';
import { stdoutSink } from '../core/log';

const config = readConfig(process.env);
const client = listClient(config);

/** The cloud function handler, `index.main`: always resolves with a result, never throws. */
export async function main(event: unknown, context: unknown): Promise<ListResult> {
  return handleList(event, { ...invocation(context), client, admins: config.admins, configProblems: config.problems, log: stdoutSink });
}
