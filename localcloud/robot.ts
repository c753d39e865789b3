/**
 * The model of a WeCom (企业微信) group robot: `POST /cgi-bin/webhook/send?key=…` with a text or markdown message,
 * checked and answered as the robot does, each message kept for `GET /_local/robot`. Limits from WeCom's robot docs:
 * text at most 2,048 bytes, markdown content at most 4,096 bytes (UTF-8), 20 messages a minute per robot.
 */

/** The one robot key the local cloud accepts; hosted functions get its full address in PLUGIN_APPLY_WEBHOOK. */
export const LOCAL_ROBOT_KEY = 'local-robot-key';

/** Where WeCom takes robot messages. */
export const ROBOT_PATH = '/cgi-bin/webhook/send';

/** The name robot posts go by in faults and call records. */
export const robotApi = 'robot';

/** The robot's answer codes the model gives (WeCom's global error codes). */
export const RobotErrcode = {
  ok: 0,
  /** The key names no robot (WeCom: "invalid webhook url"). */
  invalidKey: 93000,
  /** Content past the type's byte limit. */
  tooLong: 40058,
  /** A msgtype the robot does not take (the model takes text and markdown only). */
  invalidMessageType: 40008,
  /** The content is missing or empty. */
  emptyContent: 44004,
  /** The body is not JSON, or a field has the wrong type (WeCom's "invalid parameter"; the model's choice). */
  invalidParameter: 40035,
  /** More than 20 messages in a minute. */
  rateLimited: 45009,
} as const;

/** Byte limits of each message type's content (UTF-8). */
export const ROBOT_CONTENT_LIMITS = { text: 2048, markdown: 4096 } as const;

/** Messages a robot takes in any 60 s (a sliding minute of the model clock). */
export const ROBOT_MESSAGES_PER_MINUTE = 20;

/** What the robot answers, always HTTP 200. */
export interface RobotAnswer {
  errcode: number;
  errmsg: string;
}

/** One message the robot posted to the group. */
export interface RobotMessage {
  /** ISO time on the model clock. */
  at: string;
  msgtype: 'text' | 'markdown';
  content: string;
  /** text's mentioned_list (userids, "@all"); [] for markdown, whose mentions are `<@userid>` inside the content. */
  mentioned: string[];
  /** The content's size in UTF-8 bytes, which the limits count. */
  bytes: number;
}

/** The robot: takes posts, keeps what it posted. */
export interface Robot {
  /** Checks and records one post; `key` is the query's key (null when absent). */
  post(key: string | null, body: unknown): RobotAnswer;
  /** The messages posted, oldest first (copies). */
  messages(): RobotMessage[];
  clear(): void;
}

function fail(errcode: number, errmsg: string): RobotAnswer {
  return { errcode, errmsg };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The message a body asks for, or the answer refusing it. */
function messageOf(body: unknown): Omit<RobotMessage, 'at'> | RobotAnswer {
  if (!isObject(body)) return fail(RobotErrcode.invalidParameter, 'invalid parameter: the body must be a JSON object {"msgtype": …}');
  const msgtype = body.msgtype;
  if (msgtype !== 'text' && msgtype !== 'markdown') {
    return fail(RobotErrcode.invalidMessageType, `invalid message type ${JSON.stringify(msgtype ?? null)}: the local robot takes "text" and "markdown"`);
  }
  const part = body[msgtype];
  if (!isObject(part)) return fail(RobotErrcode.emptyContent, `empty content: "${msgtype}": {"content": "…"} is missing`);
  const content = part.content;
  if (content !== undefined && typeof content !== 'string')
    return fail(RobotErrcode.invalidParameter, `invalid parameter: ${msgtype}.content must be a string`);
  if (content === undefined || content === '') return fail(RobotErrcode.emptyContent, `empty content: ${msgtype}.content is empty`);
  const bytes = Buffer.byteLength(content, 'utf8');
  const limit = ROBOT_CONTENT_LIMITS[msgtype];
  if (bytes > limit) return fail(RobotErrcode.tooLong, `${msgtype}.content exceed max length ${limit} bytes (got ${bytes})`);
  let mentioned: string[] = [];
  if (msgtype === 'text' && part.mentioned_list !== undefined) {
    const list = part.mentioned_list;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
      return fail(RobotErrcode.invalidParameter, 'invalid parameter: text.mentioned_list must be an array of userids (or "@all")');
    }
    mentioned = [...list];
  }
  return { msgtype, content, mentioned, bytes };
}

/** Creates a robot with no messages; `now` is the model clock. */
export function createRobot(now: () => number): Robot {
  let messages: RobotMessage[] = [];
  return {
    post(key, body) {
      if (key !== LOCAL_ROBOT_KEY) {
        return fail(
          RobotErrcode.invalidKey,
          `invalid webhook url, hint: the key ${key === null ? 'is missing' : 'names no robot'}; the local robot's key is ${LOCAL_ROBOT_KEY}`,
        );
      }
      const message = messageOf(body);
      if ('errcode' in message) return message;
      const at = now();
      const lastMinute = messages.filter((sent) => Date.parse(sent.at) > at - 60_000).length;
      if (lastMinute >= ROBOT_MESSAGES_PER_MINUTE) {
        return fail(RobotErrcode.rateLimited, `api freq out of limit: a robot takes ${ROBOT_MESSAGES_PER_MINUTE} messages a minute`);
      }
      messages.push({ at: new Date(at).toISOString(), ...message });
      return fail(RobotErrcode.ok, 'ok');
    },
    messages: () => messages.map((message) => ({ ...message, mentioned: [...message.mentioned] })),
    clear() {
      messages = [];
    },
  };
}
