import type { ChildProcess} from 'node:child_process';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isFunctionName, runnerPath } from './paths';

/** callFunction's error code for a function that threw, crashed or ran out of time. */
export const functionsExecuteFail = -504002;
/** The code callFunction answers for a function that does not exist. */
export const functionNotFound = -501000;
/** The code the cloud answers for a call past the environment's concurrency limit (wx-server-sdk: "exceed concurrent request limit"). */
export const concurrencyLimit = -501004;

/** A failed invocation, shaped like `wx.cloud.callFunction`'s rejection. */
export class FunctionCallError extends Error {
  override readonly name = 'FunctionCallError';
  constructor(
    readonly errCode: number,
    readonly errMsg: string,
    /** The HTTP status the function host answers with. */
    readonly status: number,
  ) {
    super(`errCode: ${errCode} | errMsg: ${errMsg}`);
  }
}

/** Per-call options: who calls, extra environment, SCF context overrides. */
export interface InvokeOptions {
  /** The caller's OPENID; undefined means the host's default caller, null means none (like an HTTP-triggered call). */
  openid?: string | null;
  env?: Record<string, string>;
  context?: Record<string, unknown>;
}

/** What the host needs to know about the cloud around it. */
export interface FunctionHostConfig {
  functionsDir: string;
  /** Base URL of the local cloud, e.g. http://127.0.0.1:3000. */
  cloudUrl: () => string;
  envId: string;
  /** WX_APPID and userInfo.appId of callers. */
  appid: string;
  defaultOpenid: string;
  functionEnv: Record<string, string>;
  log: (line: string, entry: LogEntry) => void;
  /** How many invocations (processes) may run at once; the next is answered -501004. */
  maxRunning: number;
}

/** What a log line is about: a request the server answered, or a line a hosted function printed. */
export type LogEntry =
  | { kind: 'request'; method: string; path: string; status: number; ms: number }
  | { kind: 'function'; name: string; text: string };

/** Runs built functions, one child process per invocation. */
export interface FunctionHost {
  invoke(name: string, data: unknown, options?: InvokeOptions): Promise<unknown>;
  /** Kills every running invocation. */
  killAll(): void;
}

interface RunnerAnswer {
  ok: boolean;
  resultJson?: string;
  error?: { name: string; message: string; stack: string };
}

// The only variables of the host process a function sees; everything else comes from the "platform".
const inheritedEnv = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'LANG', 'TZ'];

function failMsg(detail: string): string {
  return `cloud.callFunction:fail ${detail}`;
}

