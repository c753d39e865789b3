import type { IncomingMessage, ServerResponse } from 'node:http';
import { copyApplications, parseApplications } from './applications';
import type { CloudState } from './cloudState';
import { databaseErrorOf } from './database';
import type { DbValue } from './ejson';
import { reviveEjson, toEjsonValue } from './ejson';
import { parseFault } from './faults';
import { BadRequest, decodePathSegment, HttpError, isJsonObject, readJson, sendJson } from './httpIo';
import { newApplication } from './applyTimeout';
import { advanceOf } from './modelClock';
import { TriggerRefused } from './triggers';

/** The one path prefix of every inspection and admin endpoint. */
export const adminPrefix = '/_local/';

/**
 * Puts the list back (to `applications` or the seed), the clock back to its base, empties the database, forgets
 * refusals, calls, faults and the robot's messages; tokens stay valid.
 */
export function resetState(state: CloudState, applications?: readonly unknown[]): void {
  const list = applications === undefined ? null : parseApplications(applications);
  state.clock.rewind();
  state.applications = list ?? state.seedList();
  state.database.clear();
  state.refusals = [];
  state.calls.clear();
  state.faults.clear();
  state.robot.clear();
  state.triggers.reload();
}

/** The clock as `/_local/clock` shows it. */
function clockView(state: CloudState): { now: string; offsetMs: number; applyTimeoutMs: number | null } {
  return { now: new Date(state.clock.now()).toISOString(), offsetMs: state.clock.offsetMs(), applyTimeoutMs: state.applyTimeoutMs };
}

function validated<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new BadRequest(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Answers the `/_local/` endpoints (JSON in and out; 400 `{error}` for a bad body, 404/405 otherwise):
 * GET|PUT|POST /_local/applications, GET /_local/refusals, POST /_local/reset, GET|DELETE /_local/calls,
 * GET|POST|DELETE /_local/faults, GET|DELETE /_local/db, GET|PUT|DELETE /_local/db/<collection>, GET|POST /_local/clock,
 * GET|DELETE /_local/robot.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, state: CloudState): Promise<void> {
  const route = `${req.method ?? 'GET'} ${path.replace(/\/+$/, '')}`;
  if (req.method === 'POST' && path.startsWith(triggerPrefix) && path.length > triggerPrefix.length) {
    return fireTrigger(res, decodePathSegment(path.slice(triggerPrefix.length).replace(/\/+$/, '')), state);
  }
  if (path.startsWith(collectionPrefix) && path.length > collectionPrefix.length) {
    return handleCollection(req, res, decodePathSegment(path.slice(collectionPrefix.length).replace(/\/+$/, '')), state);
  }
  switch (route) {
    case 'GET /_local/applications':
      state.lapseTimeouts();
      return sendJson(res, 200, { applications: copyApplications(state.applications) });
    case 'POST /_local/applications': {
      const body = await readJson(req);
      const application = validated(() => newApplication(body, state.clock.now()));
      state.lapseTimeouts();
      if (state.applications.some((item) => item.appid === application.appid)) {
        throw new HttpError(
          409,
          `${application.appid} is already in the list (WeChat lists one application per mini-program): delete it first, or pick another appid`,
        );
      }
      state.applications.push(application);
      return sendJson(res, 201, { application, applications: copyApplications(state.applications) });
    }
    case 'PUT /_local/applications': {
      const body = await readJson(req);
      if (!isJsonObject(body)) throw new BadRequest('body must be {"applications": [...]}');
      state.applications = validated(() => parseApplications(body.applications, 'applications'));
      return sendJson(res, 200, { applications: copyApplications(state.applications) });
    }
    case 'GET /_local/refusals':
      return sendJson(res, 200, { refusals: state.refusals.map((refusal) => ({ ...refusal })) });
    case 'POST /_local/reset': {
      const body = await readJson(req);
      if (body !== undefined && !isJsonObject(body)) throw new BadRequest('body must be empty or {"applications": [...]}');
      const applications = body?.applications;
      if (applications !== undefined && !Array.isArray(applications)) throw new BadRequest('applications must be an array');
      validated(() => resetState(state, applications));
      return sendJson(res, 200, { applications: copyApplications(state.applications) });
    }
    case 'GET /_local/calls':
      return sendJson(res, 200, { calls: state.calls.list() });
    case 'DELETE /_local/calls':
      state.calls.clear();
      return sendJson(res, 200, { calls: [] });
    case 'GET /_local/faults':
      return sendJson(res, 200, { faults: state.faults.list() });
    case 'POST /_local/faults': {
      const body = await readJson(req);
      const fault = validated(() => parseFault(body));
      state.faults.add(fault);
      return sendJson(res, 201, { faults: state.faults.list() });
    }
    case 'DELETE /_local/faults':
      state.faults.clear();
      return sendJson(res, 200, { faults: [] });
    case 'GET /_local/db':
      return sendJson(res, 200, { collections: state.database.collections() });
    case 'DELETE /_local/db':
      state.database.clear();
      return sendJson(res, 200, { collections: [] });
    case 'GET /_local/clock':
      return sendJson(res, 200, clockView(state));
    case 'POST /_local/clock': {
      const body = await readJson(req);
      state.clock.advance(validated(() => advanceOf(body)));
      const timedOut = state.lapseTimeouts();
      // Answered once the trigger runs the advance started have ended, so what they did can be looked at next.
      const triggered = await state.triggers.settled();
      return sendJson(res, 200, { ...clockView(state), timedOut, triggered });
    }
    case 'GET /_local/triggers':
      return sendJson(res, 200, { triggers: state.triggers.list() });
    case 'GET /_local/robot':
      return sendJson(res, 200, { messages: state.robot.messages() });
    case 'DELETE /_local/robot':
      state.robot.clear();
      return sendJson(res, 200, { messages: [] });
    default: {
      const known = [
        '/_local/applications',
        '/_local/refusals',
        '/_local/reset',
        '/_local/calls',
        '/_local/faults',
        '/_local/db',
        '/_local/clock',
        '/_local/robot',
        '/_local/triggers',
      ];
      const status = known.includes(path.replace(/\/+$/, '')) ? 405 : 404;
      return sendJson(res, status, { error: `${route} is not an endpoint; try GET ${known.join(', ')}` });
    }
  }
}

