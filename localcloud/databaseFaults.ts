import type { Fault } from './faults';
import { DATABASE_ERRCODES, DatabaseErrorCode } from './database';

/** The name database calls go by in faults and call records, on both transports. */
export const databaseApi = 'database';

/**
 * The database operations, named by the SDK's wire `action`; an HTTP API call is recorded (and matched by faults)
 * under the action it performs. `database.listCollections` is the HTTP API's `databasecollectionget`, which the SDK
 * has no call for.
 */
export const DatabaseAction = {
  add: 'database.insertDocument',
  query: 'database.getDocument',
  update: 'database.modifyDocument',
  count: 'database.calculateDocument',
  remove: 'database.removeDocument',
  createCollection: 'database.addCollection',
  listCollections: 'database.listCollections',
} as const;

/** The database error code that has `errcode` as its number, for `errcode` faults on the SDK's wire. */
function codeOfErrcode(errcode: number): string {
  const found = Object.entries(DATABASE_ERRCODES).find(([code, number]) => number === errcode && code !== DatabaseErrorCode.collectionAlreadyExist);
  return found?.[0] ?? DatabaseErrorCode.systemError;
}

/**
 * The cloud error a fault makes a database call answer, or null when the call goes on (or the fault is played
 * elsewhere). `tcbError` sends its `code` (default SYS_ERR); `errcode` sends the code whose number it names
 * (-502005 → DATABASE_COLLECTION_NOT_EXIST), so the SDK throws that number either way.
 */
export function databaseFaultAnswer(fault: Fault | null): { code: string; message: string } | null {
  switch (fault?.kind) {
    case 'tcbError':
      return { code: fault.code ?? DatabaseErrorCode.systemError, message: fault.message ?? 'local cloud injected TCB error' };
    case 'errcode':
      return { code: codeOfErrcode(fault.errcode ?? -501001), message: fault.message ?? `local cloud injected error ${fault.errcode ?? -501001}` };
    default:
      return null;
  }
}
