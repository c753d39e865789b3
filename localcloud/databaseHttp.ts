import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallRecord } from './callLog';
import type { CloudState } from './cloudState';
import type { Database } from './database';
import { DATABASE_ERRCODES, databaseErrorOf } from './database';
import { DatabaseAction, databaseApi, databaseFaultAnswer } from './databaseFaults';
import { stringifyEjson } from './ejson';
import type { Fault } from './faults';
import { sendBytes, sendJson } from './httpIo';
import { readObject } from './httpsApi';
import type { TextOperation } from './queryText';
import { parseQueryText, QueryTextError } from './queryText';
import { playTransportFault } from './transportFaults';
import { WeChatErrcode, wechatError } from './wechatErrors';

/** The `/tcb/` database endpoints, the database action each performs, and the kind of query string it runs. */
const ENDPOINTS: Readonly<Record<string, { action: string; runs: TextOperation['kind'] | null }>> = {
  databaseadd: { action: DatabaseAction.add, runs: 'add' },
  databasequery: { action: DatabaseAction.query, runs: 'get' },
  databaseupdate: { action: DatabaseAction.update, runs: 'update' },
  databasedelete: { action: DatabaseAction.remove, runs: 'remove' },
  databasecount: { action: DatabaseAction.count, runs: 'count' },
  databasecollectionadd: { action: DatabaseAction.createCollection, runs: null },
  databasecollectionget: { action: DatabaseAction.listCollections, runs: null },
};

/** The query's `limit` when it sets none (the databasequery page: 10). */
const HTTP_DEFAULT_LIMIT = 10;

/** The `.get()`-style ending each endpoint's query must have, as people write it. */
const ENDING: Readonly<Record<TextOperation['kind'], string>> = {
  add: '.add({data})',
  get: '.get()',
  update: '.update({data}) or .doc(id).set({data})',
  remove: '.remove()',
  count: '.count()',
};

type Answer = Record<string, unknown>;

