import type { LogEntry } from './functionHost';

/**
 * How much `npm start` prints after its banner. `calls` (the default) shows what someone trying the functions
 * needs: one line per function call, the function's own lines except its routine "OK" records, HTTPS API calls
 * (the plugin API and the database's /tcb/ API),
 * changes made through `/_local/`, and every refused or failed request. It leaves out the SDK's protocol requests
 * (`/admin/…`, two or three per click), token fetches and the page's reads, which buried the rest.
 */
export const ConsoleLog = { quiet: 'quiet', calls: 'calls', verbose: 'verbose' } as const;

/** One of the console log levels. */
export type ConsoleLogLevel = (typeof ConsoleLog)[keyof typeof ConsoleLog];

const levels: readonly string[] = Object.values(ConsoleLog);

/** The level from LOCALCLOUD_LOG (LOCALCLOUD_QUIET=1 still means quiet); throws an Error naming the choices. */
export function consoleLogLevel(env: NodeJS.ProcessEnv): ConsoleLogLevel {
  const value = env.LOCALCLOUD_LOG?.trim();
  if (value === undefined || value === '') return env.LOCALCLOUD_QUIET === '1' ? ConsoleLog.quiet : ConsoleLog.calls;
  if (!levels.includes(value)) throw new Error(`LOCALCLOUD_LOG must be one of ${levels.join(', ')} (got "${value}")`);
  return value as ConsoleLogLevel;
}

/** Whether a line is printed at `level`. */
export function isShown(entry: LogEntry, level: ConsoleLogLevel): boolean {
  if (level === ConsoleLog.quiet) return false;
  if (level === ConsoleLog.verbose) return true;
  if (entry.kind === 'trigger') return true;
  if (entry.kind === 'function') return !isRoutineRecord(entry.text);
  if (entry.status >= 400) return true;
  if (entry.path.startsWith('/functions/') || entry.path === '/wxa/devplugin' || entry.path.startsWith('/tcb/') || entry.path === '/cgi-bin/webhook/send')
    return true;
  return entry.path.startsWith('/_local/') && entry.method !== 'GET' && entry.method !== 'HEAD';
}

/** A function's JSON log record of a call (or batch) that went well: the call's own request line says as much. */
function isRoutineRecord(text: string): boolean {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return false;
  const fields = record as Record<string, unknown>;
  if (fields.outcome === 'OK') return true;
  return 'batch' in fields && fields.failed === 0 && fields.notAttempted === 0;
}
