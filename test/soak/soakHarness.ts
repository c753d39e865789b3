/**
 * The seeded fault soak: random decisions on random applications through one warm copy of the built
 * setPluginApplyStatus bundle (the real wx-server-sdk inside), loaded in this process, against the local cloud
 * while random faults hit the WeChat calls. After every answer it checks what the function said against what
 * the local cloud's model of WeChat now holds and what reached it. fast-check's model-based commands make it
 * seeded and reproducible, and shrink a failure to the shortest sequence of steps that still fails.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { Application, CallRecord, Fault, FaultKindName, LocalCloud } from '../../localcloud/server';
import { FaultKind, localAccount, startLocalCloud } from '../../localcloud/server';
import { OWN_ERRORS } from '../../src/core/errorTable';
import { WECHAT_ERRORS } from '../../src/core/wechatErrors';

/** Which way the warm function reaches WeChat. */
export type SoakTransport = 'cloud' | 'https';

/** How long a soak runs and from which seed. */
export interface SoakOptions {
  transport: SoakTransport;
  seed: number;
  /** fast-check runs: each starts from a fresh random list and plays up to `maxSteps` steps. */
  runs: number;
  maxSteps: number;
  /** fast-check's replay path from a failure's report, to replay exactly that case. */
  path?: string;
}

/** What a soak did: the figures its report gives. */
export interface SoakStats {
  decisions: number;
  invalidEvents: number;
  wechatSideChanges: number;
  /** Calls that reached the local cloud (decisions, list reads, tokens). */
  calls: number;
  /** Requests the function sent, as this process saw them leave: every one must have reached the local cloud. */
  requestsSent: number;
  faultedCalls: number;
  faultsByKind: Record<string, number>;
  outcomesByCode: Record<string, number>;
  violations: number;
}

const BUNDLE = join(__dirname, '../../cloudfunctions/setPluginApplyStatus/index.js');
const ADMIN = 'oSoakAdmin0123456789abcdef';
const SET_API = 'pluginManager.setDevPluginApplyStatus';
const LIST_API = 'pluginManager.getPluginDevApplyList';
const TOKEN_API = 'cgi-bin/stable_token';
/** A short time limit keeps each hang to 750 ms of the soak's time; the deadline logic is the same at any limit. */
const TIME_LIMIT_MS = 1000;

const appidOf = (n: number): string => `wx${n.toString(16).padStart(16, '0')}`;
/** The applications a soak plays with; the last one is never listed. */
const POOL = [0x501, 0x502, 0x503, 0x504, 0x505].map(appidOf);
const NEVER_LISTED = appidOf(0x5ff);

/** Errors whose text says the outcome is unknown: the only ones that may leave the decision applied or not. */
export const OUTCOME_UNKNOWN_CODES: ReadonlySet<string> = new Set(
  [...WECHAT_ERRORS.values(), ...Object.values(OWN_ERRORS)].filter((entry) => entry.en.message.includes('outcome is unknown')).map((entry) => entry.code),
);

/** WeChat's refusals that say the application's state forbids the decision, by errCode. */
const BUSINESS_REFUSALS: ReadonlySet<number> = new Set([89240, 89241, 89242, 89243]);

type Action = 'dev_agree' | 'dev_refuse' | 'dev_delete';
type Status = 1 | 2 | 3 | 4;

/** The status a successful decision leaves (undefined: no longer listed). */
const ASKED: Readonly<Record<Action, Status | undefined>> = { dev_agree: 2, dev_refuse: 3, dev_delete: undefined };

/** What WeChat must answer for `action` on an application in `status`: null when it may go ahead or is already done. */
function refusalFor(action: Action, status: Status | undefined): number | null {
  if (action === 'dev_delete') return status === 1 ? 89243 : status === 2 ? 89241 : null;
  if (status === undefined) return 89242;
  return status === 1 || status === ASKED[action] ? null : 89240;
}

type Main = (event: unknown, context: unknown) => Promise<unknown>;

/** The system under test: the local cloud and one warm function. */
interface SoakReal {
  cloud: LocalCloud;
  main: Main;
  requests: { sent: () => number };
  stats: SoakStats;
}

