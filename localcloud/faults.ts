import { databaseApi, DatabaseAction } from './databaseFaults';
import { DevPluginAction, PluginApi } from './devplugin';
import { robotApi } from './robot';

/** The ways the local cloud can misbehave on purpose. */
export const FaultKind = {
  /** A WeChat errcode in the answer body (`errcode`, default -1). */
  errcode: 'errcode',
  /** A cloud-side `CommOpenApiResp.errorCode` (`errcode`, default -604101); HTTPS gets it as a JSON errcode. */
  cloudError: 'cloudError',
  /** A TCB JSON error `{code, message}` (`code`, default "SYS_ERR"), on both transports. */
  tcbError: 'tcbError',
  /** HTTP 500 with a text body. */
  http500: 'http500',
  /** HTTP 200 whose body is neither protobuf nor JSON. */
  malformed: 'malformed',
  /** The socket is destroyed without an answer. */
  reset: 'reset',
  /** WeChat applies the call, then the connection drops before the answer: the outcome the caller cannot know. */
  lostAnswer: 'lostAnswer',
  /** WeChat applies the call, then its answer arrives unreadable (as `malformed`): the caller cannot know either. */
  unreadableAnswer: 'unreadableAnswer',
  /** The normal answer after `ms` milliseconds (default 1000). */
  delay: 'delay',
  /** No answer at all, until the client gives up or the server closes. */
  hang: 'hang',
} as const;

/** One fault kind. */
export type FaultKindName = (typeof FaultKind)[keyof typeof FaultKind];

/**
 * A fault to inject into the next `times` matching calls.
 * `api` matches the cloud API name (`pluginManager.setDevPluginApplyStatus`, also used for the HTTPS actions
 * it covers), `cgi-bin/stable_token`, `database` (every database call, the SDK's and the HTTP API's, narrowed by
 * `action`: `database.insertDocument`, …) or `robot` (posts to the WeCom robot); without `api` a fault matches only
 * the plugin API calls.
 */
export interface Fault {
  kind: FaultKindName;
  times?: number;
  api?: string;
  action?: string;
  errcode?: number;
  code?: string;
  message?: string;
  ms?: number;
}

/** A fault as stored: how many uses are left. */
export interface ActiveFault extends Fault {
  remaining: number;
}

/** The call a fault is matched against. */
export interface FaultTarget {
  api: string;
  action: string | null;
}

/** The token endpoint's name in faults and call records. */
export const tokenApi = 'cgi-bin/stable_token';

const kinds: readonly string[] = Object.values(FaultKind);

/** What a fault's `api` can name: the two plugin APIs (cloud names, also for their HTTPS actions), the token endpoint, the database, the robot. */
const faultApis: readonly string[] = [...Object.values(PluginApi), tokenApi, databaseApi, robotApi];

/** APIs a fault without `api` leaves alone: they have their own protocols and answers. */
const namedOnlyApis: readonly string[] = [tokenApi, databaseApi, robotApi];
const pluginActions: readonly string[] = Object.values(DevPluginAction);
const databaseActions: readonly string[] = Object.values(DatabaseAction);

/** Validates a fault from an admin request; throws an Error that says what is wrong. */
export function parseFault(value: unknown): Fault {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('a fault must be a JSON object');
  const input = value as Record<string, unknown>;
  const known = new Set(['kind', 'times', 'api', 'action', 'errcode', 'code', 'message', 'ms']);
  const unknownKeys = Object.keys(input).filter((k) => !known.has(k));
  if (unknownKeys.length > 0) throw new Error(`unknown fault field(s): ${unknownKeys.join(', ')}`);
  if (typeof input.kind !== 'string' || !kinds.includes(input.kind)) throw new Error(`fault.kind must be one of ${kinds.join(', ')}`);
  const fault: Fault = { kind: input.kind as FaultKindName };
  const int = (key: 'times' | 'errcode' | 'ms', min: number): void => {
    const v = input[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`fault.${key} must be an integer >= ${min}`);
    fault[key] = v;
  };
  const str = (key: 'api' | 'action' | 'code' | 'message'): void => {
    const v = input[key];
    if (v === undefined) return;
    if (typeof v !== 'string' || v === '') throw new Error(`fault.${key} must be a non-empty string`);
    fault[key] = v;
  };
  int('times', 1);
  int('errcode', Number.MIN_SAFE_INTEGER);
  int('ms', 0);
  str('api');
  str('action');
  str('code');
  str('message');
  // A name that matches no call would queue a fault that never fires, and the experiment would silently test nothing.
  if (fault.api !== undefined && !faultApis.includes(fault.api))
    throw new Error(`fault.api "${fault.api}" matches no call: use one of ${faultApis.join(', ')}`);
  if (fault.action !== undefined && fault.api === tokenApi) throw new Error(`fault.action cannot narrow ${tokenApi}: token requests have no action`);
  if (fault.action !== undefined && fault.api === robotApi)
    throw new Error(`fault.action cannot narrow ${robotApi}: a robot fault hits the next posts whatever their msgtype`);
  if (fault.api === robotApi && (fault.kind === FaultKind.cloudError || fault.kind === FaultKind.tcbError)) {
    throw new Error(
      `fault.kind ${fault.kind} is the cloud protocol's; the robot fails with errcode (e.g. 45009, 93000, 40058), http500, reset, hang, delay, malformed, lostAnswer or unreadableAnswer`,
    );
  }
  const actions = fault.api === databaseApi ? databaseActions : pluginActions;
  if (fault.action !== undefined && !actions.includes(fault.action)) {
    throw new Error(
      `fault.action "${fault.action}" matches no call${fault.api === undefined && fault.action.startsWith('database.') ? ' (a database action needs "api": "database")' : ''}: use one of ${actions.join(', ')}`,
    );
  }
  if (fault.api === databaseApi && fault.kind === FaultKind.cloudError) {
    throw new Error("fault.kind cloudError is the openapi protocol's; a database call fails with tcbError (a code such as DATABASE_REQUEST_FAILED) or errcode");
  }
  return fault;
}

/** The queue of active faults; the first matching one is used up first. */
export interface FaultQueue {
  add(fault: Fault): void;
  clear(): void;
  list(): ActiveFault[];
  /** Uses up one application of the first fault matching `target`, if any. */
  take(target: FaultTarget): Fault | null;
}

/** Creates an empty fault queue. */
export function createFaultQueue(): FaultQueue {
  let faults: ActiveFault[] = [];
  const matches = (fault: Fault, target: FaultTarget): boolean => {
    if (fault.api === undefined ? namedOnlyApis.includes(target.api) : fault.api !== target.api) return false;
    return fault.action === undefined || fault.action === target.action;
  };
  return {
    add(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    clear() {
      faults = [];
    },
    list() {
      return faults.map((f) => ({ ...f }));
    },
    take(target) {
      const fault = faults.find((f) => matches(f, target));
      if (!fault) return null;
      fault.remaining -= 1;
      if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
      const used: Fault = { ...fault };
      delete (used as Partial<ActiveFault>).remaining;
      return used;
    },
  };
}
