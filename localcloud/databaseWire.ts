import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudState } from './cloudState';
import type { Database } from './database';
import { DATABASE_ERRCODES, DatabaseError, DatabaseErrorCode, databaseErrorOf } from './database';
import { sortKeys } from './documentMatch';
import type { DbObject, DbValue } from './ejson';
import { isDbObject, parseEjson, stringifyEjson } from './ejson';
import { databaseApi, DatabaseAction, databaseFaultAnswer } from './databaseFaults';
import { isJsonObject, readBody, sendBytes, sendJson, sendTcbError } from './httpIo';
import { playTransportFault } from './transportFaults';

/** The `limit` @cloudbase/database sends when a query sets none. */
const SDK_DEFAULT_LIMIT = 100;

/** The fields every SDK request carries that say nothing about the operation. */
const COMMON_FIELDS = ['envName', 'wxCloudApiToken', 'wxCloudbaseAccesstoken', 'tcb_sessionToken', 'crossAuthorizationToken'];

function ejsonField(body: Record<string, unknown>, key: string): DbValue | undefined {
  const text = body[key];
  if (text === undefined) return undefined;
  if (typeof text !== 'string') throw new DatabaseError(DatabaseErrorCode.invalidParam, `${key} must be a string of EJSON`);
  return parseEjson(text);
}

function objectField(body: Record<string, unknown>, key: string): DbObject {
  const value = ejsonField(body, key) ?? {};
  if (!isDbObject(value)) throw new DatabaseError(DatabaseErrorCode.invalidParam, `${key} must be an EJSON object`);
  return value;
}

function collectionName(body: Record<string, unknown>): string {
  if (typeof body.collectionName !== 'string' || body.collectionName === '')
    throw new DatabaseError(DatabaseErrorCode.invalidParam, 'collectionName is missing');
  return body.collectionName;
}

function wholeNumber(body: Record<string, unknown>, key: string, fallback: number): number {
  const value = body[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new DatabaseError(DatabaseErrorCode.invalidParam, `${key} must be a whole number`);
  return value;
}

/** Runs one `database.*` action of the SDK's wire against the model; returns the answer's `data`. */
export function runWireAction(db: Database, action: string, body: Record<string, unknown>): Record<string, unknown> | undefined {
  switch (action) {
    case DatabaseAction.add: {
      if (!Array.isArray(body.data) || !body.data.every((item) => typeof item === 'string')) {
        throw new DatabaseError(DatabaseErrorCode.invalidParam, 'data must be an array of EJSON strings');
      }
      return { insertedIds: db.add(collectionName(body), body.data.map(parseEjson)) };
    }
    case DatabaseAction.query: {
      const byId = body.queryType === 'DOC';
      const { documents } = db.find(collectionName(body), {
        query: objectField(body, 'query'),
        order: sortKeys(ejsonField(body, 'order')),
        offset: wholeNumber(body, 'offset', 0),
        limit: byId ? 1 : wholeNumber(body, 'limit', SDK_DEFAULT_LIMIT),
        projection: objectField(body, 'projection'),
      });
      return { list: documents.map(stringifyEjson) };
    }
    case DatabaseAction.update: {
      const outcome = db.update(collectionName(body), objectField(body, 'query'), objectField(body, 'data'), {
        multi: body.multi === true,
        merge: body.merge !== false,
        upsert: body.upsert === true,
      });
      return { updated: outcome.updated, ...(outcome.upsertedId === undefined ? {} : { upsert_id: outcome.upsertedId }) };
    }
    case DatabaseAction.count:
      return { total: db.count(collectionName(body), objectField(body, 'query')) };
    case DatabaseAction.remove:
      return { deleted: db.remove(collectionName(body), objectField(body, 'query'), body.multi !== false) };
    case DatabaseAction.createCollection:
      db.createCollection(collectionName(body));
      return undefined;
    default:
      throw new DatabaseError(
        'INVALID_ACTION',
        `local cloud does not model ${action} (transactions, aggregation, indexes): it answers ${Object.values(DatabaseAction)
          .filter((name) => name !== DatabaseAction.listCollections)
          .join(', ')}`,
      );
  }
}

/**
 * Answers a JSON `POST /admin` body, the protocol of `cloud.database()` (see cloud-database-wire in the docs):
 * `{"action": "database.…", "collectionName": …, "query": "<EJSON>", …}` → `{"requestId", "data": {…}}`, or a cloud
 * error `{"code": "DATABASE_…", "message"}` that the SDK throws as its errCode (-502005 for a missing collection).
 */
export async function handleDatabaseCall(req: IncomingMessage, res: ServerResponse, functionName: string | null, state: CloudState): Promise<void> {
  const text = (await readBody(req)).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: described below
  }
  const action = isJsonObject(body) && typeof body.action === 'string' ? body.action : '';
  if (!isJsonObject(body) || !action.startsWith('database.')) {
    const got = action !== '' ? `action "${action}"` : 'a body without an action';
    sendTcbError(
      res,
      'INVALID_ACTION',
      `local cloud implements database.* (a JSON body, as cloud.database() sends) and wx.openApi: a multipart/form-data body as wx-server-sdk sends for cloud.openapi calls (fields action=wx.openApi, apiName, requestData); got ${got}`,
    );
    return;
  }
  const request = Object.fromEntries(Object.entries(body).filter(([key]) => !COMMON_FIELDS.includes(key)));
  const record = state.calls.add({ transport: 'cloud', api: databaseApi, action, request, functionName });
  const fault = state.faults.take({ api: databaseApi, action });
  record.fault = fault?.kind ?? null;
  if (await playTransportFault(fault, res, state)) return;
  if (fault?.kind === 'malformed') {
    sendBytes(res, 200, 'application/json; charset=utf-8', '{"requestId":"local","data":{"li');
    return;
  }
  const faultAnswer = databaseFaultAnswer(fault);
  if (faultAnswer !== null) {
    record.errcode = DATABASE_ERRCODES[faultAnswer.code] ?? -501001;
    sendTcbError(res, faultAnswer.code, faultAnswer.message);
    return;
  }
  let data: Record<string, unknown> | undefined;
  try {
    data = runWireAction(state.database, action, body);
  } catch (error) {
    const failure = databaseErrorOf(error);
    if (failure === null) throw error;
    record.errcode = DATABASE_ERRCODES[failure.code] ?? -501001;
    sendTcbError(res, failure.code, failure.message);
    return;
  }
  record.errcode = 0;
  if (fault?.kind === 'lostAnswer') {
    res.socket?.destroy();
    return;
  }
  sendJson(res, 200, { requestId: `local-${Date.now().toString(36)}`, ...(data === undefined ? {} : { data }) });
}
