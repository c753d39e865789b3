import type { Application } from './applications';
import { ApplyStatus, copyApplications } from './applications';

/**
 * Time in the model of WeChat's list: pending applications time out, new ones arrive, and a seed written once stays
 * fresh. WeChat's timeout is not documented today (24 h in 2018 pages, 48 h in a later answer): the local cloud
 * assumes 24 h under npm start and lets it be set.
 */

/** Unix seconds as WeChat's `create_time` string. */
function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

/**
 * Turns every pending application whose create_time + timeout has passed into a timed-out one (status 4), in place,
 * and returns their appids. Called whenever the list is read and when the clock moves, so no read ever shows a
 * pending application past its timeout.
 */
export function timeOutLapsed(list: Application[], nowMs: number, timeoutMs: number): string[] {
  const lapsed: string[] = [];
  for (const item of list) {
    if (item.status === ApplyStatus.pending && Number(item.create_time) * 1000 + timeoutMs <= nowMs) {
      item.status = ApplyStatus.timedOut;
      lapsed.push(item.appid);
    }
  }
  return lapsed;
}

/**
 * The seed moved in time so that its newest application arrived at `nowMs` and the others keep their distance from
 * it: a seed file written once (the demo's is from 2024) still has pending applications under a timeout.
 */
export function recentSeed(seed: readonly Application[], nowMs: number): Application[] {
  const list = copyApplications(seed);
  if (list.length === 0) return list;
  const newest = Math.max(...list.map((item) => Number(item.create_time)));
  const shift = Math.floor(nowMs / 1000) - newest;
  for (const item of list) item.create_time = String(Number(item.create_time) + shift);
  return list;
}

/** An appid as WeChat writes them: wx and 16 hexadecimal digits. */
const APPID = /^wx[0-9a-f]{16}$/;

/** What `POST /_local/applications` takes: one new application, as an applicant fills the form in. */
const NEW_APPLICATION_SHAPE =
  '{"appid": "wx + 16 hex digits", "nickname": "…", "categories": [{"first": "…", "second": "…"}], "reason": "…"} (categories and reason optional)';

/**
 * A new pending application that arrives at `nowMs`, from the fields an applicant gives; throws an Error naming the
 * field that is wrong.
 */
export function newApplication(body: unknown, nowMs: number): Application {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(`body must be ${NEW_APPLICATION_SHAPE}`);
  const fields = body as Record<string, unknown>;
  const unknownKeys = Object.keys(fields).filter((key) => !['appid', 'nickname', 'categories', 'reason'].includes(key));
  if (unknownKeys.length > 0)
    throw new Error(`unknown field(s) ${unknownKeys.join(', ')}: the body is ${NEW_APPLICATION_SHAPE}; a new application is always pending and arrives now`);
  const { appid, nickname, categories = [], reason = '' } = fields;
  if (typeof appid !== 'string' || !APPID.test(appid))
    throw new Error(`appid must be "wx" and 16 hexadecimal digits (lower case), e.g. "wx0123456789abcdef"; got ${JSON.stringify(appid)}`);
  if (typeof nickname !== 'string' || nickname.trim() === '') throw new Error("nickname must be a non-empty string: the applying mini-program's name");
  if (nickname.length > 30) throw new Error('nickname must be at most 30 characters');
  if (typeof reason !== 'string') throw new Error("reason must be a string: the applicant's own statement (使用者的申请说明)");
  if (reason.length > 200) throw new Error('reason must be at most 200 characters');
  if (
    !Array.isArray(categories) ||
    !categories.every(
      (c) =>
        typeof c === 'object' &&
        c !== null &&
        typeof (c as Record<string, unknown>).first === 'string' &&
        typeof (c as Record<string, unknown>).second === 'string',
    )
  ) {
    throw new Error('categories must be an array of {"first": "…", "second": "…"}, e.g. [{"first": "工具", "second": "效率"}]');
  }
  return {
    appid,
    status: ApplyStatus.pending,
    nickname: nickname.trim(),
    headimgurl: '',
    categories: (categories as Array<{ first: string; second: string }>).map(({ first, second }) => ({ first, second })),
    create_time: unixSeconds(nowMs),
    apply_url: `https://mp.weixin.qq.com/wxopen/plugindevdoc?appid=${appid}`,
    reason,
  };
}
