import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body the local cloud reads: every real call is a few kilobytes. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** A request the local cloud refuses, answered with `status` and `{"error": message}`. */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown for a request body that cannot be used; answered as HTTP 400. */
export class BadRequest extends HttpError {
  override readonly name = 'BadRequest';
  constructor(message: string) {
    super(400, message);
  }
}

/** Thrown for a body past a limit; answered as HTTP 413 naming the limit. */
export class PayloadTooLarge extends HttpError {
  override readonly name = 'PayloadTooLarge';
  constructor(what: string) {
    super(413, `${what}; send less`);
  }
}

/** "1 MiB" for 1048576: limits as people write them. */
export function byteSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** A PayloadTooLarge when the request declares a body longer than `limitBytes`, before any of it is read. */
export function declaredTooLarge(req: IncomingMessage, limitBytes = BODY_LIMIT_BYTES): PayloadTooLarge | null {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > limitBytes
    ? new PayloadTooLarge(`body of ${declared} bytes is larger than the local cloud's limit of ${byteSize(limitBytes)}`)
    : null;
}

/**
 * Stops keeping what is left of a request body: it is read and dropped, so the answer (a 413) reaches the client
 * over an orderly connection instead of a reset, and nothing more is held in memory.
 */
export function discardRest(req: IncomingMessage): void {
  req.removeAllListeners('data');
  req.unpipe();
  req.on('data', () => undefined);
  req.resume();
}

/** Reads a whole request body; a body past `limitBytes` rejects with PayloadTooLarge. */
export function readBody(req: IncomingMessage, limitBytes = BODY_LIMIT_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = declaredTooLarge(req, limitBytes);
    if (tooLarge !== null) {
      discardRest(req);
      reject(tooLarge);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        discardRest(req);
        reject(new PayloadTooLarge(`body is larger than the local cloud's limit of ${byteSize(limitBytes)}`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The deepest nesting of arrays and objects a JSON body may have. Events are shallow; a body nested thousands
 * deep overflows the stack of whatever walks it next (the IPC to a function process does), so it is refused first.
 */
export const JSON_MAX_DEPTH = 64;

/** How deep `text` nests arrays and objects, counted without recursion (brackets inside strings do not count). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (char === '}' || char === ']') {
      depth -= 1;
    }
  }
  return deepest;
}

/** Parses a JSON body; `undefined` for an empty one, BadRequest for invalid JSON or JSON nested past JSON_MAX_DEPTH. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  if (text.trim() === '') return undefined;
  const depth = jsonDepth(text);
  if (depth > JSON_MAX_DEPTH) {
    throw new BadRequest(`body nests arrays and objects ${depth} deep; at most ${JSON_MAX_DEPTH} levels are accepted`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BadRequest(`body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A percent-encoded path segment decoded; a malformed escape is the client's mistake (400), not the server's. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequest(`the path segment "${segment}" has a malformed %-escape: write % as %25`);
  }
}

/** True for a plain JSON object. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A cloud (TCB) JSON error `{code, message, requestId}`, as the SDK's backend answers a failed call with HTTP 200. */
export function sendTcbError(res: ServerResponse, code: string, message: string): void {
  sendJson(res, 200, { code, message, requestId: `local-${Date.now().toString(36)}` });
}

/** Sends raw bytes with a content type. */
export function sendBytes(res: ServerResponse, status: number, contentType: string, body: Buffer | string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': contentType, 'content-length': bytes.length });
  res.end(bytes);
}
