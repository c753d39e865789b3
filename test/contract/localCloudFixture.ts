/**
 * Shared set-up for contract tests: the built bundles, with the real wx-server-sdk inside, run by the local
 * cloud's function host against its model of WeChat.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InvokeOptions } from '../../localcloud/functionHost';
import type { Application, CallRecord, LocalCloud, LocalCloudOptions } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';

export const ADMIN = 'oAdminOpenid1234567890abcdef';
export const OTHER_ADMIN = 'oSecondAdmin1234567890abcdef';

/** An appid of the WeChat form for test number `n`. */
export const appidOf = (n: number): string => `wx${n.toString(16).padStart(16, '0')}`;

export const PENDING = appidOf(1);
export const PENDING_2 = appidOf(2);
export const APPROVED = appidOf(3);
export const REFUSED = appidOf(4);
export const EXPIRED = appidOf(5);
export const UNKNOWN = appidOf(99);

/** One application in WeChat's snake_case list shape. */
export function application(appid: string, status: 1 | 2 | 3 | 4, reason = ''): Application {
  return {
    appid,
    status,
    nickname: `应用${appid.slice(-2)}`,
    headimgurl: '',
    categories: [{ first: '工具', second: '效率' }],
    create_time: '1717034400',
    apply_url: '',
    reason,
  };
}

/** One application in each status, two pending. */
export function scenario(): Application[] {
  return [application(PENDING, 1), application(PENDING_2, 1), application(APPROVED, 2), application(REFUSED, 3, '类目不符'), application(EXPIRED, 4)];
}

/**
 * The time limit of a call whose test is not about the limit. The local cloud's default, the platform's 3 s, counts
 * from the fork, and every call here is a cold start: on a busy machine (2 cores at load 12–14, measured) starting
 * Node and loading the SDK took 1–3 s of it, leaving some calls too little time to finish. 20 s is within the
 * platform's range (up to 60 s) and leaves room; tests about the limit set theirs from `coldStartMs`.
 */
export const ROOMY_TIME_LIMIT_MS = 20_000;

/**
 * A local cloud whose functions name ADMIN and OTHER_ADMIN as admins; `output` collects what functions log. Its
 * calls get ROOMY_TIME_LIMIT_MS unless a test sets `context.time_limit_in_ms` itself. `calls()` holds the WeChat calls
 * only: the decision trail's database calls are `databaseCalls()`.
 */
export async function startCloud(options: LocalCloudOptions = {}): Promise<LocalCloud & { output: string[]; databaseCalls: () => CallRecord[] }> {
  const output: string[] = [];
  const cloud = await startLocalCloud({
    port: 0,
    applications: scenario(),
    functionEnv: { PLUGIN_ADMIN_OPENIDS: `${ADMIN},${OTHER_ADMIN}` },
    defaultOpenid: ADMIN,
    log: (line) => output.push(line),
    ...options,
  });
  const invoke = cloud.invoke.bind(cloud);
  const allCalls = cloud.calls.bind(cloud);
  return Object.assign(cloud, {
    output,
    calls: (): CallRecord[] => allCalls().filter((call) => call.api !== 'database'),
    databaseCalls: (): CallRecord[] => allCalls().filter((call) => call.api === 'database'),
    invoke: (name: string, data: unknown, opts: InvokeOptions = {}): Promise<unknown> =>
      invoke(name, data, { ...opts, context: { time_limit_in_ms: ROOMY_TIME_LIMIT_MS, ...opts.context } }),
  });
}

/**
 * How long a cold start takes on this machine now: the wall time of a call that the function refuses before
 * reaching WeChat (a stranger's), from the fork to the answer. Tests about the time limit scale theirs with it, so
 * that the limit leaves the function the same time to work on a busy machine as on a quiet one.
 */
export async function coldStartMs(cloud: LocalCloud): Promise<number> {
  const startedAt = Date.now();
  await cloud.invoke('getPluginApplyList', {}, { openid: 'oColdStartProbe' });
  return Date.now() - startedAt;
}

/** A time limit of `workMs` for the function's own work, on top of a cold start measured as `coldMs` (allowing it to take half as long again). */
export function timeLimitFor(coldMs: number, workMs: number): number {
  return Math.ceil(1.5 * coldMs) + workMs;
}

/** The status of one applicant in the local cloud, or undefined when it is not listed. */
export function statusOf(cloud: LocalCloud, appid: string): number | undefined {
  return cloud.applications().find((item) => item.appid === appid)?.status;
}

/**
 * Function environment that makes a container slow to start: Node busy-waits `ms` before it loads the runner
 * (as a cold container on a loaded host does), while the host's time limit counts from the fork, as before.
 */
export function slowStartEnv(ms: number): Record<string, string> {
  const file = join(mkdtempSync(join(tmpdir(), 'slow-start-')), 'slowStart.js');
  writeFileSync(file, `const until = Date.now() + ${ms};\nwhile (Date.now() < until);\n`);
  return { NODE_OPTIONS: `--require ${JSON.stringify(file)}` };
}
