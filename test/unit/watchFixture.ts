/**
 * A watcher run's world for unit tests: a model of WeChat's list that agrees like WeChat, a clock the test moves,
 * the in-memory store, and a robot that records what it was sent and fails when told to.
 */
import type { AdminList } from '../../src/core/config';
import type { RetryOptions } from '../../src/core/retry';
import type { ChannelAnswer, DigestChannel, RuleDecision, WatchDeps, WatchResult } from '../../src/core/watch';
import { handleWatch } from '../../src/core/watch';
import type { WatchConfig } from '../../src/core/watchConfig';
import { readWatchConfig } from '../../src/core/watchConfig';
import { createMemoryWatchStore } from '../../src/core/watchStore';
import type { DecisionRequest, PluginApplyClient, RawApplication } from '../../src/core/wechatClient';
import { WeChatApiError } from '../../src/core/wechatClient';
import type { LogRecord } from '../../src/core/log';

export const ADMIN = 'oAdminOpenid1234567890abcdef';
export const HOUR = 3_600_000;
export const appidOf = (n: number): string => `wx${n.toString(16).padStart(16, '0')}`;

/** When the tests' world begins: a fixed instant, so ages are exact. */
export const T0 = Date.UTC(2026, 0, 5, 2, 0, 0);

const noWaitRetry: RetryOptions = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined, random: () => 0.5 };

/** One application as WeChat lists it (camelCase, as the SDK hands it over), made `ageHours` before T0. */
export function applicant(
  n: number,
  { status = 1, ageHours = 1, nickname = `应用${n}`, reason = '想用这个插件', categories = [{ first: '工具', second: '效率' }] } = {},
): RawApplication {
  return {
    appid: appidOf(n),
    status,
    nickname,
    reason,
    categories,
    createTime: String(Math.floor((T0 - ageHours * HOUR) / 1000)),
    headimgurl: '',
    applyUrl: '',
  };
}

export interface World {
  list: RawApplication[];
  clock: { now: number };
  client: PluginApplyClient & { listCalls: number; sent: DecisionRequest[] };
  store: ReturnType<typeof createMemoryWatchStore>;
  robot: DigestChannel & { messages: string[]; failNext: ChannelAnswer[] };
  logged: LogRecord[];
  trail: RuleDecision[][];
  run(overrides?: Partial<WatchDeps>, env?: Record<string, string>): Promise<WatchResult>;
}

/** A world with these applications, at T0. */
export function world(list: RawApplication[]): World {
  const clock = { now: T0 };
  const client = {
    listCalls: 0,
    sent: [] as DecisionRequest[],
    async listApplications(page: number, num: number) {
      client.listCalls += 1;
      return w.list.slice((page - 1) * num, page * num).map((item) => ({ ...item }));
    },
    async setApplyStatus(request: DecisionRequest) {
      client.sent.push(request);
      const found = w.list.find((item) => item.appid === request.appid);
      if (found === undefined) throw new WeChatApiError(89242, 'openapi.pluginManager.setDevPluginApplyStatus:fail appid not in list');
      if (found.status !== 1) throw new WeChatApiError(89240, 'openapi.pluginManager.setDevPluginApplyStatus:fail only pending');
      found.status = 2;
    },
  };
  const robot = {
    messages: [] as string[],
    failNext: [] as ChannelAnswer[],
    async send(markdown: string): Promise<ChannelAnswer> {
      const failure = robot.failNext.shift();
      if (failure !== undefined) return failure;
      robot.messages.push(markdown);
      return { ok: true };
    },
  };
  const admins: AdminList = { kind: 'listed', openids: new Set([ADMIN]) };
  const w: World = {
    list,
    clock,
    client,
    store: createMemoryWatchStore(),
    robot,
    logged: [],
    trail: [],
    async run(overrides = {}, env = {}) {
      const config: WatchConfig = readWatchConfig(env);
      return handleWatch(
        {},
        {
          client,
          store: w.store,
          channel: robot,
          caller: {},
          source: 'wx_trigger',
          admins,
          configProblems: config.problems,
          watch: config,
          deadline: { at: clock.now + 20_000, now: () => clock.now },
          log: (record) => w.logged.push(record),
          requestId: 'req',
          retry: noWaitRetry,
          recordDecisions: async (decisions) => {
            w.trail.push([...decisions]);
          },
          ...overrides,
        },
      );
    },
  };
  return w;
}

/** The summary of a run that ran, or a failure naming what it got. */
export function summaryOf(result: WatchResult): Extract<WatchResult, { ran: true }>['summary'] {
  if (!result.ok || !result.ran) throw new Error(`the run did not run: ${JSON.stringify(result)}`);
  return result.summary;
}
