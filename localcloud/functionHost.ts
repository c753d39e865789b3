import type { ChildProcess } from 'node:child_process';
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

/** callFunction's code when cloudbase_auth refused the calling mini-program (wx-server-sdk's table). */
export const cloudbaseAuthNonZero = -601017;
/** callFunction's code when cloudbase_auth answered without an errCode (wx-server-sdk's table). */
export const cloudbaseAuthEmpty = -601015;
/** The function the platform runs before a call from another mini-program sharing the environment. */
export const CLOUDBASE_AUTH = 'cloudbase_auth';

/** A user of another mini-program of the same entity, calling through environment sharing (环境共享). */
export interface CrossAccountCaller {
  appid: string;
  openid: string;
}

/** Per-call options: who calls, extra environment, SCF context overrides. */
export interface InvokeOptions {
  /**
   * The caller's OPENID; undefined means the host's default caller, null means none (like an HTTP-triggered call).
   * With `from`, undefined means no WX_OPENID at all, and a string sets WX_OPENID as well (whether the platform
   * fills it in a cross-account call is undocumented; this lets tests check it cannot widen access).
   */
  openid?: string | null;
  /** A cross-account caller: cloudbase_auth runs first, then the function sees WX_FROM_APPID / WX_FROM_OPENID. */
  from?: CrossAccountCaller;
  /** Extra environment for this call, as if set in the console (with `from`, cloudbase_auth gets it too). */
  env?: Record<string, string>;
  /** A timer trigger's run: SOURCE `wx_trigger`, no caller (no OPENID, no FROM_*), no userInfo in the event. */
  timer?: boolean;
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
  /** The variables set on every function (its cloud-console configuration), read at each call. */
  functionEnv: () => Record<string, string>;
  /** Model now minus the machine's now, in ms: given to each call as LOCALCLOUD_NOW_OFFSET_MS. */
  nowOffsetMs?: () => number;
  log: (line: string, entry: LogEntry) => void;
  /** How many invocations (processes) may run at once; the next is answered -501004. */
  maxRunning: number;
  /** The Node.js binary that runs functions, e.g. the cloud's oldest runtime; default the host's own. */
  nodeBinary?: string;
}

/** What a log line is about: a request the server answered, or a line a hosted function printed. */
export type LogEntry =
  | { kind: 'request'; method: string; path: string; status: number; ms: number }
  | { kind: 'function'; name: string; text: string }
  | { kind: 'trigger'; name: string; text: string };

/** Runs built functions, one child process per invocation. */
export interface FunctionHost {
  invoke(name: string, data: unknown, options?: InvokeOptions): Promise<unknown>;
  /** Kills every running invocation. */
  killAll(): void;
}

interface CallerContext {
  /** The WX_* variables the platform sets and lists in WX_CONTEXT_KEYS. */
  identity: Record<string, string>;
  source: string;
  userInfo: { appId: string; openId: string } | null;
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

