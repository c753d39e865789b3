/**
 * What the WeChat cloud gives each invocation, gathered in one place for every function entry point:
 * the initialised SDK, the caller as the platform identifies it, the time limit and the request id.
 */
import cloud from 'wx-server-sdk';
import type { Caller } from './callerPolicy';
import type { PluginManagerOpenApi } from './cloudTransport';
import { createCloudClient, createCloudListClient } from './cloudTransport';
import type { Config } from './config';
import type { Deadline } from './deadline';
import { deadlineFromContext } from './deadline';
import type { ListClient, PluginApplyClient } from './pluginApplyClient';

// The SDK's typings declare `env` as a string, yet DYNAMIC_CURRENT_ENV (a symbol) is its documented value.
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });

/** The per-call facts an entry point passes to the core. */
export interface Invocation {
  caller: Caller;
  deadline: Deadline;
  requestId: string | null;
}

/** Reads the invocation from the platform: OPENID from getWXContext (injected, trusted), never from the event. */
export function invocation(context: unknown): Invocation {
  const startedAt = Date.now();
  const { OPENID } = cloud.getWXContext();
  const requestId = (context as { request_id?: unknown } | null | undefined)?.request_id;
  return {
    caller: { openid: OPENID },
    deadline: deadlineFromContext(context, startedAt, Date.now),
    requestId: typeof requestId === 'string' ? requestId : null,
  };
}

const openapi = cloud.openapi as unknown as PluginManagerOpenApi;

/** The WeChat client for deciding; created once per container and reused while it stays warm. */
export function decisionClient(config: Config): PluginApplyClient {
  void config;
  return createCloudClient(openapi);
}

/** The WeChat client for listing only. */
export function listClient(config: Config): ListClient {
  void config;
  return createCloudListClient(openapi);
}
