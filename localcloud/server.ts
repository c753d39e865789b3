import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminPrefix, handleAdmin, resetState } from './adminApi';
import type { Application } from './applications';
import { copyApplications, parseApplications } from './applications';
import type { CallRecord } from './callLog';
import { handleCloudCall } from './cloudApi';
import type { RefusalRecord } from './cloudState';
import { createCloudState } from './cloudState';
import type { ActiveFault, Fault } from './faults';
import { parseFault } from './faults';
import type { CrossAccountCaller, InvokeOptions, LogEntry } from './functionHost';
import { createFunctionHost, FunctionCallError } from './functionHost';
import type { Database } from './database';
import { createDatabase } from './database';
import { handleDatabaseHttp } from './databaseHttp';
import { handleDevPlugin, handleStableToken } from './httpsApi';
import { BadRequest, decodePathSegment, HttpError, isJsonObject, readJson, sendBytes, sendJson } from './httpIo';
import { advanceOf, createModelClock } from './modelClock';
import { defaultFunctionsDir, pagePath, repoRoot } from './paths';
import { refusalOf } from './requestGuard';
import { loggedTarget } from './requestLog';
import type { RobotMessage } from './robot';
import { LOCAL_ROBOT_KEY, ROBOT_PATH } from './robot';
import { handleRobotPost } from './robotHttp';
import { demoApplications } from './seed';
import { BATCH_MAX_ITEMS } from '../src/core/batch';
import { REASON_MAX_CHARS } from '../src/core/reason';
import { STATUS_NAMES, STATUS_TEXT } from '../src/core/status';
import type { TriggerRun, TriggerView } from './triggers';
import { createTriggerScheduler } from './triggers';

export type { Application, ApplyStatusCode, Category } from './applications';
export { ApplyStatus } from './applications';
export type { CallRecord, Transport } from './callLog';
export type { RefusalRecord } from './cloudState';
export type { ActiveFault, Fault, FaultKindName } from './faults';
export type { Database } from './database';
export { DatabaseAction } from './databaseFaults';
export { FaultKind } from './faults';
export { FunctionCallError } from './functionHost';
export type { CrossAccountCaller, InvokeOptions, LogEntry } from './functionHost';
export type { RobotMessage } from './robot';
export { LOCAL_ROBOT_KEY, RobotErrcode } from './robot';
export type { TimerEvent, TriggerRun, TriggerView } from './triggers';

/** How to start a local cloud; every field has a default. */
export interface LocalCloudOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Initial application list; default the demo seed (localcloud/demo-seed.json). It is also what reset() returns to. */
  applications?: Application[];
  /** Folder of built cloud functions; default <repo>/cloudfunctions. */
  functionsDir?: string;
  /**
   * Environment every hosted function gets (its cloud-console configuration), e.g. PLUGIN_ADMIN_OPENIDS. Unless it
   * sets PLUGIN_APPLY_WEBHOOK, that is the local robot's address (…/cgi-bin/webhook/send?key=local-robot-key).
   */
  functionEnv?: Record<string, string>;
  /** The caller's OPENID when an invocation names none; default "o_local_admin". */
  defaultOpenid?: string;
  /** Lifetime of stable_token tokens in seconds; default 7200. */
  tokenTtlSeconds?: number;
  /** The plugin account allowed to ask /cgi-bin/stable_token for tokens; also WX_APPID of hosted calls. */
  appid?: string;
  secret?: string;
  /** The cloud environment id (TCB_ENV); default "local". */
  envId?: string;
  /** Receives one line per request and each line hosted functions print, with what it is about; default: silent. */
  log?: (line: string, entry: LogEntry) => void;
  /**
   * How many function invocations may run at once (each is a Node.js process); default 10. Further calls are
   * answered at once with -501004, as the cloud answers calls past an environment's concurrency limit.
   */
  maxConcurrentFunctions?: number;
  /** The Node.js binary that runs hosted functions (e.g. Node.js 16.13, the cloud's oldest runtime); default this process's. */
  functionNode?: string;
  /**
   * The base of the model's clock in milliseconds; default Date.now. `POST /_local/clock` moves the model ahead of it.
   * The model clock is what `db.serverDate()`, new applications, timeouts, the robot's rate limit and triggers read.
   */
  now?: () => number;
  /** How long an application may stay pending before it reads as timed out (status 4); default never (npm start: 24 h). */
  applyTimeoutMs?: number;
  /**
   * Whether the seed's create_times are moved, at start and on every reset, so that its newest application arrived
   * at the model's now and the others keep their distance from it; default false (as written). npm start sets it,
   * so the demo's pending applications are not timed out on arrival.
   */
  recentSeed?: boolean;
  /** Whether timer triggers fire on their cron, on the model clock; default false (only `POST /_local/triggers/<fn>`). */
  runTriggers?: boolean;
  /** A JSON file that keeps the database across restarts (read at start, rewritten on every change); default memory only. */
  databaseFile?: string;
  /** The number of `dev_apply_list`'s first page: 1 (default, WeChat's own example) or 0 (as one public SDK assumes). */
  listPagesFrom?: 0 | 1;
}

