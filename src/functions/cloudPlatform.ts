/**
 * What the WeChat cloud gives each invocation, gathered in one place for every function entry point:
 * the initialised SDK, the caller as the platform identifies it, the time limit and the request id.
 */
import cloud from 'wx-server-sdk';
import { processStartedAt } from './coldStart';
import type { Caller } from '../core/callerPolicy';
import type { PluginManagerOpenApi } from '../wechat/cloudTransport';
import { createCloudClient, createCloudListClient } from '../wechat/cloudTransport';
import type { Config } from '../core/config';
import type { Deadline } from '../core/deadline';
import { callStartedAt, deadlineFromContext, timeLimitMs } from '../core/deadline';
import { stdoutSink } from '../core/log';
import { withPageBase } from '../core/pageBase';
import { createHttpsClient } from '../wechat/httpsTransport';
import type { ListClient, PluginApplyClient } from '../core/wechatClient';

// The SDK's typings declare `env` as a string, yet DYNAMIC_CURRENT_ENV (a symbol) is its documented value.
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });

let firstCall = true;

/** The per-call facts an entry point passes to the core. */
export interface Invocation {
  caller: Caller;
  deadline: Deadline;
  requestId: string | null;
  /** getWXContext().SOURCE: how the function was called (`wx_client`, `scf`, `wx_trigger`, …), null when unreadable. */
  source: string | null;
}

/**
 * Reads the invocation from the platform: the caller from getWXContext (injected, trusted), never from the event.
 * Never throws: it runs before the core's own safety net, and every value in it is untrusted in type.
 */
export function invocation(context: unknown): Invocation {
  const startedAt = callStartedAt(Date.now(), processStartedAt, firstCall, timeLimitMs(context));
  firstCall = false;
  const requestId = (context as { request_id?: unknown } | null | undefined)?.request_id;
  return {
    caller: platformCaller(),
    deadline: deadlineFromContext(context, startedAt, Date.now),
    requestId: typeof requestId === 'string' ? requestId : null,
    source: platformSource(),
  };
}

/** How the function was called, as the platform says (SOURCE, e.g. `wx_client,scf`); never throws. */
function platformSource(): string | null {
  try {
    const source = (cloud.getWXContext() as { SOURCE?: unknown }).SOURCE;
    return typeof source === 'string' && source !== '' ? source.slice(0, 100) : null;
  } catch {
    return null;
  }
}

/**
 * The caller in getWXContext. A call from another mini-program sharing this environment carries FROM_APPID: then
 * the caller is (FROM_APPID, FROM_OPENID) and OPENID is not looked at, so it cannot widen access. If the context
 * cannot be read, the caller is nobody.
 */
function platformCaller(): Caller {
  try {
    const read: unknown = cloud.getWXContext();
    const context = typeof read === 'object' && read !== null ? (read as Record<string, unknown>) : {};
    if (context.FROM_APPID !== undefined) {
      return { fromAppid: platformText(context.FROM_APPID, 'WX_FROM_APPID') ?? '', fromOpenid: platformText(context.FROM_OPENID, 'WX_FROM_OPENID') };
    }
    return { openid: platformText(context.OPENID, 'WX_OPENID') };
  } catch {
    return {};
  }
}

/**
 * A context value as the text the platform set. getWXContext turns digit-only values into numbers (parseInt), which
 * drops leading zeros and digits past 2^53; the variable it read still holds the exact text, so that is used.
 */
function platformText(value: unknown, variable: string): string | undefined {
  if (typeof value === 'string') return value;
  const raw = process.env[variable];
  return typeof value === 'number' && raw !== undefined && /^-?\d+$/.test(raw) ? raw : undefined;
}

const openapi = cloud.openapi as unknown as PluginManagerOpenApi;

/**
 * The WeChat client for deciding, by the configured transport; created once per container, so a warm
 * container reuses its access token and the page numbering it found (pageBase.ts). A problem creating it is added
 * to `config.problems`, never thrown.
 */
export function decisionClient(config: Config): PluginApplyClient {
  return withPageBase(httpsClientFor(config) ?? createCloudClient(openapi, stdoutSink), stdoutSink);
}

/** The WeChat client for listing only. */
export function listClient(config: Config): ListClient {
  return withPageBase(httpsClientFor(config) ?? createCloudListClient(openapi), stdoutSink);
}

function httpsClientFor(config: Config): PluginApplyClient | null {
  if (config.transport.kind !== 'https') return null;
  try {
    return createHttpsClient(config.transport);
  } catch (thrown) {
    // Node 16 has no global fetch; the cloud call still works there.
    config.problems.push(
      `PLUGIN_APPID/PLUGIN_APPSECRET select HTTPS calls, which need the Node.js 18 runtime or newer: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
    );
    return null;
  }
}
