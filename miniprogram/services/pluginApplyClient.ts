/**
 * The mini-program's one way to the cloud functions. Results are the functions' own result types, so a change
 * to a result shape fails this project's typecheck; events are checked with the functions' own rules before
 * anything is sent; a call the platform rejects becomes a `CALL_FAILED` result instead of an exception.
 */
import type { BatchResult, DecisionResult, SetStatusResult } from '../../src/core/decisions';
import type { ApplyError } from '../../src/core/errorTable';
import { ownError } from '../../src/core/errorTable';
import type { Decision, EventIssue, ListEvent } from '../../src/core/eventSchema';
import { APPID_PATTERN, isPlainObject, parseDecision, parseListEvent } from '../../src/core/eventSchema';
import type { TrailedListResult, TrailEntry, TrailQueryResult } from '../../src/core/trailReader';
import type { CloudTarget } from '../cloudConfig';
import { cloudTarget } from '../cloudConfig';

export type { Application } from '../../src/core/applicationList';
export type { ApplyError, BatchResult, Decision, DecisionResult, ListEvent, TrailEntry, TrailQueryResult };
export type { LastDecision } from '../../src/core/trailReader';
/** What getPluginApplyList answers: each item with `lastDecision` from the trail (absent when the trail is unreadable). */
export type ListResult = TrailedListResult;

/** A call the platform rejected (network, function missing, `cloudbase_auth` refusal): its errCode and text. */
export interface CallFailedError extends ApplyError {
  code: 'CALL_FAILED';
  /** The platform's errCode, e.g. -601017; null when the rejection carried none (a network failure). */
  errCode: number | null;
  /** The platform's own text (errMsg). */
  raw: string;
}

/** The result the client gives instead of throwing when `callFunction` is rejected. */
export interface CallFailed {
  ok: false;
  error: CallFailedError;
}

/** What listing answers: the function's `ListResult`, or `CALL_FAILED`. */
export type ListAnswer = ListResult | CallFailed;

/** What one decision answers: the function's result for a single event, or `CALL_FAILED`. */
export type DecisionAnswer = Exclude<SetStatusResult, BatchResult> | CallFailed;

/** What a batch answers: per-item results, a failure of the whole call, or `CALL_FAILED`. */
export type BatchAnswer = BatchResult | { ok: false; error: ApplyError } | CallFailed;

/** The part of a cloud instance the client uses: `wx.cloud` itself and a shared `Cloud` instance both have it. */
interface FunctionCaller {
  callFunction(param: { name: string; data: Record<string, unknown> }): Promise<ICloud.CallFunctionResult>;
}

/**
 * `wx.cloud` with what miniprogram-api-typings leaves out: environment sharing's `Cloud` constructor
 * (wxcloud/guide/resource-sharing) and `DYNAMIC_CURRENT_ENV`.
 */
type WxCloudWithSharing = WxCloud & {
  Cloud: new (options: { resourceAppid: string; resourceEnv: string }) => FunctionCaller & { init(): Promise<unknown> };
  DYNAMIC_CURRENT_ENV: string;
};

/** Hints for the rejections an admin can act on, by the platform's errCode. */
const CALL_FAILED_HINTS = {
  [-601017]: [
    '插件云环境的 cloudbase_auth 拒绝了本小程序：请插件方把 "本小程序 APPID:你的 OPENID" 加入本套件的每个云函数的 PLUGIN_ADMIN_OPENIDS（raw 中是它的原话）。',
    'The plugin environment\'s cloudbase_auth refused this mini-program: ask the plugin team to add "THIS_APPID:YOUR_OPENID" to PLUGIN_ADMIN_OPENIDS of every function of this package (raw has its own words).',
  ],
  [-601015]: [
    '插件云环境的 cloudbase_auth 没有返回 errCode：请部署本项目的 cloudbase_auth。',
    "The plugin environment's cloudbase_auth returned no errCode: deploy this project's cloudbase_auth.",
  ],
  [-601012]: [
    '没有使用该云环境的权限：请在插件帐号的云开发控制台把环境共享给本小程序，并核对 cloudConfig.ts。',
    "Not authorized for that environment: share it with this mini-program in the plugin account's cloud console, and check cloudConfig.ts.",
  ],
  [-501000]: [
    '云函数不存在：请在该环境部署 getPluginApplyList、setPluginApplyStatus（共享环境还需 cloudbase_auth）。',
    'The function does not exist: deploy getPluginApplyList and setPluginApplyStatus (and cloudbase_auth for a shared environment) there.',
  ],
  [-504002]: ['云函数执行失败或超时：请在云开发控制台查看该函数的日志。', 'The function failed or ran out of time: read its logs in the cloud console.'],
} as const satisfies Record<number, readonly [string, string]>;

const NETWORK_HINT = [
  '请检查网络后重试；若持续失败，请核对 cloudConfig.ts 中的云环境。',
  'Check the network and try again; if it keeps failing, check the environment in cloudConfig.ts.',
] as const;

