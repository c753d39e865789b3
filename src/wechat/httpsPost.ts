/**
 * The one HTTPS POST every request to WeChat goes through (the token fetch and the devplugin calls). It is the
 * boundary: every failure leaves it as a `WeChatApiError`, and nothing it throws carries a token or the AppSecret.
 */
import { WeChatApiError } from '../core/wechatClient';

/** How long one HTTPS request may take when the caller sets no limit. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The codes the HTTPS plumbing raises when WeChat gave no errcode of its own. `timeout` is the cloud table's "call
 * open API timeout", whose text (outcome unknown) fits exactly; `network` (HTTPS_NETWORK_ERROR), `httpStatus`
 * (HTTP_ERROR, with the status), `tooLarge` (HTTPS_RESPONSE_TOO_LARGE) and `unreadable` (UNREADABLE_ANSWER: cut short,
 * not JSON, not WeChat's shape) are this package's own, because no WeChat code says "never reached WeChat",
 * "answered by something that is not WeChat", "answered without end" or "answered, but not legibly". Every one but
 * a 4xx may follow a request WeChat applied.
 */
export const HTTPS_FAILURE_CODES = {
  timeout: -604102,
  network: -700001,
  httpStatus: -700002,
  tooLarge: -700003,
  unreadable: -700004,
  noAccessToken: -700005,
} as const;

/**
 * The most this transport reads of one answer. WeChat's largest, a dev_apply_list page of 100, is about 100 KB;
 * a broken upstream or proxy may stream without end, and reading that whole would exhaust the function's memory.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** How `httpsPostJson` reaches WeChat, and which strings must never appear in what it throws. */
export interface HttpsPostOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  secrets: readonly string[];
}

/**
 * POSTs `body` as JSON and resolves with the JSON object WeChat answered (errcode not yet checked). Timeouts,
 * network failures, HTTP statuses other than 2xx, answers past `MAX_RESPONSE_BYTES` and answers that cannot be read
 * (cut short, not a JSON object) reject with `WeChatApiError` (`HTTPS_FAILURE_CODES`), their text cleared of `secrets`.
 */
export async function httpsPostJson(url: string, body: object, options: HttpsPostOptions): Promise<Record<string, unknown>> {
  const where = `POST ${maskAccessToken(url)}`;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  timer.unref();
  let status: number | null = null;
  let text: string;
  try {
    const response = await options.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
      // WeChat never redirects these calls; following one would re-send the AppSecret or the token to whatever
      // origin the Location names, so a 3xx is answered as HTTP_ERROR with its status instead.
      redirect: 'manual',
    });
    status = response.status;
    // Read under the same timer: a server that sends headers and then stalls is as stuck as one that never answers.
    text = await readAtMost(response, MAX_RESPONSE_BYTES, controller);
  } catch (thrown) {
    if (thrown instanceof AnswerTooLarge) {
      // The status says more than the size: a 404 page that happens to be large is still a wrong address.
      if (status !== null && !isSuccess(status)) throw httpStatusError(where, status, '', options.secrets);
      throw new WeChatApiError(
        HTTPS_FAILURE_CODES.tooLarge,
        `${where}: HTTP ${status ?? '?'}, the answer is longer than ${MAX_RESPONSE_BYTES} bytes; stopped reading it`,
      );
    }
    if (timedOut) {
      throw new WeChatApiError(HTTPS_FAILURE_CODES.timeout, `${where}: no answer within ${options.timeoutMs} ms`);
    }
    // The answer began (a 2xx status came back) and then broke off: WeChat answered, only not legibly.
    if (status !== null && isSuccess(status)) {
      throw new WeChatApiError(
        HTTPS_FAILURE_CODES.unreadable,
        redact(`${where}: HTTP ${status}, the answer was cut short: ${networkCause(thrown)}`, options.secrets),
      );
    }
    throw new WeChatApiError(HTTPS_FAILURE_CODES.network, redact(`${where} failed: ${networkCause(thrown)}`, options.secrets));
  } finally {
    clearTimeout(timer);
  }
  const reply = parseJsonObject(text);
  if (!isSuccess(status)) {
    // WeChat answers its errors with status 200; a gateway that relays one under another status still means it.
    if (reply !== null && typeof reply.errcode === 'number' && reply.errcode !== 0) return reply;
    throw httpStatusError(where, status, text, options.secrets);
  }
  if (reply === null)
    throw new WeChatApiError(HTTPS_FAILURE_CODES.unreadable, `${where}: HTTP ${status}, the body is not a JSON object (cut short, or not WeChat's)`);
  return reply;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}

/** How much of an error page HTTP_ERROR quotes: enough to name the proxy or the cause. */
const EXCERPT_CHARS = 120;

/** How much of WeChat's errmsg an error carries: WeChat's are one short line; a proxy's may be a whole page. */
const ERRMSG_CHARS = 500;