/** fast-check's model: the soak checks the real state directly, so the model only counts steps. */
interface SoakModel {
  steps: number;
}

type SoakCommand = fc.AsyncCommand<SoakModel, SoakReal>;

function statusOf(list: readonly Application[], appid: string): Status | undefined {
  return list.find((item) => item.appid === appid)?.status;
}

function without(list: readonly Application[], appid: string): Application[] {
  return list.filter((item) => item.appid !== appid);
}

function describeFault(fault: Fault): string {
  const api = fault.api === SET_API ? 'set' : fault.api === LIST_API ? 'list' : 'token';
  const detail = fault.errcode ?? fault.code ?? fault.ms;
  return `${fault.kind}${detail === undefined ? '' : `(${String(detail)})`}@${api}×${fault.times ?? 1}`;
}

/**
 * Counts the requests this process sends to the local cloud, seen through Node's diagnostics channels (the SDK's
 * http requests and fetch's). The warm function runs here, so this is every request it made, answered or not.
 */
function watchRequests(cloudUrl: string): { sent: () => number; stop: () => void } {
  const host = new URL(cloudUrl).host;
  let sent = 0;
  const onHttp = (message: unknown): void => {
    const request = (message as { request?: { getHeader?: (name: string) => unknown } }).request;
    if (request?.getHeader?.('host') === host) sent += 1;
  };
  const onFetch = (message: unknown): void => {
    if ((message as { request?: { origin?: unknown } }).request?.origin === cloudUrl) sent += 1;
  };
  subscribe('http.client.request.start', onHttp);
  subscribe('undici:request:create', onFetch);
  return {
    sent: () => sent,
    stop: () => {
      unsubscribe('http.client.request.start', onHttp);
      unsubscribe('undici:request:create', onFetch);
    },
  };
}

/**
 * Waits until the local cloud has received every request the function sent during this step, and answered every
 * delayed one: a function that answered TIMEOUT may still have a decision on its way, which lands later.
 */