/** Turns whatever `callFunction` or `init` rejected with into a `CALL_FAILED` result. */
function callFailed(rejection: unknown): CallFailed {
  const fields = isPlainObject(rejection) || rejection instanceof Error ? (rejection as { errCode?: unknown; errMsg?: unknown; message?: unknown }) : {};
  const raw = typeof fields.errMsg === 'string' ? fields.errMsg : typeof fields.message === 'string' ? fields.message : String(rejection);
  const errCode = typeof fields.errCode === 'number' ? fields.errCode : null;
  const [hint, hintEn] = errCode !== null && errCode in CALL_FAILED_HINTS ? CALL_FAILED_HINTS[errCode as keyof typeof CALL_FAILED_HINTS] : NETWORK_HINT;
  return {
    ok: false,
    error: { code: 'CALL_FAILED', errCode, message: '云函数调用失败', messageEn: 'the cloud function call failed', retryable: true, hint, hintEn, raw },
  };
}

/** A problem with cloudConfig.ts, reported like a failed call so that pages show it the same way. */
function configProblem(target: CloudTarget): CallFailed | null {
  if (target.kind === 'current') return null;
  const problems = [
    ...(APPID_PATTERN.test(target.resourceAppid) ? [] : [`resourceAppid "${target.resourceAppid}" is not an appid (wx + 16 hex characters)`]),
    ...(target.resourceEnv.trim() === '' ? ['resourceEnv is empty'] : []),
  ];
  if (problems.length === 0) return null;
  const failure = callFailed({ errMsg: `cloudConfig.ts: ${problems.join('; ')}` });
  return {
    ok: false,
    error: {
      ...failure.error,
      hint: '请修改 miniprogram/cloudConfig.ts 中的插件 appid 和环境 ID，然后重新构建。',
      hintEn: 'Fix the plugin appid and environment id in miniprogram/cloudConfig.ts, then build again.',
    },
  };
}

let connecting: Promise<FunctionCaller> | null = null;

/** The cloud to call, initialised once; a failed initialisation is tried again on the next call. */
function connect(target: CloudTarget): Promise<FunctionCaller> {
  connecting ??= (async (): Promise<FunctionCaller> => {
    const cloud = wx.cloud as WxCloudWithSharing;
    if (target.kind === 'current') {
      cloud.init({ env: target.env ?? cloud.DYNAMIC_CURRENT_ENV });
      return cloud;
    }
    const shared = new cloud.Cloud({ resourceAppid: target.resourceAppid, resourceEnv: target.resourceEnv });
    await shared.init();
    return shared;
  })().catch((rejection: unknown) => {
    connecting = null;
    throw rejection;
  });
  return connecting;
}

async function call<T>(name: string, data: Record<string, unknown>): Promise<T | CallFailed> {
  const problem = configProblem(cloudTarget);
  if (problem !== null) return problem;
  try {
    const cloud = await connect(cloudTarget);
    const response = await cloud.callFunction({ name, data });
    // The functions always return an object; anything else means something other than them answered.
    if (!isPlainObject(response.result)) return callFailed({ errMsg: `${name} answered ${JSON.stringify(response.result)}` });
    return response.result as T;
  } catch (rejection) {
    return callFailed(rejection);
  }
}

function invalid(issues: EventIssue[]): { ok: false; error: ApplyError } {
  return { ok: false, error: ownError('INVALID_EVENT', { issues }) };
}

/** Lists applications: one page (`page`, `num`), or every page (`all: true`), optionally of one `status`. */
export async function listApplications(query: ListEvent = {}): Promise<ListAnswer> {
  const parsed = parseListEvent(query);
  if (!parsed.ok) return invalid(parsed.issues);
  return call<ListResult>('getPluginApplyList', parsed.value);
}

/** Reads the decision trail, newest first: one applicant's records (`appid`) or all, paged (admins only). */
export async function readTrail(query: { appid?: string; page?: number; num?: number } = {}): Promise<TrailQueryResult | CallFailed> {
  return call<TrailQueryResult>('getPluginApplyList', { trail: query });
}

/** Agrees to, refuses or deletes one application; an event the function would refuse is refused here, unsent. */
export async function decide(decision: Decision): Promise<DecisionAnswer> {
  const parsed = parseDecision(decision);
  if (!parsed.ok) return invalid(parsed.issues);
  return call<Exclude<SetStatusResult, BatchResult>>('setPluginApplyStatus', parsed.value);
}

/** Sends several decisions in one call; results come back per item, in order. Nothing is sent if any is invalid. */
export async function decideBatch(decisions: readonly Decision[]): Promise<BatchAnswer> {
  const items: Decision[] = [];
  const issues: EventIssue[] = [];
  decisions.forEach((decision, index) => {
    const parsed = parseDecision(decision);
    if (parsed.ok) items.push(parsed.value);
    else issues.push(...parsed.issues.map((issue) => ({ ...issue, path: `items.${index}.${issue.path}` })));
  });
  if (issues.length > 0) return invalid(issues);
  return call<Exclude<SetStatusResult, DecisionResult & { ok: true }>>('setPluginApplyStatus', { items });
}
