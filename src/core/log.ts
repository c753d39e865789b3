/** One structured JSON line per call, written to the function's log (stdout). Never secrets, never raw OPENIDs. */

export type LogRecord = Record<string, string | number | boolean | null | undefined>;

/** Where log records go; tests pass their own to read what was logged. */
export type LogSink = (record: LogRecord) => void;

/** Writes each record as one JSON line on stdout, as the cloud's log viewer expects. */
export const stdoutSink: LogSink = (record) => {
  process.stdout.write(`${JSON.stringify(record)}\n`);
};

/** A thrown value as one bounded line for the log; never throws itself (some values cannot be printed). */
export function describeThrown(thrown: unknown): string {
  try {
    if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`.slice(0, 500);
    return String(thrown).slice(0, 500);
  } catch {
    return 'unprintable thrown value';
  }
}

/** An OPENID fit for a log line: enough to tell callers apart, not enough to identify a person. Never throws. */
export function maskOpenid(openid: unknown): string | null {
  if (typeof openid !== 'string' || openid === '') return null;
  const chars = Array.from(openid);
  if (chars.length <= 8) return '*'.repeat(chars.length);
  return `${chars.slice(0, 4).join('')}…${chars.slice(-4).join('')}`;
}
