/**
 * The events a mini-program may send, as zod/mini schemas. zod/mini rather than classic zod because it adds
 * about 19 KB instead of 447 KB to each bundle and loads in a sixth of the time (cold start is what a user waits for).
 * zod/mini has no built-in messages: every check names a key of `ISSUE_MESSAGES`, which holds the bilingual text.
 */
import * as z from 'zod/mini';
import type { StatusName } from './status';
import { STATUS_NAMES } from './status';
import { reasonProblem, REASON_MAX_CHARS, REASON_MAX_CODE_POINTS } from './reason';

/** A mini-program appid: `wx` and 16 lowercase hexadecimal characters (the form WeChat issues). */
export const APPID_PATTERN = /^wx[0-9a-f]{16}$/;

/** The three decisions of setDevPluginApplyStatus (seed: "action 的合法值"). */
export const DECISION_ACTIONS = ['dev_agree', 'dev_refuse', 'dev_delete'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** Keys the platform itself adds to every `wx.cloud.callFunction` event; accepted and ignored. */
export const PLATFORM_EVENT_KEYS = ['userInfo'] as const;

/**
 * A schema built on first use: constructing zod schemas is most of what our code adds to a cold start, and a
 * function needs only its own. Marked pure so a bundle that never uses one drops it.
 */
function lazy<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

const appidSchema = () =>
  z.string({ error: (issue) => (issue.input === undefined ? 'appid.required' : 'appid.type') }).check(z.regex(APPID_PATTERN, { error: 'appid.format' }));

const reasonSchema = () =>
  z
    .pipe(
      z.string({ error: (issue) => (issue.input === undefined ? 'reason.required' : 'reason.type') }),
      z.transform((value: string) => value.trim()),
    )
    .check(z.refine((value: string) => reasonProblem(value) === null, { error: (issue) => reasonProblem(String(issue.input)) ?? 'reason.empty' }));

/** The schema of each decision, built only for the actions a container actually sees. */
const DECISION_SCHEMAS = {
  dev_agree: /* @__PURE__ */ lazy(() => z.strictObject({ action: z.literal('dev_agree'), appid: appidSchema() }, { error: 'event.unknownKey' })),
  dev_refuse: /* @__PURE__ */ lazy(() =>
    z.strictObject({ action: z.literal('dev_refuse'), reason: reasonSchema(), appid: z.optional(appidSchema()) }, { error: 'event.unknownKey' }),
  ),
  dev_delete: /* @__PURE__ */ lazy(() => z.strictObject({ action: z.literal('dev_delete'), appid: z.optional(appidSchema()) }, { error: 'event.unknownKey' })),
};

/** One decision on one application. */
export type Decision = { [A in DecisionAction]: z.infer<ReturnType<(typeof DECISION_SCHEMAS)[A]>> }[DecisionAction];

/** Bilingual text for each message key used in the schemas above. */
export const ISSUE_MESSAGES = {
  'event.type': ['事件必须是一个对象，例如 {"action":"dev_agree","appid":"wx…"}', 'the event must be an object, e.g. {"action":"dev_agree","appid":"wx…"}'],
  'event.unknownKey': ['不支持的字段', 'unknown field'],
  'action.value': ['action 必须是 dev_agree、dev_refuse 或 dev_delete 之一', 'action must be one of dev_agree, dev_refuse, dev_delete'],
  'appid.type': ['appid 必须是字符串', 'appid must be a string'],
  'appid.required': ['同意申请时必须填写 appid', 'appid is required to agree to an application'],
  'appid.format': [
    'appid 格式不正确：应为 wx 加 16 位小写十六进制字符，例如 wx0123456789abcdef',
    'appid is malformed: it must be "wx" followed by 16 lowercase hex characters, e.g. wx0123456789abcdef',
  ],
  'reason.required': ['拒绝申请时必须填写 reason（拒绝理由）', 'reason is required to refuse an application'],
  'reason.type': ['reason 必须是字符串', 'reason must be a string'],
  'reason.empty': ['reason 不能为空', 'reason must not be empty'],
  'reason.invisible': [
    'reason 没有可见的文字（只有空白、零宽字符、方向标记、私用区字符、未分配的码位或空白符号等不可见字符），请写明拒绝理由',
    'reason has no visible character (only spaces, zero-width characters, direction marks, private-use or unassigned code points, blank symbols or other invisible characters): write the reason out',
  ],
  'reason.control': [
    'reason 含有控制字符（如 NUL、ESC、DEL、回车符，或行分隔符 U+2028、段分隔符 U+2029）；除换行和制表符外请删除',
    'reason contains control characters (such as NUL, ESC, DEL, carriage return, or the line and paragraph separators U+2028 and U+2029): remove them; only line feeds and tabs are allowed',
  ],
  'reason.loneSurrogate': [
    'reason 含有残缺的字符（孤立的 UTF-16 代理项，多为被截断的表情符号）；请重新输入',
    'reason contains a broken character (a lone UTF-16 surrogate, usually a cut-off emoji): type it again',
  ],
  'reason.nonCharacter': [
    'reason 含有 Unicode 非字符（如 U+FFFF、U+FFFE、U+FDD0–U+FDEF），它们不是文字，显示不出来；请删除',
    'reason contains Unicode noncharacters (such as U+FFFF, U+FFFE or U+FDD0–U+FDEF), which are not text and show nothing: remove them',
  ],
  'reason.bidiControl': [
    'reason 含有文字方向控制符（U+202A–U+202E、U+2066–U+2069），它们会颠倒或重排文字的显示顺序，使对方看到的与输入的不同；请删除',
    'reason contains text direction controls (U+202A–U+202E, U+2066–U+2069), which reverse or reorder how the text displays, so the applicant would not read what was typed: remove them',
  ],
  'reason.tooLong': [`reason 不能超过 ${REASON_MAX_CHARS} 个字符`, `reason must be at most ${REASON_MAX_CHARS} characters`],
  'reason.tooManyCodePoints': [
    `reason 含有过多的组合符号或表情序列：最多 ${REASON_MAX_CODE_POINTS} 个 Unicode 码点`,
    `reason stacks too many combining marks or emoji sequences: at most ${REASON_MAX_CODE_POINTS} Unicode code points`,
  ],
  'page.type': ['page 必须是不小于 1 的整数', 'page must be a whole number of at least 1'],
  'num.range': ['num 必须是 1 到 100 之间的整数', 'num must be a whole number from 1 to 100'],
  'status.value': [`status 必须是 ${STATUS_NAMES.join('、')} 之一`, `status must be one of ${STATUS_NAMES.join(', ')}`],
  'all.value': ['all 只能是 true（或不填）', 'all must be true, or left out'],
  'trail.type': [
    'trail 必须是一个对象，例如 {"trail":{"appid":"wx…","page":1,"num":20}}（各字段均可不填）',
    'trail must be an object, e.g. {"trail":{"appid":"wx…","page":1,"num":20}} (every field may be left out)',
  ],
} as const satisfies Record<string, readonly [string, string]>;

export type IssueKey = keyof typeof ISSUE_MESSAGES;

/** One problem with an event: where it is and what to do, in Chinese and English. */
export interface EventIssue {
  path: string;
  message: string;
  messageEn: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: EventIssue[] };

const KNOWN_DECISION_KEYS = new Set(['action', 'appid', 'reason']);

/** Validates one decision event, listing every problem (unknown keys included) rather than the first. */
export function parseDecision(event: unknown): Parsed<Decision> {
  // The action picks the schema (as a discriminated union would), so only that action's schema is ever built.
  const action = isPlainObject(event) ? event.action : undefined;
  // Not Object.hasOwn: the admin mini-program bundles this file, and older phones' JavaScript engines lack it.
  const known = typeof action === 'string' && Object.prototype.hasOwnProperty.call(DECISION_SCHEMAS, action) ? (action as DecisionAction) : null;
  if (known === null && isPlainObject(event)) {
    const issues = unknownKeyIssues(withoutPlatformKeys(event), KNOWN_DECISION_KEYS);
    return { ok: false, issues: [...issues, issue('action', 'action.value')] };
  }
  return parseWith<Decision>(DECISION_SCHEMAS[known ?? 'dev_agree'](), event, KNOWN_DECISION_KEYS);
}

/** Checks unknown keys ourselves (for the appId hint) and the known ones with the schema, reporting both. */
function parseWith<T>(schema: z.ZodMiniType<T>, event: unknown, knownKeys: ReadonlySet<string>): Parsed<T> {
  if (!isPlainObject(event)) return { ok: false, issues: [issue('', 'event.type')] };
  const fields = withoutPlatformKeys(event);
  const issues = unknownKeyIssues(fields, knownKeys);
  const known = Object.fromEntries(Object.entries(fields).filter(([key]) => knownKeys.has(key)));
  const result = schema.safeParse(known);
  if (!result.success) issues.push(...result.error.issues.flatMap(fromZodIssue));
  return issues.length === 0 && result.success ? { ok: true, value: result.data } : { ok: false, issues };
}

/** Whether a value is a JSON-style object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The event without the keys the platform adds to every call. */
export function withoutPlatformKeys(event: Record<string, unknown>): Record<string, unknown> {
  const platformKeys: ReadonlySet<string> = new Set(PLATFORM_EVENT_KEYS);
  return Object.fromEntries(Object.entries(event).filter(([key]) => !platformKeys.has(key)));
}

/** One issue per key that is not in `known`; a differently-cased known key gets a hint to spell it right. */
export function unknownKeyIssues(fields: Record<string, unknown>, known: ReadonlySet<string>): EventIssue[] {
  return Object.keys(fields)
    .filter((key) => !known.has(key))
    .map((key) => {
      const meant = [...known].find((name) => name.toLowerCase() === key.toLowerCase().replace(/[_-]/g, ''));
      if (meant === undefined) {
        return { path: key, message: `不支持的字段 "${key}"，请删除`, messageEn: `unknown field "${key}": remove it` };
      }
      return {
        path: key,
        message: `字段名应写作 "${meant}"（全小写），而不是 "${key}"`,
        messageEn: `write "${meant}" (all lowercase), not "${key}"`,
      };
    });
}

function issue(path: string, key: IssueKey): EventIssue {
  const [message, messageEn] = ISSUE_MESSAGES[key];
  return { path, message, messageEn };
}

function fromZodIssue(zodIssue: z.core.$ZodIssue): EventIssue | EventIssue[] {
  const path = zodIssue.path.map(String).join('.');
  if (zodIssue.code === 'unrecognized_keys') {
    // A known field sent with an action that takes no such field, e.g. a reason on dev_agree.
    return zodIssue.keys.map((key) => ({
      path: key,
      message: `字段 "${key}" 不适用于此 action，请删除`,
      messageEn: `field "${key}" does not apply to this action: remove it`,
    }));
  }
  if (zodIssue.message in ISSUE_MESSAGES) return issue(path, zodIssue.message as IssueKey);
  // Only reachable if a schema check lacks a message key: still say where, never throw.
  return { path, message: `字段无效：${zodIssue.message}`, messageEn: `invalid field: ${zodIssue.message}` };
}

/** Largest page we ask WeChat for; WeChat documents no maximum for `num`, so we stay modest. */
export const PAGE_SIZE_MAX = 100;

const buildListEventSchema = () =>
  z.strictObject(
    {
      page: z.optional(z.number({ error: 'page.type' }).check(z.int({ error: 'page.type' }), z.minimum(1, { error: 'page.type' }))),
      num: z.optional(
        z
          .number({ error: 'num.range' })
          .check(z.int({ error: 'num.range' }), z.minimum(1, { error: 'num.range' }), z.maximum(PAGE_SIZE_MAX, { error: 'num.range' })),
      ),
      status: z.optional(z.enum(STATUS_NAMES as [StatusName, ...StatusName[]], { error: 'status.value' })),
      all: z.optional(z.literal(true, { error: 'all.value' })),
    },
    { error: 'event.unknownKey' },
  );

/** The event of getPluginApplyList. */
export const listEventSchema = /* @__PURE__ */ lazy(buildListEventSchema);

export type ListEvent = z.infer<ReturnType<typeof buildListEventSchema>>;

const KNOWN_LIST_KEYS = new Set(['page', 'num', 'status', 'all']);

/** Validates a list event (an absent event means the first page), listing every problem. */
export function parseListEvent(event: unknown): Parsed<ListEvent> {
  if (event === undefined || event === null) return { ok: true, value: {} };
  return parseWith(listEventSchema(), event, KNOWN_LIST_KEYS);
}

const buildTrailQuerySchema = () =>
  z.strictObject(
    {
      appid: z.optional(appidSchema()),
      page: z.optional(z.number({ error: 'page.type' }).check(z.int({ error: 'page.type' }), z.minimum(1, { error: 'page.type' }))),
      num: z.optional(
        z
          .number({ error: 'num.range' })
          .check(z.int({ error: 'num.range' }), z.minimum(1, { error: 'num.range' }), z.maximum(PAGE_SIZE_MAX, { error: 'num.range' })),
      ),
    },
    { error: 'event.unknownKey' },
  );

/** The query of getPluginApplyList's trail mode (`{ "trail": { … } }`): one applicant's records or all, newest first, paged. */
export const trailQuerySchema = /* @__PURE__ */ lazy(buildTrailQuerySchema);

export type TrailQuery = z.infer<ReturnType<typeof buildTrailQuerySchema>>;

const KNOWN_TRAIL_KEYS = new Set(['appid', 'page', 'num']);
const KNOWN_TRAIL_EVENT_KEYS = new Set(['trail']);

/** Whether getPluginApplyList was asked for the trail rather than the list: the event names `trail`. */
export function isTrailEvent(event: unknown): event is Record<string, unknown> {
  return isPlainObject(event) && 'trail' in event;
}

/** Validates a trail event `{ "trail": { appid?, page?, num? } }`, listing every problem with its path under `trail`. */
export function parseTrailEvent(event: Record<string, unknown>): Parsed<TrailQuery> {
  const outer = unknownKeyIssues(withoutPlatformKeys(event), KNOWN_TRAIL_EVENT_KEYS);
  if (!isPlainObject(event.trail)) return { ok: false, issues: [...outer, issue('trail', 'trail.type')] };
  const inner = parseWith(trailQuerySchema(), event.trail, KNOWN_TRAIL_KEYS);
  const issues = [...outer, ...(inner.ok ? [] : inner.issues.map((found) => ({ ...found, path: `trail.${found.path}` })))];
  return issues.length === 0 && inner.ok ? inner : { ok: false, issues };
}
