import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudState } from './cloudState';
import { isJsonObject, readBody, sendBytes, sendJson } from './httpIo';
import { robotApi } from './robot';
import { playTransportFault } from './transportFaults';

/** What a broken gateway in front of the robot sends: neither JSON nor the robot's answer. */
function sendUnreadable(res: ServerResponse): void {
  sendBytes(res, 200, 'text/html; charset=utf-8', '<html><body>local cloud: an unreadable answer</body></html>');
}

/**
 * Answers `POST /cgi-bin/webhook/send?key=…` as the WeCom robot does: HTTP 200 and `{errcode, errmsg}` whatever
 * happened, the message recorded only when errcode is 0. Faults with `"api": "robot"` come first; every post is in
 * the call log as `api: "robot"` (the key is never recorded).
 */
export async function handleRobotPost(req: IncomingMessage, res: ServerResponse, requestUrl: URL, state: CloudState): Promise<void> {
  const key = requestUrl.searchParams.get('key');
  const text = (await readBody(req)).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // A body that is not JSON is the robot's to refuse, with an errcode, not the local cloud's with a 400.
    body = text;
  }
  const record = state.calls.add({
    transport: 'https',
    api: robotApi,
    action: isJsonObject(body) && typeof body.msgtype === 'string' ? body.msgtype : null,
    request: isJsonObject(body) ? body : { unparsed: text.slice(0, 200) },
    functionName: null,
  });
  const fault = state.faults.take({ api: robotApi, action: null });
  record.fault = fault?.kind ?? null;
  if (await playTransportFault(fault, res, state)) return;
  if (fault?.kind === 'errcode') {
    const errcode = fault.errcode ?? -1;
    record.errcode = errcode;
    sendJson(res, 200, { errcode, errmsg: fault.message ?? `local cloud injected error ${errcode}` });
    return;
  }
  if (fault?.kind === 'malformed') return sendUnreadable(res);
  const answer = state.robot.post(key, body);
  record.errcode = answer.errcode;
  // The message is in the group already; only its answer goes missing.
  if (fault?.kind === 'lostAnswer') {
    res.socket?.destroy();
    return;
  }
  if (fault?.kind === 'unreadableAnswer') return sendUnreadable(res);
  sendJson(res, 200, answer);
}