async function settled(real: SoakReal, fromCall: number, fromSent: number): Promise<CallRecord[]> {
  const giveUpAt = Date.now() + 5000;
  for (;;) {
    const calls = real.cloud.calls().slice(fromCall);
    const unreceived = real.requests.sent() - fromSent - calls.length;
    const delayed = calls.some((call) => call.fault === 'delay' && call.errcode === null && call.cloudErrorCode === null);
    if (unreceived <= 0 && !delayed) return calls;
    if (Date.now() > giveUpAt)
      throw new Error(`the local cloud did not receive ${unreceived} request(s) the function sent, or answer a delayed one, within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One decision, valid or deliberately not, under some faults. */
class Decide implements SoakCommand {
  constructor(
    readonly event: Record<string, unknown>,
    /** What WeChat must receive: the validated decision; null when the event is invalid and nothing may be sent. */
    readonly expectedRequest: Record<string, string> | null,
    readonly faults: readonly Fault[],
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: SoakModel, real: SoakReal): Promise<void> {
    model.steps += 1;
    const { cloud, stats } = real;
    cloud.clearFaults();
    const before = cloud.applications();
    const fromCall = cloud.calls().length;
    const fromSent = real.requests.sent();
    for (const fault of this.faults) cloud.addFault(fault);
    let result: unknown;
    try {
      result = await real.main(this.event, { request_id: `soak-${model.steps}`, function_name: 'setPluginApplyStatus', time_limit_in_ms: TIME_LIMIT_MS });
    } catch (thrown) {
      result = undefined;
      this.fail(stats, `main threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    }
    const received = await settled(real, fromCall, fromSent);
    // The decision trail's database calls reach the local cloud too, but are no call to WeChat.
    const calls = received.filter((call) => call.api !== 'database');
    stats.requestsSent += real.requests.sent() - fromSent - (received.length - calls.length);
    cloud.clearFaults();
    const after = cloud.applications();
    this.count(stats, result, calls);
    if (process.env.SOAK_TRACE === '1') {
      const played = calls.map((call) => `${call.api.replace('pluginManager.', '')}${call.fault === null ? '' : `!${call.fault}`}`).join(' ');
      process.stderr.write(`${this.toString()} → ${outcomeOf(result)} [${played}]\n`);
    }
    this.checkAnswer(stats, result, before, after, calls);
  }

  private count(stats: SoakStats, result: unknown, calls: readonly CallRecord[]): void {
    stats.decisions += 1;
    if (this.expectedRequest === null) stats.invalidEvents += 1;
    stats.calls += calls.length;
    for (const call of calls) {
      if (call.fault === null) continue;
      stats.faultedCalls += 1;
      stats.faultsByKind[call.fault] = (stats.faultsByKind[call.fault] ?? 0) + 1;
    }
    const outcome = outcomeOf(result);
    stats.outcomesByCode[outcome] = (stats.outcomesByCode[outcome] ?? 0) + 1;
  }

  private checkAnswer(stats: SoakStats, result: unknown, before: Application[], after: Application[], calls: readonly CallRecord[]): void {
    const answer = result as { ok?: unknown; changed?: unknown; error?: { code?: unknown; errCode?: unknown } } | null | undefined;
    if (typeof answer !== 'object' || answer === null || typeof answer.ok !== 'boolean') {
      this.fail(stats, `not a result: ${JSON.stringify(result)}`);
      return;
    }
    const decisionCalls = calls.filter((call) => call.api === SET_API);
    if (this.expectedRequest === null) {
      if (answer.ok || answer.error?.code !== 'INVALID_EVENT') this.fail(stats, `an invalid event was answered ${outcomeOf(result)}`);
      if (calls.length > 0) this.fail(stats, `an invalid event reached WeChat: ${JSON.stringify(calls.map((call) => call.request))}`);
      if (!isDeepStrictEqual(after, before)) this.fail(stats, 'an invalid event changed the list');
      return;
    }
    for (const call of decisionCalls) {
      if (!isDeepStrictEqual(call.request, this.expectedRequest))
        this.fail(stats, `WeChat received ${JSON.stringify(call.request)}, not the validated decision`);
    }
    const action = this.expectedRequest.action as Action;
    const appid = this.expectedRequest.appid ?? '';
    const was = statusOf(before, appid);
    const now = statusOf(after, appid);
    const asked = ASKED[action];
    if (!isDeepStrictEqual(without(after, appid), without(before, appid))) this.fail(stats, 'another application changed');
    if (answer.ok) {
      if (now !== asked) this.fail(stats, `success, yet the application is ${String(now)}, not ${String(asked)}`);
      if (answer.changed === true && was === asked) this.fail(stats, 'changed: true for a decision that was already done');
      return;
    }
    const code = String(answer.error?.code);
    const errCode = answer.error?.errCode;
    if (typeof errCode === 'number' && BUSINESS_REFUSALS.has(errCode) && !OUTCOME_UNKNOWN_CODES.has(code)) {
      const due = refusalFor(action, was);
      if (due !== errCode)
        this.fail(
          stats,
          `${code} (${errCode}) for an application that was ${String(was)}: WeChat's state ${due === null ? 'allows it or it was already done' : `answers ${due}`}`,
        );
      if (now !== was) this.fail(stats, `${code} (${errCode}), yet the application went from ${String(was)} to ${String(now)}`);
      return;
    }
    if (OUTCOME_UNKNOWN_CODES.has(code)) {
      if (now !== was && now !== asked) this.fail(stats, `${code} left the application ${String(now)}, neither as it was (${String(was)}) nor as asked`);
      return;
    }
    if (now !== was) this.fail(stats, `${code} (not an unknown outcome), yet the application went from ${String(was)} to ${String(now)}`);
  }

  private fail(stats: SoakStats, message: string): never {
    stats.violations += 1;
    throw new Error(`soak violation after ${this.toString()}: ${message}`);
  }

  toString(): string {
    const faults = this.faults.length === 0 ? '' : ` under ${this.faults.map(describeFault).join(', ')}`;
    return `decide ${JSON.stringify(this.event)}${faults}`;
  }
}

