import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** One openapi call for the real SDK. */
export interface SdkCall {
  api: string;
  data: Record<string, unknown>;
}

/** What the real SDK resolved or threw. */
export type SdkOutcome =
  | { ok: true; result: Record<string, unknown> & { errCode: number; errMsg: string } }
  | { ok: false; errCode: number; errMsg: string; message: string; isError: boolean };

const fixture = join(__dirname, 'fixtures', 'sdkCalls.js');

/** Runs `calls` in order through the real wx-server-sdk in a fresh child process pointed at `url`. */
export function runSdk(url: string, calls: SdkCall[], init: Record<string, unknown> = {}): Promise<SdkOutcome[]> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [fixture, JSON.stringify({ url, calls, init })],
      { env, cwd: join(__dirname, '..', '..'), timeout: 30000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`sdk child failed: ${error.message}\n${stderr}`));
          return;
        }
        const line = stdout.trim().split('\n').pop() ?? '';
        resolve(JSON.parse(line) as SdkOutcome[]);
      },
    );
  });
}

/** Runs one call and returns its outcome. */
export async function runSdkOnce(url: string, call: SdkCall, init: Record<string, unknown> = {}): Promise<SdkOutcome> {
  const [outcome] = await runSdk(url, [call], init);
  if (!outcome) throw new Error('no outcome');
  return outcome;
}

/** Shorthands for the two plugin APIs. */
export const setStatus = (data: Record<string, unknown>): SdkCall => ({ api: 'pluginManager.setDevPluginApplyStatus', data });
export const getList = (page: number, num: number): SdkCall => ({ api: 'pluginManager.getPluginDevApplyList', data: { action: 'dev_apply_list', page, num } });

/** One database step for the real SDK (see fixtures/sdkDatabase.js for the value markers). */
export type DbStep = { op: string; collection?: string; [key: string]: unknown };

/** What a database step resolved (`{ok: true, result}`) or threw, with the SDK error's own fields. */
export type DbOutcome =
  { ok: true; result: Record<string, unknown> } | { ok: false; errCode: number; errMsg: string; code?: string; message: string; isError: boolean };

const databaseFixture = join(__dirname, 'fixtures', 'sdkDatabase.js');

/** Runs database `steps` in order through the real wx-server-sdk's `cloud.database()` in a fresh child process. */
export function runDatabaseSdk(url: string, steps: DbStep[], init: Record<string, unknown> = {}): Promise<DbOutcome[]> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [databaseFixture, JSON.stringify({ url, steps, init })],
      { env, cwd: join(__dirname, '..', '..'), timeout: 30000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`sdk child failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as DbOutcome[]);
      },
    );
  });
}
