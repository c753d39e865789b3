import type { FaultKindName } from './faults';

/** Which door a call came through: the cloud protocol (`POST /admin`) or the HTTPS API. */
export type Transport = 'cloud' | 'https';

/** One API call the local cloud received, and how it was answered. */
export interface CallRecord {
  /** ISO time of arrival. */
  time: string;
  transport: Transport;
  /** Cloud API name (`pluginManager.setDevPluginApplyStatus`; HTTPS actions get the name of the API they belong to) or `cgi-bin/stable_token`. */
  api: string;
  action: string | null;
  /** The decoded request body (secrets redacted). */
  request: Record<string, unknown>;
  /** The hosted function the call came from, null when it cannot be attributed (a raw SDK or an HTTPS client). */
  functionName: string | null;
  /** The WeChat errcode answered (0 ok); null when no WeChat body was sent. */
  errcode: number | null;
  /** The cloud-side `CommOpenApiResp.errorCode` answered, if any. */
  cloudErrorCode: number | null;
  /** The injected fault that shaped the answer, if any. */
  fault: FaultKindName | null;
}

/** An append-only record of calls, copied out on read. */
export interface CallLog {
  /** Adds a record and returns it, to be completed when the answer is known. */
  add(record: Omit<CallRecord, 'time' | 'errcode' | 'cloudErrorCode' | 'fault'>): CallRecord;
  list(): CallRecord[];
  clear(): void;
}

/** Creates an empty call log. */
export function createCallLog(): CallLog {
  let records: CallRecord[] = [];
  return {
    add(partial) {
      const record: CallRecord = { time: new Date().toISOString(), ...partial, errcode: null, cloudErrorCode: null, fault: null };
      records.push(record);
      return record;
    },
    list() {
      return records.map((r) => ({ ...r, request: JSON.parse(JSON.stringify(r.request)) as Record<string, unknown> }));
    },
    clear() {
      records = [];
    },
  };
}