/** The default cap on concurrent function processes: a laptop's worth, far below the cloud's own quota. */
export const DEFAULT_MAX_CONCURRENT_FUNCTIONS = 10;

/** The top-level keys of a `POST /functions/<name>` body. */
const FUNCTION_BODY_KEYS: readonly string[] = ['data', 'openid', 'from'];
const FUNCTION_BODY_SHAPE = '{"data": {…the event…}, "openid": "…" or null, "from": {"appid": "…", "openid": "…"}} (every key optional)';

/** A running local cloud. */
export interface LocalCloud {
  /** Base URL, http://127.0.0.1:PORT. */
  url: string;
  /** The current application list (a copy). */
  applications(): Application[];
  /** Every refusal applied since the last reset, with its reason (which WeChat's list item does not carry). */
  refusals(): RefusalRecord[];
  /** Every API call received so far (copies). */
  calls(): CallRecord[];
  /** Queues a fault for the next matching calls. */
  addFault(fault: Fault): void;
  /** The queued faults and their remaining uses. */
  faults(): ActiveFault[];
  clearFaults(): void;
  /** The cloud database: what functions and the /tcb/ API read and write (documents come out as copies). */
  database: Database;
  /** Puts the list back to `applications` or the seed, empties the database, and clears calls and faults. */
  reset(applications?: Application[]): void;
  /** Model now, in Unix milliseconds. */
  now(): number;
  /** Moves the model clock forward; resolves with the appids that timed out, once the trigger runs it started have ended. */
  advanceClock(ms: number): Promise<string[]>;
  /** Every message posted to the local WeCom robot since the last reset. */
  robotMessages(): RobotMessage[];
  /** The functions' timer triggers. */
  triggers(): TriggerView[];
  /** Runs a function's timer trigger now; resolves with how the run went (rejects when it has none or is running). */
  fireTrigger(name: string): Promise<TriggerRun>;
  /** Runs a hosted function like wx.cloud.callFunction; resolves its return value, rejects with a FunctionCallError. */
  invoke(name: string, data: unknown, opts?: InvokeOptions): Promise<unknown>;
  /** Stops the server, hosted functions, pending delays and keep-alive sockets. */
  close(): Promise<void>;
}

/**
 * Defaults of the local plugin account, and `adminApp`: a user of the company's demo admin mini-program, another
 * account that calls this environment through environment sharing (环境共享).
 */
export const localAccount = {
  appid: 'wx0123456789abcdef',
  secret: '0123456789abcdef0123456789abcdef',
  openid: 'o_local_admin',
  envId: 'local',
  adminApp: { appid: 'wx1a2b3c4d5e6f7089', openid: 'o_admin_app_user' },
} as const;

/** The `from` of a /functions body: a cross-account caller, both fields non-empty strings. */
function parseFrom(from: unknown): CrossAccountCaller | undefined {
  if (from === undefined) return undefined;
  const fields = isJsonObject(from) ? from : {};
  if (typeof fields.appid !== 'string' || fields.appid === '' || typeof fields.openid !== 'string' || fields.openid === '') {
    throw new BadRequest('from must be {"appid": "wx…", "openid": "o…"}: the calling mini-program and its user, both non-empty strings');
  }
  return { appid: fields.appid, openid: fields.openid };
}