/** A request the model refuses, answered as WeChat's `{errcode, errmsg}`. */
class Refusal extends Error {
  constructor(
    readonly errcode: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function pager(offset: number, limit: number, total: number): Answer {
  return { Offset: offset, Limit: limit, Total: total };
}

function whole(body: Record<string, unknown>, key: string, fallback: number): number {
  const value = body[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new Refusal(WeChatErrcode.invalidArgs, `${key} must be a whole number`);
  return value;
}

function runQueryText(db: Database, runs: TextOperation['kind'], text: unknown): Answer {
  if (typeof text !== 'string' || text.trim() === '')
    throw new Refusal(WeChatErrcode.missingParameter, 'query must be a string of database SDK syntax, e.g. db.collection("c").get()');
  let operation: TextOperation;
  try {
    operation = parseQueryText(text);
  } catch (error) {
    if (error instanceof QueryTextError) throw new Refusal(WeChatErrcode.invalidArgs, `query: ${error.message}`);
    throw error;
  }
  if (operation.kind !== runs)
    throw new Refusal(WeChatErrcode.invalidArgs, `this endpoint runs a query ending in ${ENDING[runs]}, not ${ENDING[operation.kind]}`);
  switch (operation.kind) {
    case 'add':
      return { id_list: db.add(operation.collection, operation.documents) };
    case 'get': {
      const limit = operation.limit ?? HTTP_DEFAULT_LIMIT;
      const { documents, total } = db.find(operation.collection, { ...operation, limit });
      return { pager: pager(operation.offset, limit, total), data: documents.map(stringifyEjson) };
    }
    case 'count':
      return { count: db.count(operation.collection, operation.query) };
    case 'update': {
      const outcome = db.update(operation.collection, operation.query, operation.data, operation);
      return { matched: outcome.matched, modified: outcome.updated, id: outcome.upsertedId ?? '' };
    }
    case 'remove':
      return { deleted: db.remove(operation.collection, operation.query, operation.multi) };
  }
}

function runEndpoint(state: CloudState, name: string, body: Record<string, unknown>): Answer {
  if (body.env === undefined || body.env === '') throw new Refusal(WeChatErrcode.missingParameter, 'env (the cloud environment id) is missing');
  if (body.env !== state.envId)
    throw new Refusal(WeChatErrcode.invalidEnv, `env "${String(body.env)}" is not this account's environment (the local one is "${state.envId}")`);
  const runs = ENDPOINTS[name]?.runs ?? null;
  if (runs !== null) return runQueryText(state.database, runs, body.query);
  if (name === 'databasecollectionadd') {
    if (typeof body.collection_name !== 'string' || body.collection_name === '')
      throw new Refusal(WeChatErrcode.missingParameter, 'collection_name is missing');
    state.database.createCollection(body.collection_name);
    return {};
  }
  const offset = whole(body, 'offset', 0);
  const limit = whole(body, 'limit', HTTP_DEFAULT_LIMIT);
  const all = state.database.collections();
  const collections = all.slice(offset, offset + limit).map((info) => ({ ...info, index_count: 1, index_size: 0 }));
  return { collections, pager: pager(offset, limit, all.length) };
}

/** Plays the faults only JSON answers have; true when the call is over. */
function playHttpFault(fault: Fault | null, res: ServerResponse, record: CallRecord): boolean {
  if (fault?.kind === 'malformed') {
    sendBytes(res, 200, 'application/json; charset=utf-8', '{"errcode":0,"errmsg":"ok","data":["{\\"_i');
    return true;
  }
  const answer = databaseFaultAnswer(fault);
  if (answer === null) return false;
  record.errcode = fault?.kind === 'errcode' ? (fault.errcode ?? -1) : (DATABASE_ERRCODES[answer.code] ?? -501001);
  sendJson(
    res,
    200,
    fault?.kind === 'errcode' ? wechatError(record.errcode, fault.message) : { errcode: record.errcode, errmsg: `${answer.code}: ${answer.message}` },
  );
  return true;
}

/**
 * Answers WeChat's database HTTP API, `POST /tcb/<endpoint>?access_token=…` with `{"env", "query": "<SDK syntax>"}`:
 * databaseadd, databasequery, databaseupdate, databasedelete, databasecount, databasecollectionadd,
 * databasecollectionget. Failures are `{errcode, errmsg}`: the token's codes, 40101/40097 for a missing or unreadable
 * parameter, and a database error's number (-502005 for a missing collection).
 */
export async function handleDatabaseHttp(req: IncomingMessage, res: ServerResponse, url: URL, state: CloudState): Promise<void> {
  const name = url.pathname.slice('/tcb/'.length);
  const endpoint = ENDPOINTS[name];
  if (endpoint === undefined) {
    sendJson(res, 404, {
      error: `POST ${url.pathname} is not served by the local cloud; the database endpoints are ${Object.keys(ENDPOINTS)
        .map((key) => `/tcb/${key}`)
        .join(', ')}`,
    });
    return;
  }
  const body = await readObject(req);
  const record = state.calls.add({ transport: 'https', api: databaseApi, action: endpoint.action, request: body ?? {}, functionName: null });
  const fault = state.faults.take({ api: databaseApi, action: endpoint.action });
  record.fault = fault?.kind ?? null;
  if ((await playTransportFault(fault, res, state)) || playHttpFault(fault, res, record)) return;

  const refuse = (errcode: number, detail?: string): void => {
    record.errcode = errcode;
    sendJson(res, 200, wechatError(errcode, detail));
  };
  const tokenErrcode = state.tokens.check(url.searchParams.get('access_token'));
  if (tokenErrcode !== WeChatErrcode.ok) return refuse(tokenErrcode);
  if (body === null) return refuse(WeChatErrcode.dataFormatError, 'body must be a JSON object');
  let answer: Answer;
  try {
    answer = runEndpoint(state, name, body);
  } catch (error) {
    if (error instanceof Refusal) return refuse(error.errcode, error.detail);
    const failure = databaseErrorOf(error);
    if (failure === null) throw error;
    record.errcode = DATABASE_ERRCODES[failure.code] ?? -501001;
    sendJson(res, 200, { errcode: record.errcode, errmsg: `${failure.code}: ${failure.message}` });
    return;
  }
  record.errcode = WeChatErrcode.ok;
  if (fault?.kind === 'lostAnswer') {
    res.socket?.destroy();
    return;
  }
  sendJson(res, 200, { errcode: 0, errmsg: 'ok', ...answer });
}
