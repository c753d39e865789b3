/**
 * The application statuses, once: WeChat's numbers (getPluginDevApplyList, platform-facts.md), the names this package
 * gives them, and how each reads in Chinese and English. The event schema, the list, settling and every screen (the
 * CLI, the admin mini-program) take them from here.
 */

/** Application statuses by name, as getPluginDevApplyList numbers them: there is no 5. */
export const STATUS_BY_NAME = { pending: 1, approved: 2, refused: 3, expired: 4 } as const;

/** A status this package names. */
export type StatusName = keyof typeof STATUS_BY_NAME;

/** Every status name, in WeChat's order: what a status filter offers. */
export const STATUS_NAMES = Object.keys(STATUS_BY_NAME) as StatusName[];

/** The name of WeChat's status number; 'unknown' for a number WeChat does not document. */
export function statusNameOf(status: number): StatusName | 'unknown' {
  // Compared as text, as a lookup by key would: an untyped answer may carry the number as a string.
  return STATUS_NAMES.find((name) => String(STATUS_BY_NAME[name]) === String(status)) ?? 'unknown';
}

/** How each status reads, in Chinese and English; `absent` is an application the list no longer holds. */
export const STATUS_TEXT: Readonly<Record<StatusName | 'unknown' | 'absent', readonly [string, string]>> = {
  pending: ['待确认', 'pending'],
  approved: ['已通过', 'approved'],
  refused: ['已拒绝', 'refused'],
  expired: ['已超时', 'timed out'],
  unknown: ['未知', 'unknown'],
  absent: ['不在申请列表内', 'not in the application list'],
};