const placeholderPage = `<!doctype html><meta charset="utf-8"><title>local cloud</title>
<h1>Local cloud</h1><p>The management page is not built yet. Try <a href="/_local/applications">/_local/applications</a>.</p>`;

/** The functions' vocabulary and limits the page uses, from src/core, so that the page keeps no copy of its own. */
export function pageMeta(): { statusNames: readonly string[]; statusText: typeof STATUS_TEXT; reasonMaxChars: number; batchMaxItems: number } {
  return { statusNames: STATUS_NAMES, statusText: STATUS_TEXT, reasonMaxChars: REASON_MAX_CHARS, batchMaxItems: BATCH_MAX_ITEMS };
}

const META_SLOT = '<script type="application/json" id="meta">null</script>';
const FUNCTIONS_SLOT = '<script id="core-functions">function countResults() { throw new Error(\'served by the local cloud\'); }</script>';

/** dist/page-core.js, which the build writes; without it, the page says to build first. */
function pageCoreScript(): string {
  const path = join(repoRoot(), 'dist', 'page-core.js');
  return existsSync(path) ? readFileSync(path, 'utf8') : "var pageCore = { countResults: function () { throw new Error('run npm run build first'); } };";
}

function servePage(res: ServerResponse): void {
  const path = pagePath();
  if (!existsSync(path)) return sendBytes(res, 200, 'text/html; charset=utf-8', placeholderPage);
  // `<` escaped, so that no text in the vocabulary can close the script element.
  const meta = JSON.stringify(pageMeta()).replace(/</g, '\\u003c');
  // The core's own counting function, built as plain JavaScript (dist/page-core.js), so the page counts batch results
  // exactly as the CLI and the mini-program do.
  const functions = `${pageCoreScript()}\nfunction countResults(results) { return pageCore.countResults(results); }`.replace(/<\//g, '<\\/');
  const html = readFileSync(path, 'utf8')
    .replace(META_SLOT, () => `<script type="application/json" id="meta">${meta}</script>`)
    .replace(FUNCTIONS_SLOT, () => `<script id="core-functions">${functions}</script>`);
  sendBytes(res, 200, 'text/html; charset=utf-8', html);
}

/** Starts the stand-in WeChat cloud on 127.0.0.1. */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const seed = options.applications === undefined ? demoApplications() : parseApplications(options.applications);
  const appid = options.appid ?? localAccount.appid;
  const log = options.log ?? ((): void => undefined);
  const clock = createModelClock(options.now);
  const functionsDir = options.functionsDir ?? defaultFunctionsDir();
  const envId = options.envId ?? localAccount.envId;
  let url = '';
  let port = 0;
  const host = createFunctionHost({
    functionsDir,
    cloudUrl: () => url,
    envId,
    appid,
    defaultOpenid: options.defaultOpenid ?? localAccount.openid,
    functionEnv: () => ({ PLUGIN_APPLY_WEBHOOK: `${url}${ROBOT_PATH}?key=${LOCAL_ROBOT_KEY}`, ...options.functionEnv }),
    nowOffsetMs: () => clock.now() - Date.now(),
    log,
    nodeBinary: options.functionNode,
    maxRunning: options.maxConcurrentFunctions ?? DEFAULT_MAX_CONCURRENT_FUNCTIONS,
  });
  const triggers = createTriggerScheduler({
    functionsDir,
    clock,
    run: (name, event) => host.invoke(name, event, { timer: true }),
    log: (name, text) => log(`[trigger ${name}] ${text}`, { kind: 'trigger', name, text }),
    automatic: options.runTriggers ?? false,
  });
  const state = createCloudState({
    seed,
    account: { appid, secret: options.secret ?? localAccount.secret, ttlSeconds: options.tokenTtlSeconds ?? 7200 },
    functionsDir,
    database: createDatabase({ now: clock.now, ...(options.databaseFile === undefined ? {} : { file: options.databaseFile }) }),
    envId,
    listPagesFrom: options.listPagesFrom ?? 1,
    clock,
    applyTimeoutMs: options.applyTimeoutMs ?? null,
    recentSeed: options.recentSeed ?? false,
    triggers,
  });

  const handleFunction = async (req: IncomingMessage, res: ServerResponse, name: string): Promise<void> => {
    const body = await readJson(req);
    if (body !== undefined && !isJsonObject(body)) throw new BadRequest(`body must be ${FUNCTION_BODY_SHAPE}`);
    const unknownKeys = Object.keys(body ?? {}).filter((key) => !FUNCTION_BODY_KEYS.includes(key));
    if (unknownKeys.length > 0) {
      const names = unknownKeys.map((key) => `"${key}"`).join(', ');
      throw new BadRequest(`unknown key${unknownKeys.length === 1 ? '' : 's'} ${names}: the body is ${FUNCTION_BODY_SHAPE}; the event goes inside "data"`);
    }
    if (body?.data !== undefined && !isJsonObject(body.data))
      throw new BadRequest(`data must be a JSON object (the event the function receives); the body is ${FUNCTION_BODY_SHAPE}`);
    const openid = body?.openid;
    if (openid !== undefined && openid !== null && typeof openid !== 'string') throw new BadRequest('openid must be a string or null');
    const from = parseFrom(body?.from);
    try {
      const result = await host.invoke(name, body?.data ?? {}, { openid, ...(from === undefined ? {} : { from }) });
      sendJson(res, 200, { result });
    } catch (error) {
      if (!(error instanceof FunctionCallError)) throw error;
      sendJson(res, error.status, { errCode: error.errCode, errMsg: error.errMsg });
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestUrl = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = requestUrl.pathname;
    const method = req.method ?? 'GET';
    const refusal = refusalOf(req, path, port);
    if (refusal !== null) throw refusal;
    if (method === 'POST' && (path === '/admin' || path.startsWith('/admin/'))) return handleCloudCall(req, res, path, state);
    if (method === 'POST' && path === '/wxa/devplugin') return handleDevPlugin(req, res, requestUrl, state);
    if (method === 'POST' && path === '/cgi-bin/stable_token') return handleStableToken(req, res, state);
    if (method === 'POST' && path.startsWith('/tcb/database')) return handleDatabaseHttp(req, res, requestUrl, state);
    if (method === 'POST' && path === ROBOT_PATH) return handleRobotPost(req, res, requestUrl, state);
    if (path.startsWith(adminPrefix)) return handleAdmin(req, res, path, state);
    if (method === 'POST' && path.startsWith('/functions/')) return handleFunction(req, res, decodePathSegment(path.slice('/functions/'.length)));
    if (method === 'GET' && (path === '/' || path === '/index.html')) return servePage(res);
    sendJson(res, 404, { error: `${method} ${path} is not served by the local cloud` });
  };

  const server = createServer((req, res) => {
    const started = Date.now();
    // Tokens are credentials even locally: the request log shows that one was sent, never which.
    const shownUrl = loggedTarget(req.url ?? '');
    res.on('finish', () => {
      const ms = Date.now() - started;
      const method = req.method ?? '?';
      log(`${method} ${shownUrl} ${res.statusCode} ${ms}ms`, { kind: 'request', method, path: shownUrl.replace(/\?.*/, ''), status: res.statusCode, ms });
    });
    route(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      sendJson(res, error instanceof HttpError ? error.status : 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;

  return {
    url,
    applications: () => {
      state.lapseTimeouts();
      return copyApplications(state.applications);
    },
    now: () => clock.now(),
    advanceClock: async (ms) => {
      clock.advance(advanceOf({ advanceMs: ms }));
      const timedOut = state.lapseTimeouts();
      await triggers.settled();
      return timedOut;
    },
    robotMessages: () => state.robot.messages(),
    triggers: () => triggers.list(),
    fireTrigger: (name) => triggers.fire(name),
    refusals: () => state.refusals.map((refusal) => ({ ...refusal })),
    calls: () => state.calls.list(),
    addFault: (fault) => state.faults.add(parseFault(fault)),
    faults: () => state.faults.list(),
    database: state.database,
    clearFaults: () => state.faults.clear(),
    reset: (applications) => resetState(state, applications),
    invoke: (name, data, opts) => host.invoke(name, data, opts),
    close: () =>
      new Promise<void>((resolve, reject) => {
        triggers.close();
        host.killAll();
        state.cancelSleeps();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
