import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WireRecord } from './callLog';
import type { AdminForm } from './cloudProtocol';
import { decodeCommApiData, decodeOpenApiData, encodeOpenApiResp, readMultipart } from './cloudProtocol';
import type { CloudState } from './cloudState';
import { handleDatabaseCall } from './databaseWire';
import { PluginApi } from './devplugin';
import { allowedOpenApis } from './permissions';
import { isFunctionName } from './paths';
import { decodePathSegment, sendBytes, sendTcbError } from './httpIo';
import { applyCall, playTransportFault } from './transportFaults';
import { wechatError } from './wechatErrors';

/** Cloud-side `CommOpenApiResp.errorCode` values (wx-server-sdk's ERR_CODE table). */
export const CloudErrorCode = {
  argsError: -601002,
  apiNotFound: -604100,
  noPermission: -604101,
  illegalSource: -604104,
} as const;

const knownApis: readonly string[] = Object.values(PluginApi);

function sendResp(res: ServerResponse, body: Buffer): void {
  sendBytes(res, 200, 'application/octet-stream', body);
}

/** Starts like a protobuf length-delimited field whose length never ends: neither protobuf nor JSON. */
function sendMalformed(res: ServerResponse): void {
  sendBytes(res, 200, 'application/octet-stream', Buffer.from([0x0a, 0xff, 0xff, 0x7b]));
}

function wireOf(form: AdminForm, requestData: Buffer, decodeFailed: boolean): WireRecord {
  const files: WireRecord['files'] = {};
  for (const [name, bytes] of Object.entries(form.files))
    files[name] = { mimeType: form.fileInfo[name]?.mimeType ?? '', filename: form.fileInfo[name]?.filename ?? null, bytes: bytes.length };
  return { parts: [...form.order], fields: { ...form.fields }, files, requestData: decodeFailed ? null : decodeCommApiData(requestData) };
}

/**
 * Answers `POST /admin[/<functionName>]`, the protocol wx-server-sdk speaks for `cloud.openapi.*` (and, with a JSON
 * body, for `cloud.database()`: databaseWire.ts).
 *
 * The function host gives each function its own TCB_CONTEXT_CNFG URL `/admin/<name>`, so a call on that path
 * is checked against `<functionsDir>/<name>/config.json`. A call on plain `/admin` (a raw SDK in a test or
 * script) cannot be attributed to a function and is allowed, like a trusted server with account keys.
 */
export async function handleCloudCall(req: IncomingMessage, res: ServerResponse, path: string, state: CloudState): Promise<void> {
  const segment = path.slice('/admin'.length).replace(/^\//, '');
  const functionName = segment === '' ? null : decodePathSegment(segment);

  // JSON bodies are the database's protocol (cloud.database()); multipart ones are openapi calls.
  if (!String(req.headers['content-type']).startsWith('multipart/form-data')) return handleDatabaseCall(req, res, functionName, state);
  const form = await readMultipart(req);
  const action = form.fields.action ?? '';
  if (action !== 'wx.openApi') {
    sendTcbError(res, 'INVALID_ACTION', `local cloud implements wx.openApi over multipart (and database.* over JSON), not ${action || '(no action)'}`);
    return;
  }
  const apiName = form.fields.apiName ?? '';
  const requestData = form.files.requestData ?? (form.fields.requestData !== undefined ? Buffer.from(form.fields.requestData, 'binary') : Buffer.alloc(0));
  let body: Record<string, unknown> = {};
  let decodeFailed = false;
  try {
    body = decodeOpenApiData(requestData).body;
  } catch {
    decodeFailed = true;
  }
  const record = state.calls.add({
    transport: 'cloud',
    api: apiName,
    action: typeof body.action === 'string' ? body.action : null,
    request: body,
    wire: wireOf(form, requestData, decodeFailed),
    functionName,
  });
  const answerCloudError = (errorCode: number): void => {
    record.cloudErrorCode = errorCode;
    sendResp(res, encodeOpenApiResp({ errorCode }));
  };

  const fault = state.faults.take({ api: apiName, action: record.action });
  record.fault = fault?.kind ?? null;
  if (await playTransportFault(fault, res, state)) return;
  switch (fault?.kind) {
    case 'errcode': {
      const answer = wechatError(fault.errcode ?? -1, fault.message);
      record.errcode = answer.errcode;
      sendResp(res, encodeOpenApiResp({ json: answer }));
      return;
    }
    case 'cloudError':
      answerCloudError(fault.errcode ?? CloudErrorCode.noPermission);
      return;
    case 'tcbError':
      sendTcbError(res, fault.code ?? 'SYS_ERR', fault.message ?? 'local cloud injected TCB error');
      return;
    case 'malformed':
      sendMalformed(res);
      return;
    default:
      break;
  }

  if (decodeFailed) return answerCloudError(CloudErrorCode.argsError);
  if (!knownApis.includes(apiName)) return answerCloudError(CloudErrorCode.apiNotFound);
  if (functionName !== null) {
    if (!isFunctionName(functionName)) return answerCloudError(CloudErrorCode.illegalSource);
    if (!allowedOpenApis(state.functionsDir, functionName).includes(apiName)) return answerCloudError(CloudErrorCode.noPermission);
  }
  const response = applyCall(state, body, record, fault, res, sendMalformed);
  if (response !== null) sendResp(res, encodeOpenApiResp({ json: response }));
}
