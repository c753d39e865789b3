import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import * as protobuf from 'protobufjs';
import { BadRequest, BODY_LIMIT_BYTES, byteSize, declaredTooLarge, discardRest, PayloadTooLarge } from './httpIo';

// Field numbers as in wx-server-sdk 4.0.2 `src/protobuf/openapi.js` (only the fields an openapi call uses).
const root = protobuf.Root.fromJSON({
  nested: {
    KeyValuePair: {
      fields: {
        key: { type: 'string', id: 1 },
        value: { type: 'bytes', id: 2 },
        contenttype: { type: 'string', id: 3 },
        filename: { type: 'string', id: 4 },
      },
    },
    OpenApiData: { fields: { pairs: { rule: 'repeated', type: 'KeyValuePair', id: 1 } } },
    CommApiData: {
      fields: {
        apiType: { type: 'int32', id: 1 },
        openapiData: { type: 'OpenApiData', id: 2 },
        appid: { type: 'string', id: 6 },
      },
    },
    CommOpenApiResp: {
      fields: {
        respData: { type: 'bytes', id: 1 },
        contentType: { type: 'string', id: 2 },
        errorCode: { type: 'int32', id: 3 },
        httpCode: { type: 'uint32', id: 4 },
        svrkitErrorCode: { type: 'int32', id: 6 },
      },
    },
  },
});
const CommApiData = root.lookupType('CommApiData');
const CommOpenApiResp = root.lookupType('CommOpenApiResp');

/** The form of a `POST /admin` request as @cloudbase/node-sdk sends it. */
export interface AdminForm {
  fields: Record<string, string>;
  files: Record<string, Buffer>;
  /** Each file part's content type and file name, as the part's headers gave them. */
  fileInfo: Record<string, { mimeType: string; filename: string | null }>;
  /** The names of all parts, fields and files, in the order they came. */
  order: string[];
}

/**
 * What one `POST /admin` form may hold. wx-server-sdk sends 8 short fields and one protobuf part of a few hundred
 * bytes; the limits leave room for that many times over, and stop a form of many large fields from filling memory.
 */
export const MULTIPART_LIMITS = { fields: 32, fieldBytes: 64 * 1024, files: 4, fileBytes: BODY_LIMIT_BYTES, parts: 36, totalBytes: BODY_LIMIT_BYTES } as const;

/**
 * Reads a multipart/form-data body; parts with a filename or octet-stream type land in `files`. A form past
 * MULTIPART_LIMITS rejects with PayloadTooLarge naming the limit, and the rest of the body is dropped unread.
 */
export function readMultipart(req: IncomingMessage): Promise<AdminForm> {
  return new Promise((resolve, reject) => {
    const limits = MULTIPART_LIMITS;
    const tooLarge = declaredTooLarge(req, limits.totalBytes);
    if (tooLarge !== null) {
      discardRest(req);
      reject(tooLarge);
      return;
    }
    const form: AdminForm = { fields: {}, files: {}, fileInfo: {}, order: [] };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { fields: limits.fields, fieldSize: limits.fieldBytes, files: limits.files, fileSize: limits.fileBytes, parts: limits.parts },
      });
    } catch (error) {
      reject(new BadRequest(error instanceof Error ? error.message : String(error)));
      return;
    }
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      discardRest(req);
      reject(error);
    };
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limits.totalBytes) fail(new PayloadTooLarge(`form is larger than the local cloud's limit of ${byteSize(limits.totalBytes)}`));
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new PayloadTooLarge(`form field "${name}" is longer than the limit of ${byteSize(limits.fieldBytes)}`));
      form.order.push(name);
      form.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      form.order.push(name);
      form.fileInfo[name] = { mimeType: info.mimeType, filename: info.filename ?? null };
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new PayloadTooLarge(`form file "${name}" is larger than the limit of ${byteSize(limits.fileBytes)}`)));
      stream.on('end', () => {
        form.files[name] = Buffer.concat(chunks);
      });
    });
    parser.on('fieldsLimit', () => fail(new PayloadTooLarge(`form has more than ${limits.fields} fields`)));
    parser.on('filesLimit', () => fail(new PayloadTooLarge(`form has more than ${limits.files} files`)));
    parser.on('partsLimit', () => fail(new PayloadTooLarge(`form has more than ${limits.parts} parts`)));
    parser.on('error', (error: unknown) => fail(new BadRequest(`malformed multipart body: ${error instanceof Error ? error.message : String(error)}`)));
    parser.on('close', () => {
      if (!failed) resolve(form);
    });
    req.pipe(parser);
  });
}

/** An openapi call's payload: the calling appid and the JSON body the pairs spell. */
export interface OpenApiPayload {
  appid: string;
  body: Record<string, unknown>;
}

/** Decodes `CommApiData`: each pair's value is the JSON text of one top-level field of the WeChat body. */
export function decodeOpenApiData(buffer: Uint8Array): OpenApiPayload {
  const message = CommApiData.toObject(CommApiData.decode(buffer), { defaults: true, bytes: Buffer }) as {
    appid: string;
    openapiData?: { pairs?: Array<{ key: string; value: Buffer }> };
  };
  const body: Record<string, unknown> = {};
  for (const pair of message.openapiData?.pairs ?? []) {
    const text = Buffer.from(pair.value).toString('utf8');
    try {
      body[pair.key] = JSON.parse(text);
    } catch {
      body[pair.key] = text;
    }
  }
  return { appid: message.appid, body };
}

/** `CommApiData` as a plain object with every field present and bytes as base64, for recording and comparing. */
export function decodeCommApiData(buffer: Uint8Array): Record<string, unknown> {
  return CommApiData.toObject(CommApiData.decode(buffer), { defaults: true, arrays: true, bytes: String }) as Record<string, unknown>;
}

/** Encodes a cloud answer: either a WeChat JSON body or a cloud-side `errorCode`. */
export function encodeOpenApiResp(answer: { json: unknown } | { errorCode: number }): Buffer {
  const message =
    'json' in answer
      ? { respData: Buffer.from(JSON.stringify(answer.json)), contentType: 'application/json', httpCode: 200 }
      : { errorCode: answer.errorCode, httpCode: 200 };
  return Buffer.from(CommOpenApiResp.encode(CommOpenApiResp.fromObject(message)).finish());
}

/** Encodes a request the way wx-server-sdk does, for tests that speak the protocol without the SDK. */
export function encodeOpenApiData(body: Readonly<Record<string, unknown>>, appid = ''): Buffer {
  const pairs = Object.entries(body).map(([key, value]) => ({ key, value: Buffer.from(JSON.stringify(value)) }));
  return Buffer.from(CommApiData.encode(CommApiData.fromObject({ apiType: 0, openapiData: { pairs }, appid })).finish());
}

/** Decodes a `CommOpenApiResp`, for tests. */
export function decodeOpenApiResp(buffer: Uint8Array): { respData: Buffer; contentType: string; errorCode: number } {
  return CommOpenApiResp.toObject(CommOpenApiResp.decode(buffer), { defaults: true, bytes: Buffer }) as {
    respData: Buffer;
    contentType: string;
    errorCode: number;
  };
}