/** Something WeChat's side does between decisions: an applicant applies (again), or a pending application times out. */
class WeChatSide implements SoakCommand {
  constructor(
    readonly appid: string,
    readonly change: 'applies' | 'timesOut',
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: SoakModel, real: SoakReal): Promise<void> {
    model.steps += 1;
    const list = real.cloud.applications();
    const item = list.find((application) => application.appid === this.appid);
    if (this.change === 'applies' && item === undefined) list.push(applicationOf(this.appid, 1));
    else if (this.change === 'timesOut' && item?.status === 1) item.status = 4;
    else return;
    real.stats.wechatSideChanges += 1;
    // Replacing the list also forgets the calls so far, which the decisions have already checked.
    real.cloud.reset(list);
  }

  toString(): string {
    return `${this.appid} ${this.change}`;
  }
}

function applicationOf(appid: string, status: Status): Application {
  return {
    appid,
    status,
    nickname: `应用${appid.slice(-3)}`,
    headimgurl: '',
    categories: [{ first: '工具', second: '效率' }],
    create_time: '1717034400',
    apply_url: '',
    reason: '用于展示图表',
  };
}

function outcomeOf(result: unknown): string {
  const answer = result as { ok?: unknown; changed?: unknown; error?: { code?: unknown } } | null | undefined;
  if (typeof answer !== 'object' || answer === null) return 'NO_RESULT';
  if (answer.ok === true) return answer.changed === true ? 'OK changed' : 'OK unchanged';
  return String(answer.error?.code);
}

const appidArb = fc.noBias(fc.constantFrom(...POOL, NEVER_LISTED));
const reasonArb = fc.constantFrom('暂不开放该类目', '  资质不全  ', 'r', '类'.repeat(200), 'not a fit for this plugin');

/** A valid decision with an appid, and the request WeChat must receive for it. */
const validDecisionArb: fc.Arbitrary<[Record<string, unknown>, Record<string, string>]> = fc.oneof(
  appidArb.map((appid): [Record<string, unknown>, Record<string, string>] => [
    { action: 'dev_agree', appid },
    { action: 'dev_agree', appid },
  ]),
  fc.tuple(appidArb, reasonArb).map(([appid, reason]): [Record<string, unknown>, Record<string, string>] => [
    { action: 'dev_refuse', appid, reason },
    { action: 'dev_refuse', appid, reason: reason.trim() },
  ]),
  appidArb.map((appid): [Record<string, unknown>, Record<string, string>] => [
    { action: 'dev_delete', appid },
    { action: 'dev_delete', appid },
  ]),
);

/** Events the schema must refuse before anything reaches WeChat. */
const invalidEventArb: fc.Arbitrary<Record<string, unknown>> = appidArb.chain((appid) =>
  fc.constantFrom<Record<string, unknown>>(
    { action: 'dev_agree' },
    { action: 'dev_agree', appid: appid.toUpperCase() },
    { action: 'dev_refuse', appid, reason: '   ' },
    { action: 'dev_refuse', appid, reason: '类'.repeat(201) },
    { action: 'dev_refuse', appid },
    { action: 'dev_delete', appId: appid },
    { action: 'dev_approve', appid },
    { action: 'dev_agree', appid, reason: 'only for refusals' },
  ),
);

/** One fault of any kind the local cloud has, on the decision, the list read, or (HTTPS) the token. */
function faultArb(transport: SoakTransport): fc.Arbitrary<Fault> {
  const apis = transport === 'https' ? [SET_API, SET_API, SET_API, LIST_API, LIST_API, TOKEN_API] : [SET_API, SET_API, SET_API, LIST_API, LIST_API];
  const shapes: Record<FaultKindName, fc.Arbitrary<Partial<Fault>>> = {
    [FaultKind.errcode]: fc.record({ errcode: fc.constantFrom(-1, -1, 45011, 45009, 40001, 48001) }),
    [FaultKind.cloudError]: fc.record({ errcode: fc.constantFrom(-604101, -604102, -604103, -601001, -501004) }),
    [FaultKind.tcbError]: fc.record({ code: fc.constantFrom('SYS_ERR', 'INVALID_PARAM') }),
    [FaultKind.http500]: fc.constant({}),
    [FaultKind.malformed]: fc.constant({}),
    [FaultKind.reset]: fc.constant({}),
    [FaultKind.lostAnswer]: fc.constant({}),
    [FaultKind.unreadableAnswer]: fc.constant({}),
    [FaultKind.delay]: fc.record({ ms: fc.integer({ min: 20, max: 900 }) }),
    [FaultKind.hang]: fc.constant({}),
  };
  const kinds = Object.values(FaultKind);
  // Unbiased: fast-check otherwise favours the first kinds listed, and every kind should be played about as often.
  return fc
    .noBias(fc.tuple(fc.constantFrom(...kinds), fc.constantFrom(...apis), fc.integer({ min: 1, max: 3 })))
    .chain(([kind, api, times]) => shapes[kind].map((shape): Fault => ({ kind, api, times, ...shape })));
}