const collectionPrefix = '/_local/db/';
const triggerPrefix = '/_local/triggers/';

/** POST /_local/triggers/<function>: runs its timer trigger now and answers `{"run": {…}}` when the run has ended. */
async function fireTrigger(res: ServerResponse, functionName: string, state: CloudState): Promise<void> {
  try {
    const run = await state.triggers.fire(functionName);
    return sendJson(res, 200, { run });
  } catch (error) {
    if (error instanceof TriggerRefused) throw new HttpError(error.status, error.message);
    throw error;
  }
}

/** A collection's documents as relaxed EJSON (dates `{"$date": "…"}`), readable and what the SDK itself would read. */
function shownDocuments(state: CloudState, name: string): unknown[] | null {
  return state.database.documents(name)?.map(toEjsonValue) ?? null;
}

/**
 * GET /_local/db/<collection> → `{"documents": [...]}`; PUT with `{"documents": [...]}` (EJSON dates allowed) creates
 * or replaces it; DELETE drops it. A collection that does not exist answers 404.
 */
async function handleCollection(req: IncomingMessage, res: ServerResponse, name: string, state: CloudState): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'PUT') {
    const body = await readJson(req);
    if (!isJsonObject(body) || !Array.isArray(body.documents)) throw new BadRequest('body must be {"documents": [{…}, …]}');
    const documents = validated(() => reviveEjson(body.documents)) as DbValue[];
    state.database.dropCollection(name);
    try {
      state.database.createCollection(name);
      state.database.add(name, documents);
    } catch (error) {
      state.database.dropCollection(name);
      throw new BadRequest(databaseErrorOf(error)?.message ?? String(error));
    }
    return sendJson(res, 200, { documents: shownDocuments(state, name) });
  }
  if (method !== 'GET' && method !== 'DELETE') return sendJson(res, 405, { error: `${method} ${collectionPrefix}${name}: use GET, PUT or DELETE` });
  const documents = shownDocuments(state, name);
  if (documents === null) return sendJson(res, 404, { error: `no collection "${name}" in the local database; GET /_local/db lists them` });
  if (method === 'DELETE') state.database.dropCollection(name);
  return sendJson(res, 200, { documents: method === 'DELETE' ? [] : documents });
}
