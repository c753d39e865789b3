import type { FaultKindName } from './faults';

/** Which door a call came through: the cloud protocol (`POST /admin`) or the HTTPS API. */
export type Transport = 'cloud' | 'https';

/** A cloud call as it came over the wire, so that two builds of the SDK can be compared part by part. */
export interface WireRecord {
  /** The names of the multipart parts in the order they were sent. */
  parts: string[];
  /** The multipart text fields (action, apiName, envName, the token fields, …). */
  fields: Record<string, string>;
  /** The multipart file parts: content type, file name, size. */
  files: Record<string, { mimeType: string; filename: string | null; bytes: number }>;
  /** `requestData` decoded as `CommApiData`, every field with its default, bytes as base64; null when it did not decode. */
  requestData: Record<string, unknown> | null;
}

/** One API call the local cloud received, and how it was answered. */
export interface CallRecord {
  /** ISO time of arrival, on the model clock. */
  time: string;
  transport: Transport;
  /** Cloud API name (`pluginManager.setDevPluginApplyStatus`; HTTPS actions get the name of the API they belong to) or `cgi-bin/stable_token`. */
  api: string;
  action: string | null;
  /** The decoded request body (secrets redacted). */
  request: Record<string, unknown>;
  /** Cloud calls only: the request as sent. */
  wire?: WireRecord;
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

/** Creates an empty call log; `now` is the model clock (default the machine's). */
export function createCallLog(now: () => number = Date.now): CallLog {
  let records: CallRecord[] = [];
  return {
    add(partial) {
      const record: CallRecord = { time: new Date(now()).toISOString(), ...partial, errcode: null, cloudErrorCode: null, fault: null };
      records.push(record);
      return record;
    },
    list() {
      return records.map((r) => JSON.parse(JSON.stringify(r)) as CallRecord);
    },
    clear() {
      records = [];
    },
  };
}