function commandArbs(transport: SoakTransport): Array<fc.Arbitrary<SoakCommand>> {
  // A lost answer followed by another failure of the same decision: the retry's failure must not be taken at its word
  // (the lost try may have been applied). Random pairs of faults play this too rarely to find it, so it has its own share.
  const lostThenFails = faultArb(transport).map((then): Fault[] => [
    { kind: FaultKind.lostAnswer, api: SET_API, times: 1 },
    { ...then, api: SET_API },
  ]);
  const faults = fc.oneof(
    { weight: 2, arbitrary: fc.constant<Fault[]>([]) },
    { weight: 2, arbitrary: fc.array(faultArb(transport), { minLength: 1, maxLength: 2 }) },
    { weight: 1, arbitrary: lostThenFails },
  );
  const valid = fc.tuple(validDecisionArb, faults).map(([[event, request], chosen]): SoakCommand => new Decide(event, request, chosen));
  const invalid = fc.tuple(invalidEventArb, faults).map(([event, chosen]): SoakCommand => new Decide(event, null, chosen));
  const wechatSide = fc
    .noBias(fc.tuple(fc.constantFrom(...POOL), fc.constantFrom<'applies' | 'timesOut'>('applies', 'applies', 'timesOut')))
    .map(([appid, change]): SoakCommand => new WeChatSide(appid, change));
  // fc.commands picks among its arbitraries evenly: repeating one weighs it (valid decisions 6 : invalid 1 : WeChat's side 2).
  return [valid, valid, valid, valid, valid, valid, invalid, wechatSide, wechatSide];
}

const STATUS_NAMES: Readonly<Record<Status, string>> = { 1: 'pending', 2: 'approved', 3: 'refused', 4: 'expired' };

/** A starting list: each pool applicant in a random status, or not listed yet; printed as statuses, not JSON. */
const initialListArb: fc.Arbitrary<Application[]> = fc.tuple(...POOL.map(() => fc.constantFrom<Status | 0>(1, 1, 1, 2, 3, 4, 0))).map((statuses) => {
  const list = POOL.flatMap((appid, i) => (statuses[i] === 0 ? [] : [applicationOf(appid, statuses[i] as Status)]));
  const shown = POOL.map((appid, i) => `${appid.slice(-3)}:${statuses[i] === 0 ? 'absent' : STATUS_NAMES[statuses[i] as Status]}`).join(' ');
  return Object.defineProperty(list, fc.toStringMethod, { value: () => `list ${shown}` });
});