/** Creates a function host for the given cloud. */
export function createFunctionHost(config: FunctionHostConfig): FunctionHost {
  const running = new Set<ChildProcess>();

  const environment = (name: string, openid: string | null, extra: Record<string, string>): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const key of inheritedEnv) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    const identity: Record<string, string> = { WX_APPID: config.appid, WX_CLIENTIP: '127.0.0.1' };
    if (openid !== null) identity.WX_OPENID = openid;
    Object.assign(env, config.functionEnv, {
      // SCF sets TENCENTCLOUD_RUNENV; it also stops @cloudbase/node-sdk probing the metadata server on the internet.
      TENCENTCLOUD_RUNENV: 'SCF',
      TENCENTCLOUD_REGION: 'ap-shanghai',
      SCF_NAMESPACE: config.envId,
      TCB_ENV: config.envId,
      TCB_SOURCE: openid === null ? 'wx_http' : 'wx_client',
      // Each function gets its own endpoint, so the cloud knows which config.json permissions apply.
      TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${config.cloudUrl()}/admin/${name}` }),
      TENCENTCLOUD_SECRETID: `local-secret-id-${name}`,
      TENCENTCLOUD_SECRETKEY: 'local-secret-key',
      ...identity,
      WX_CONTEXT_KEYS: Object.keys(identity).join(','),
    });
    Object.assign(env, extra);
    if (extra.WX_UNIONID !== undefined && !env.WX_CONTEXT_KEYS?.includes('WX_UNIONID')) {
      env.WX_CONTEXT_KEYS = `${env.WX_CONTEXT_KEYS},WX_UNIONID`;
    }
    return env;
  };

  const invoke = (name: string, data: unknown, options: InvokeOptions = {}): Promise<unknown> => {
    const folder = isFunctionName(name) ? join(config.functionsDir, name) : null;
    const indexPath = folder === null ? null : join(folder, 'index.js');
    if (indexPath === null || !existsSync(indexPath)) {
      const where = folder === null ? `"${name}" is not a function name` : `${indexPath} does not exist`;
      return Promise.reject(
        new FunctionCallError(functionNotFound, failMsg(`${functionNotFound} FunctionName parameter could not be found. ${where}: run \`npm run build\` first`), 404),
      );
    }
    if (running.size >= config.maxRunning) {
      // Counted by live processes, not by unanswered calls: one that answered but has not exited yet still holds memory.
      return Promise.reject(
        new FunctionCallError(
          concurrencyLimit,
          failMsg(`${concurrencyLimit} exceed concurrent request limit. ${config.maxRunning} function invocations are already running in the local cloud; try again when one ends`),
          429,
        ),
      );
    }
    const openid = options.openid === undefined ? config.defaultOpenid : options.openid;
    const requestId = randomUUID();
    const context: Record<string, unknown> = {
      request_id: requestId,
      function_name: name,
      function_version: '$LATEST',
      namespace: config.envId,
      time_limit_in_ms: 3000,
      memory_limit_in_mb: 256,
      ...options.context,
    };
    const limit = typeof context.time_limit_in_ms === 'number' ? context.time_limit_in_ms : 3000;
    const baseEvent = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {};
    // Like callFunction, the platform adds userInfo to the event; an HTTP-triggered call has no caller.
    const event = openid === null ? { ...baseEvent } : { ...baseEvent, userInfo: { appId: config.appid, openId: openid } };

    return new Promise((resolve, reject) => {
      const child = fork(runnerPath(), [], {
        env: environment(name, openid, options.env ?? {}),
        execArgv: [],
        cwd: folder ?? undefined,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      running.add(child);
      let settled = false;
      const fail = (detail: string, status = 500): void => {
        settle(() => reject(new FunctionCallError(functionsExecuteFail, failMsg(`${functionsExecuteFail} functions execute fail. requestID ${requestId}, ${detail}`), status)));
      };
      const settle = (finish: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        finish();
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(`Invoking task timed out after ${(limit / 1000).toFixed(3)} seconds`, 504);
      }, limit);
      const forward = (stream: NodeJS.ReadableStream | null): void => {
        const emit = (line: string): void => {
          if (line.trim() !== '') config.log(`[${name}] ${line}`, { kind: 'function', name, text: line });
        };
        // A chunk may end inside a line: keep the unfinished part until the rest arrives, so each JSON record stays whole.
        let unfinished = '';
        stream?.setEncoding('utf8');
        stream?.on('data', (chunk: string) => {
          const lines = (unfinished + chunk).split('\n');
          unfinished = lines.pop() ?? '';
          lines.forEach(emit);
        });
        stream?.on('end', () => emit(unfinished));
      };
      forward(child.stdout);
      forward(child.stderr);
      child.on('message', (message: RunnerAnswer) => {
        if (message.ok) {
          settle(() => resolve(JSON.parse(message.resultJson ?? 'null') as unknown));
        } else {
          const error = message.error ?? { name: 'Error', message: 'unknown error', stack: '' };
          fail(`${error.name}: ${error.message}`);
        }
      });
      child.on('error', (error) => fail(`runner failed: ${error.message}`));
      child.on('exit', (code, signal) => {
        running.delete(child);
        fail(`process exited (${signal ?? `code ${code ?? 'unknown'}`}) before returning`);
      });
      child.send({ indexPath, event, context });
    });
  };

  return {
    invoke,
    killAll() {
      for (const child of running) child.kill('SIGKILL');
      running.clear();
    },
  };
}
