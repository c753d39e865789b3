import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudState } from './cloudState';
import { apiOfAction } from './devplugin';
import { tokenApi } from './faults';
import { isJsonObject, PayloadTooLarge, readBody, sendBytes, sendJson } from './httpIo';
import { applyCall, playTransportFault } from './transportFaults';
import { WeChatErrcode, wechatError } from './wechatErrors';
import type { CallRecord } from './callLog';
import type { Fault } from './faults';

/** Parses a JSON object body; null when it is not one (WeChat answers 47001 then). */
export async function readObject(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = (await readBody(req)).toString('utf8');
  } catch (error) {
    // Past the size limit the answer is HTTP 413 like everywhere in the local cloud, not a WeChat errcode.
    if (error instanceof PayloadTooLarge) throw error;
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : null;
  } catch {
    return null;
  }
}

/** A JSON answer cut short. */
function sendCutShort(res: ServerResponse): void {
  sendBytes(res, 200, 'application/json; charset=utf-8', '{"errcode":0,"errmsg":"ok","apply_li');
}

/** Answers the HTTPS-only kinds of a fault; false when the normal answer should follow. */
function playJsonFault(fault: Fault | null, res: ServerResponse, record: CallRecord): boolean {
  switch (fault?.kind) {
    case 'errcode':
    case 'cloudError': {
      // HTTPS has no cloud layer: a cloudError fault arrives as that number in errcode.
      const answer = wechatError(fault.errcode ?? (fault.kind === 'errcode' ? WeChatErrcode.systemBusy : -604101), fault.message);
      record.errcode = answer.errcode;
      sendJson(res, 200, answer);
      return true;
    }
    case 'tcbError':
      sendJson(res, 200, { code: fault.code ?? 'SYS_ERR', message: fault.message ?? 'local cloud injected TCB error' });
      return true;
    case 'malformed':
      sendCutShort(res);
      return true;
    default:
      return false;
  }
}

/** Answers `POST /wxa/devplugin?access_token=…` like api.weixin.qq.com. */
export async function handleDevPlugin(req: IncomingMessage, res: ServerResponse, url: URL, state: CloudState): Promise<void> {
  const body = await readObject(req);
  const action = body !== null && typeof body.action === 'string' ? body.action : null;
  const record = state.calls.add({ transport: 'https', api: apiOfAction(action), action, request: body ?? {}, functionName: null });
  const fault = state.faults.take({ api: record.api, action });
  record.fault = fault?.kind ?? null;
  if ((await playTransportFault(fault, res, state)) || playJsonFault(fault, res, record)) return;

  const tokenErrcode = state.tokens.check(url.searchParams.get('access_token'));
  if (tokenErrcode !== WeChatErrcode.ok) {
    record.errcode = tokenErrcode;
    sendJson(res, 200, wechatError(tokenErrcode));
    return;
  }
  if (body === null) {
    record.errcode = WeChatErrcode.dataFormatError;
    sendJson(res, 200, wechatError(WeChatErrcode.dataFormatError, 'body must be a JSON object'));
    return;
  }
  const response = applyCall(state, body, record, fault, res, sendCutShort);
  if (response !== null) sendJson(res, 200, response);
}

/** Answers `POST /cgi-bin/stable_token` for the configured plugin account. */
export async function handleStableToken(req: IncomingMessage, res: ServerResponse, state: CloudState): Promise<void> {
  const body = await readObject(req);
  const request = body === null ? {} : { ...body, ...(body.secret === undefined ? {} : { secret: '***' }) };
  const record = state.calls.add({ transport: 'https', api: tokenApi, action: null, request, functionName: null });
  const fault = state.faults.take({ api: tokenApi, action: null });
  record.fault = fault?.kind ?? null;
  if ((await playTransportFault(fault, res, state)) || playJsonFault(fault, res, record)) return;
  if (body === null) {
    record.errcode = WeChatErrcode.dataFormatError;
    sendJson(res, 200, wechatError(WeChatErrcode.dataFormatError, 'body must be a JSON object'));
    return;
  }
  const answer = state.tokens.issue(body);
  record.errcode = 'errcode' in answer ? answer.errcode : 0;
  sendJson(res, 200, answer);
}
