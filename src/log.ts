/** One structured JSON line per call, written to the function's log (stdout). Never secrets, never raw OPENIDs. */

export type LogRecord = Record<string, string | number | boolean | null | undefined>;

/** Where log records go; tests pass their own to read what was logged. */
export type LogSink = (record: LogRecord) => void;

/** Writes each record as one JSON line on stdout, as the cloud's log viewer expects. */
export const stdoutSink: LogSink = (record) => {
  process.stdout.write(`${JSON.stringify(record)}\n`);
};
