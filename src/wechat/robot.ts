/**
 * The WeCom group robot: one markdown message POSTed to its webhook. Node's own http/https modules rather than fetch,
 * because the cloud's Node.js 16 has no global fetch. Every failure is an answer, never thrown: WeCom's over-limit
 * (45009), a bad key (93000), a message too long (40058), a network failure or a timeout all leave the notices unsent.
 * The webhook key is a secret: no answer, error or log line carries it (masked as httpsPost.ts masks secrets).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { ChannelAnswer, DigestChannel } from '../core/watch';
import { maskSecrets } from './httpsPost';

/** The most of the robot's answer read: WeCom's is a line of JSON. */
export const ROBOT_MAX_ANSWER_BYTES = 64 * 1024;

/** WeCom's codes for a send that failed, by what they mean to the watcher (public reports; not in one doc page). */
export const ROBOT_ERRORS: Readonly<Record<number, { code: string; hint: string }>> = {
  45009: { code: 'ROBOT_RATE_LIMITED', hint: 'The robot takes 20 messages a minute; the notices are sent by the next run.' },
  93000: {
    code: 'ROBOT_BAD_KEY',
    hint: "The webhook key is wrong or the robot was removed: copy the webhook address again from the group's robot into PLUGIN_APPLY_WEBHOOK.",
  },
  40058: { code: 'ROBOT_MESSAGE_TOO_LONG', hint: 'WeCom found the message too long; report it, since the digest is cut to 4,096 bytes.' },
};

/** Every code a failed send can carry: WeCom's known errcodes' and this client's own. */
export const ROBOT_FAILURE_CODES = [
  ...Object.values(ROBOT_ERRORS).map((entry) => entry.code),
  'ROBOT_ERROR',
  'ROBOT_UNREACHABLE',
  'ROBOT_UNREADABLE_ANSWER',
] as const;

/** How a send ended: taken by the robot, or why not (never with the key in it). */
export type RobotAnswer = ChannelAnswer;

/** A POST of a JSON body: the HTTP status and the body's text. Tests pass their own. */
export type RobotPost = (url: string, body: string, timeoutMs: number) => Promise<{ status: number; text: string }>;

/** The robot as the watcher's digest channel: `send` resolves with how it went, never rejects. */
export type RobotClient = DigestChannel;

/** The robot at `url` (its full webhook address, key included). */
export function createRobotClient(url: string, post: RobotPost = nodePost): RobotClient {
  const key = /[?&]key=([^&#\s]+)/.exec(url)?.[1] ?? '';
  const secrets = [key, decodeURIComponentSafe(key)].filter((secret) => secret !== '');
  const masked = (text: string): string => maskSecrets(text, secrets, 300).replace(/([?&]key=)[^&#\s]*/gi, '$1***');
  return {
    async send(markdown, timeoutMs) {
      let answer: { status: number; text: string };
      try {
        answer = await post(url, JSON.stringify({ msgtype: 'markdown', markdown: { content: markdown } }), timeoutMs);
      } catch (thrown) {
        return failed(
          'ROBOT_UNREACHABLE',
          null,
          masked(thrown instanceof Error ? thrown.message : String(thrown)),
          "The notices are sent by the next run; if it persists, check that the function can reach the robot's address.",
        );
      }
      const reply = parseObject(answer.text);
      const errcode = reply?.errcode;
      if (answer.status >= 200 && answer.status < 300 && errcode === 0) return { ok: true };
      if (typeof errcode === 'number' && errcode !== 0) {
        const known = ROBOT_ERRORS[errcode];
        const errmsg = typeof reply?.errmsg === 'string' ? reply.errmsg : '';
        return failed(
          known?.code ?? 'ROBOT_ERROR',
          errcode,
          masked(errmsg),
          known?.hint ?? "Look the errcode up in WeCom's documentation; the notices are sent by the next run.",
        );
      }
      return failed(
        'ROBOT_UNREADABLE_ANSWER',
        null,
        masked(`HTTP ${answer.status}: ${answer.text.replace(/\s+/g, ' ').slice(0, 120)}`),
        'The address did not answer like a WeCom robot: check PLUGIN_APPLY_WEBHOOK.',
      );
    },
  };
}

function failed(code: string, errCode: number | null, detail: string, hint: string): RobotAnswer {
  return { ok: false, code, errCode, detail, hint };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * POSTs with Node's http or https module: a redirect is not followed (it would send the key elsewhere), the answer is
 * read up to ROBOT_MAX_ANSWER_BYTES, and the whole exchange is bounded by `timeoutMs`.
 */
export const nodePost: RobotPost = (url, body, timeoutMs) =>
  new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error('the webhook address is not a URL'));
      return;
    }
    const transport = target.protocol === 'http:' ? http : https;
    const request = transport.request(
      target,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > ROBOT_MAX_ANSWER_BYTES) {
            request.destroy(new Error(`the answer is longer than ${ROBOT_MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), Math.max(1, timeoutMs));
    request.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(`POST ${target.protocol}//${target.host}${target.pathname} failed: ${error.code ?? error.message}`));
    });
    request.end(body);
  });
