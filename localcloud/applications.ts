/** Application status codes of `dev_apply_list` (WeChat: 1 申请中, 2 申请通过, 3 已拒绝, 4 已超时; there is no 5). */
export const ApplyStatus = { pending: 1, approved: 2, refused: 3, timedOut: 4 } as const;

/** One of the four documented application statuses. */
export type ApplyStatusCode = (typeof ApplyStatus)[keyof typeof ApplyStatus];

/** One applicant category, as WeChat lists it. */
export interface Category {
  first: string;
  second: string;
}

/** One item of WeChat's `apply_list`, snake_case as on the wire. */
export interface Application {
  appid: string;
  status: ApplyStatusCode;
  nickname: string;
  headimgurl: string;
  categories: Category[];
  /** Unix seconds as a string, e.g. "1536305096". */
  create_time: string;
  apply_url: string;
  reason: string;
}

const statusCodes: readonly number[] = Object.values(ApplyStatus);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function stringField(item: Record<string, unknown>, key: string, where: string): string {
  const value = item[key];
  if (typeof value !== 'string') throw new Error(`${where}.${key} must be a string, got ${describe(value)}`);
  return value;
}

function parseCategory(value: unknown, where: string): Category {
  if (!isRecord(value)) throw new Error(`${where} must be an object {first, second}`);
  return { first: stringField(value, 'first', where), second: stringField(value, 'second', where) };
}

/** Validates one application; `where` names it in error messages. */
export function parseApplication(value: unknown, where = 'application'): Application {
  if (!isRecord(value)) throw new Error(`${where} must be an object, got ${describe(value)}`);
  const status = value.status;
  if (typeof status !== 'number' || !statusCodes.includes(status)) {
    throw new Error(`${where}.status must be 1 (pending), 2 (approved), 3 (refused) or 4 (timed out), got ${JSON.stringify(status)}`);
  }
  const createTime = stringField(value, 'create_time', where);
  if (!/^\d+$/.test(createTime)) throw new Error(`${where}.create_time must be a string of Unix seconds, e.g. "1536305096"`);
  const categories = value.categories;
  if (!Array.isArray(categories)) throw new Error(`${where}.categories must be an array of {first, second}`);
  return {
    appid: stringField(value, 'appid', where),
    status: status as ApplyStatusCode,
    nickname: stringField(value, 'nickname', where),
    headimgurl: stringField(value, 'headimgurl', where),
    categories: categories.map((category, i) => parseCategory(category, `${where}.categories[${i}]`)),
    create_time: createTime,
    apply_url: stringField(value, 'apply_url', where),
    reason: stringField(value, 'reason', where),
  };
}

/** Validates a whole application list (unique appids); throws an Error naming the first bad field. */
export function parseApplications(value: unknown, where = 'applications'): Application[] {
  if (!Array.isArray(value)) throw new Error(`${where} must be an array, got ${describe(value)}`);
  const list = value.map((item, i) => parseApplication(item, `${where}[${i}]`));
  const seen = new Set<string>();
  for (const item of list) {
    if (seen.has(item.appid)) throw new Error(`${where} lists appid ${item.appid} twice`);
    seen.add(item.appid);
  }
  return list;
}

/** A deep copy, so callers never share state with the server. */
export function copyApplications(list: readonly Application[]): Application[] {
  return list.map((item) => ({ ...item, categories: item.categories.map((c) => ({ ...c })) }));
}