/** HTTP_ERROR with the status, and the start of the body on one line: it often names the proxy or the cause. */
function httpStatusError(where: string, status: number, text: string, secrets: readonly string[]): WeChatApiError {
  const excerpt = redact(text.replace(/\s+/g, ' ').trim(), secrets, EXCERPT_CHARS);
  return new WeChatApiError(HTTPS_FAILURE_CODES.httpStatus, redact(`${where}: HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}`, secrets), status);
}

/** Thrown by `readAtMost` when an answer is longer than allowed. */
class AnswerTooLarge extends Error {}

/**
 * The body as text, read chunk by chunk and given up past `limit` bytes: the rest is never buffered, and the
 * connection is aborted so the server stops sending. A declared Content-Length past the limit is refused unread.
 */
async function readAtMost(response: Response, limit: number, controller: AbortController): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const stop = (): never => {
    controller.abort();
    throw new AnswerTooLarge();
  };
  if (declared > limit) stop();
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => undefined);
      stop();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Throws WeChat's non-zero `errcode` as a `WeChatApiError`, its `errmsg` cleared of `secrets`; no errcode is success. */
export function throwIfWeChatError(reply: Record<string, unknown>, secrets: readonly string[]): void {
  const { errcode, errmsg } = reply;
  if (errcode === undefined || errcode === 0) return;
  if (typeof errcode !== 'number' || !Number.isFinite(errcode)) {
    throw new WeChatApiError(HTTPS_FAILURE_CODES.unreadable, "the answer's errcode is not a number");
  }
  throw new WeChatApiError(errcode, redact(typeof errmsg === 'string' ? errmsg : '', secrets, ERRMSG_CHARS));
}

/** The global fetch, or the caller's; throws at construction on a runtime that has neither (Node < 18). */
export function resolveFetch(given: typeof fetch | undefined): typeof fetch {
  const found = given ?? (globalThis as { fetch?: typeof fetch }).fetch;
  if (typeof found !== 'function') {
    throw new Error('The HTTPS transport needs Node.js 18 or newer (for the global fetch); on an older runtime pass options.fetch.');
  }
  return found;
}

/** The base URL without a trailing slash, so paths can be appended. */
export function withoutTrailingSlash(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** The URL with the value of any access_token parameter replaced, fit for an error message. */
export function maskAccessToken(url: string): string {
  return url.replace(/(access_token=)[^&#\s]*/gi, '$1***');
}

/**
 * `text` with every secret (and every run of a secret's characters long enough to be part of it) masked, cut to
 * `limit` characters: the same masking for other outgoing requests' errors (the WeCom robot's key).
 */
export function maskSecrets(text: string, secrets: readonly string[], limit?: number): string {
  return redact(text, secrets, limit);
}

/** The shortest run of a secret's characters that counts as part of it: shorter runs turn up in any hex text. */
const SECRET_RUN_CHARS = 8;

/**
 * `text` with every secret, every run of SECRET_RUN_CHARS or more of a secret's characters (an echo cut mid-secret)
 * and every access_token parameter masked, then cut to `limit` characters. Masked before it is cut, so that a secret
 * across the cut cannot leave part of itself before it.
 */
function redact(text: string, secrets: readonly string[], limit = Number.POSITIVE_INFINITY): string {
  const known = secrets.filter((secret) => secret !== '');
  // Only the start can be shown: masking it and a margin of a secret's length either side is enough.
  const margin = 2 * Math.max(0, ...known.map((secret) => secret.length));
  const shown = text.length > limit + margin ? text.slice(0, limit + margin) : text;
  const whole = known.reduce((result, secret) => result.split(secret).join('***'), shown);
  const masked = maskAccessToken(maskSecretRuns(whole, known));
  return masked.length > limit ? `${masked.slice(0, limit)}…` : masked;
}

/** `text` with every run of SECRET_RUN_CHARS or more characters that occurs in one of `secrets` replaced by `***`. */
function maskSecretRuns(text: string, secrets: readonly string[]): string {
  const long = secrets.filter((secret) => secret.length >= SECRET_RUN_CHARS);
  if (long.length === 0) return text;
  let masked = '';
  for (let at = 0; at < text.length;) {
    // The longest run from here found in any secret (a substring's prefixes are substrings, so it grows one by one;
    // a run found in one secret need not be looked for again in the next).
    let run = 0;
    for (const secret of long) {
      while (at + run < text.length && secret.includes(text.slice(at, at + run + 1))) run += 1;
    }
    if (run >= SECRET_RUN_CHARS) {
      masked += '***';
      at += run;
    } else {
      masked += text[at] ?? '';
      at += 1;
    }
  }
  return masked;
}

/** A short reason for a failed fetch: the system error code when there is one (ECONNREFUSED…), else the root message. */
function networkCause(thrown: unknown): string {
  let message = String(thrown);
  for (let error: unknown = thrown, depth = 0; typeof error === 'object' && error !== null && depth < 4; depth += 1) {
    const fields = error as { code?: unknown; cause?: unknown; message?: unknown };
    if (typeof fields.code === 'string' && fields.code !== '') return fields.code;
    if (typeof fields.message === 'string') message = fields.message;
    error = fields.cause;
  }
  return message.slice(0, 200);
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