  const environment = (name: string, caller: CallerContext, extra: Record<string, string>): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const key of inheritedEnv) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    Object.assign(env, config.functionEnv(), {
      // SCF sets TENCENTCLOUD_RUNENV; it also stops @cloudbase/node-sdk probing the metadata server on the internet.
      TENCENTCLOUD_RUNENV: 'SCF',
      TENCENTCLOUD_REGION: 'ap-shanghai',
      SCF_NAMESPACE: config.envId,
      TCB_ENV: config.envId,
      TCB_SOURCE: caller.source,
      // Each function gets its own endpoint, so the cloud knows which config.json permissions apply.
      TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${config.cloudUrl()}/admin/${name}` }),
      TENCENTCLOUD_SECRETID: `local-secret-id-${name}`,
      TENCENTCLOUD_SECRETKEY: 'local-secret-key',
      ...caller.identity,
      WX_CONTEXT_KEYS: Object.keys(caller.identity).join(','),
    });
    // Local only: the platform has no such variable. A function that reads "now" through it sees the model's clock.
    if (config.nowOffsetMs !== undefined) env.LOCALCLOUD_NOW_OFFSET_MS = String(Math.round(config.nowOffsetMs()));
    Object.assign(env, extra);
    if (extra.WX_UNIONID !== undefined && !env.WX_CONTEXT_KEYS?.includes('WX_UNIONID')) {
      env.WX_CONTEXT_KEYS = `${env.WX_CONTEXT_KEYS},WX_UNIONID`;
    }
    return env;
  };

  /** Who calls, as the platform would tell the function: context variables, SOURCE, and the event's userInfo. */
  const callerContext = (options: InvokeOptions): CallerContext => {
    // A timer run has no caller; whether the platform sets APPID there is undocumented: the local cloud keeps it.
    if (options.timer === true) return { identity: { WX_APPID: config.appid }, source: 'wx_trigger', userInfo: null };
    if (options.from !== undefined) {
      // Cross-account: the calling mini-program and its user; WX_OPENID only when a test asks for it.
      const identity: Record<string, string> = { WX_FROM_APPID: options.from.appid, WX_FROM_OPENID: options.from.openid, WX_CLIENTIP: '127.0.0.1' };
      if (typeof options.openid === 'string') identity.WX_OPENID = options.openid;
      return { identity, source: 'wx_client', userInfo: { appId: options.from.appid, openId: options.from.openid } };
    }
    const openid = options.openid === undefined ? config.defaultOpenid : options.openid;
    const identity: Record<string, string> = { WX_APPID: config.appid, WX_CLIENTIP: '127.0.0.1' };
    if (openid === null) return { identity, source: 'wx_http', userInfo: null };
    identity.WX_OPENID = openid;
    return { identity, source: 'wx_client', userInfo: { appId: config.appid, openId: openid } };
  };

  /**
   * Like the platform, a call from another mini-program first runs the environment's cloudbase_auth (on the
   * platform: once, at that mini-program's init()); missing or refusing, the call fails and the target never runs.
   */
  const authorize = async (from: CrossAccountCaller, env: Record<string, string> | undefined): Promise<void> => {
    if (!existsSync(join(config.functionsDir, CLOUDBASE_AUTH, 'index.js'))) {
      throw new FunctionCallError(
        functionNotFound,
        failMsg(
          `${functionNotFound} FunctionName parameter could not be found. This environment has no ${CLOUDBASE_AUTH} function, which a call from another mini-program (${from.appid}) needs: deploy cloudfunctions/${CLOUDBASE_AUTH}`,
        ),
        404,
      );
    }
    // What event the platform gives cloudbase_auth is undocumented: the local cloud gives an empty one, no userInfo.
    const answer = await run(CLOUDBASE_AUTH, {}, { from, ...(env === undefined ? {} : { env }) }, { withUserInfo: false });
    const errCode = typeof answer === 'object' && answer !== null ? (answer as { errCode?: unknown }).errCode : undefined;
    if (typeof errCode !== 'number') {
      throw new FunctionCallError(cloudbaseAuthEmpty, failMsg(`${cloudbaseAuthEmpty} access denied (cloudfunction cloudbase_auth returns empty errCode)`), 403);
    }
    if (errCode !== 0) {
      const errMsg = String((answer as { errMsg?: unknown }).errMsg ?? '');
      throw new FunctionCallError(
        cloudbaseAuthNonZero,
        failMsg(`${cloudbaseAuthNonZero} access denied (cloudbase_auth returns non-zero errCode): ${errMsg}`),
        403,
      );
    }
  };

  const invoke = async (name: string, data: unknown, options: InvokeOptions = {}): Promise<unknown> => {
    if (options.from !== undefined) await authorize(options.from, options.env);
    return run(name, data, options);
  };

  const run = (name: string, data: unknown, options: InvokeOptions, { withUserInfo = true } = {}): Promise<unknown> => {
    const folder = isFunctionName(name) ? join(config.functionsDir, name) : null;
    const indexPath = folder === null ? null : join(folder, 'index.js');
    if (indexPath === null || !existsSync(indexPath)) {
      const where = folder === null ? `"${name}" is not a function name` : `${indexPath} does not exist`;
      return Promise.reject(
        new FunctionCallError(
          functionNotFound,
          failMsg(`${functionNotFound} FunctionName parameter could not be found. ${where}: run \`npm run build\` first`),
          404,
        ),
      );
    }
    if (running.size >= config.maxRunning) {
      // Counted by live processes, not by unanswered calls: one that answered but has not exited yet still holds memory.
      return Promise.reject(
        new FunctionCallError(
          concurrencyLimit,
          failMsg(
            `${concurrencyLimit} exceed concurrent request limit. ${config.maxRunning} function invocations are already running in the local cloud; try again when one ends`,
          ),
          429,
        ),
      );
    }
    const caller = callerContext(options);
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
    const event = caller.userInfo === null || !withUserInfo ? { ...baseEvent } : { ...baseEvent, userInfo: caller.userInfo };

    return new Promise((resolve, reject) => {
      const child = fork(runnerPath(), [], {
        env: environment(name, caller, options.env ?? {}),
        execPath: config.nodeBinary ?? process.execPath,
        execArgv: [],
        cwd: folder ?? undefined,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      running.add(child);
      let settled = false;
      const fail = (detail: string, status = 500): void => {
        settle(() =>
          reject(
            new FunctionCallError(functionsExecuteFail, failMsg(`${functionsExecuteFail} functions execute fail. requestID ${requestId}, ${detail}`), status),
          ),
        );
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
      try {
        child.send({ indexPath, event, context });
      } catch (thrown) {
        // An event IPC cannot serialise (nested too deep) is the caller's, and the process must not keep its slot.
        child.kill('SIGKILL');
        fail(`the event could not be passed to the function: ${thrown instanceof Error ? thrown.message : String(thrown)}`, 400);
      }
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
