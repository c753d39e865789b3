import type { ServerResponse } from 'node:http';
import type { CloudState } from './cloudState';
import type { CallRecord } from './callLog';
import type { DevPluginResponse } from './devplugin';
import { applyDevPluginAction } from './devplugin';
import type { Fault } from './faults';
import { sendBytes } from './httpIo';

/**
 * Plays the faults both transports answer alike (reset, hang, delay, http500).
 * Returns true when the call is over; false when the transport should answer (after a delay, or for its own kinds).
 */
export async function playTransportFault(fault: Fault | null, res: ServerResponse, state: CloudState): Promise<boolean> {
  switch (fault?.kind) {
    case 'reset':
      res.socket?.destroy();
      return true;
    case 'hang':
      // Never answered: the client times out, or close() destroys the socket.
      return true;
    case 'delay':
      await state.sleep(fault.ms ?? 1000);
      return false;
    case 'http500':
      sendBytes(res, 500, 'text/plain; charset=utf-8', 'Internal Server Error (local cloud fault)');
      return true;
    default:
      return false;
  }
}

/**
 * Applies a devplugin call to the state and records WeChat's errcode, for both transports. Returns the answer
 * to send, or null when a lostAnswer fault dropped the connection after applying, or an unreadableAnswer fault sent
 * `unreadable` instead (the caller sends nothing).
 */
export function applyCall(
  state: CloudState,
  body: Readonly<Record<string, unknown>>,
  record: CallRecord,
  fault: Fault | null,
  res: ServerResponse,
  unreadable: (res: ServerResponse) => void,
): DevPluginResponse | null {
  state.lapseTimeouts();
  const outcome = applyDevPluginAction(state.applications, body, state.listPagesFrom);
  state.applications = outcome.applications;
  if (outcome.refusal !== undefined) state.refusals.push({ ...outcome.refusal, time: new Date(state.clock.now()).toISOString() });
  record.errcode = outcome.response.errcode;
  if (fault?.kind === 'lostAnswer') {
    res.socket?.destroy();
    return null;
  }
  if (fault?.kind === 'unreadableAnswer') {
    unreadable(res);
    return null;
  }
  return outcome.response;
}