/** The environment the platform gives the function (what the local cloud's function host sets for each call). */
function platformEnv(cloudUrl: string): Record<string, string> {
  return {
    TENCENTCLOUD_RUNENV: 'SCF',
    TENCENTCLOUD_REGION: 'ap-shanghai',
    SCF_NAMESPACE: localAccount.envId,
    TCB_ENV: localAccount.envId,
    TCB_SOURCE: 'wx_client',
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${cloudUrl}/admin/setPluginApplyStatus` }),
    TENCENTCLOUD_SECRETID: 'soak-secret-id',
    TENCENTCLOUD_SECRETKEY: 'soak-secret-key',
    WX_APPID: localAccount.appid,
    WX_OPENID: ADMIN,
    WX_CONTEXT_KEYS: 'WX_APPID,WX_OPENID',
    PLUGIN_ADMIN_OPENIDS: ADMIN,
  };
}

const HTTPS_KEYS = ['PLUGIN_APPID', 'PLUGIN_APPSECRET', 'WECHAT_API_BASE_URL'] as const;

/**
 * Loads a fresh copy of the built bundle into this process, as a warm container holds it. The platform's
 * variables stay set while it runs (the SDK reads the caller's at each call); restore() puts the old ones back.
 */
function loadWarmFunction(cloudUrl: string, transport: SoakTransport): { main: Main; restore: () => void } {
  const env: Record<string, string> = platformEnv(cloudUrl);
  if (transport === 'https') Object.assign(env, { PLUGIN_APPID: localAccount.appid, PLUGIN_APPSECRET: localAccount.secret, WECHAT_API_BASE_URL: cloudUrl });
  const keys = [...new Set([...Object.keys(env), ...HTTPS_KEYS])];
  const saved = new Map(keys.map((key) => [key, process.env[key]]));
  for (const key of HTTPS_KEYS) Reflect.deleteProperty(process.env, key);
  Object.assign(process.env, env);
  let main: Main | undefined;
  jest.isolateModules(() => {
    main = (require(BUNDLE) as { main: Main }).main;
  });
  // Read once at load, like the cloud console's variables; the next load must not inherit them.
  for (const key of HTTPS_KEYS) Reflect.deleteProperty(process.env, key);
  const restore = (): void => {
    for (const [key, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
  };
  if (main === undefined) throw new Error(`${BUNDLE} exports no main: run npm run build`);
  return { main, restore };
}

/** Bundle log lines would drown the test output; they are kept so the soak can check them for secrets. */
function quietStdout(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown): boolean => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  return { lines, restore: () => void (process.stdout.write = write) };
}

/** Runs the soak; rejects with fast-check's report (seed, shortest failing steps) on the first violation. */
export async function runSoak(options: SoakOptions): Promise<SoakStats> {
  const stats: SoakStats = {
    decisions: 0,
    invalidEvents: 0,
    wechatSideChanges: 0,
    calls: 0,
    requestsSent: 0,
    faultedCalls: 0,
    faultsByKind: {},
    outcomesByCode: {},
    violations: 0,
  };
  const cloud = await startLocalCloud({ port: 0, applications: [] });
  const warm = loadWarmFunction(cloud.url, options.transport);
  const requests = watchRequests(cloud.url);
  const output = quietStdout();
  try {
    const real: SoakReal = { cloud, main: warm.main, requests, stats };
    await fc.assert(
      fc.asyncProperty(
        initialListArb,
        fc.commands(commandArbs(options.transport), { maxCommands: options.maxSteps, size: 'max' }),
        async (initial, commands) => {
          cloud.reset(initial);
          await fc.asyncModelRun(() => ({ model: { steps: 0 }, real }), commands);
        },
      ),
      { seed: options.seed, numRuns: options.runs, ...(options.path === undefined ? {} : { path: options.path }) },
    );
    // The log may name the decision, never the AppSecret, a token, the caller's whole OPENID or a refusal reason.
    const unsayable = [localAccount.secret, ADMIN, '暂不开放该类目', 'not a fit for this plugin'];
    const leaked = output.lines.find((line) => unsayable.some((text) => line.includes(text)) || /access_token=[^*&]/.test(line));
    if (leaked !== undefined) throw new Error(`a log line shows what it must not: ${leaked.slice(0, 200)}`);
    return stats;
  } finally {
    output.restore();
    requests.stop();
    warm.restore();
    await cloud.close();
  }
}

/** One line per figure, for the soak's report. */
export function formatStats(label: string, stats: SoakStats): string {
  const sorted = (counts: Record<string, number>): string =>
    Object.entries(counts)
      .sort(([, a], [, b]) => b - a)
      .map(([key, count]) => `${key} ${count}`)
      .join(', ');
  return [
    `soak ${label}: ${stats.decisions} decisions (${stats.invalidEvents} invalid events), ${stats.wechatSideChanges} changes on WeChat's side, violations ${stats.violations}`,
    `  calls ${stats.calls}, faulted ${stats.faultedCalls} (${stats.calls === 0 ? 0 : Math.round((100 * stats.faultedCalls) / stats.calls)}%)`,
    `  faults by kind: ${sorted(stats.faultsByKind)}`,
    `  outcomes: ${sorted(stats.outcomesByCode)}`,
  ].join('\n');
}
