/**
 * Counting a batch's results: the one place results are counted, shared by the functions, the CLI, the admin
 * mini-program and the local page. It imports nothing at run time, so the build can also serve it to the page as
 * plain JavaScript (dist/page-core.js).
 */
import type { DecisionResult } from './decisions';

/** What a batch's results came to, as every view reports it (the page, the admin mini-program, the CLI). */
export interface DecisionCounts {
  total: number;
  changed: number;
  /** Succeeded without changing anything ("already done"). */
  unchanged: number;
  failed: number;
  /** Not started before the deadline (or a stop). */
  notAttempted: number;
  /** Not sent because an account-wide error stopped the batch. */
  skipped: number;
}

/** Counts a batch's results, changed and unchanged apart: the one place results are counted. */
export function countResults(results: readonly DecisionResult[]): DecisionCounts {
  const counts = { total: results.length, changed: 0, unchanged: 0, failed: 0, notAttempted: 0, skipped: 0 };
  for (const result of results) {
    if (result.ok) counts[result.changed ? 'changed' : 'unchanged'] += 1;
    else if (result.error.code === 'NOT_ATTEMPTED') counts.notAttempted += 1;
    else if (result.error.code === 'SKIPPED') counts.skipped += 1;
    else counts.failed += 1;
  }
  return counts;
}
