/**
 * The decision trail over WeChat's HTTP API for the cloud database (`POST /tcb/databaseadd`, `/tcb/databasequery`
 * with the access token), for deciders outside the cloud (the CLI): the same collection and record shape the
 * functions write. The API takes database SDK syntax as text, so every value spliced into it is JSON-encoded.
 * Failures leave as TrailStoreError, like the functions' own database adapter's.
 */
import type { AccessTokenCache } from './accessToken';
import { TOKEN_ERROR_CODES } from './accessToken';
import { DEFAULT_REQUEST_TIMEOUT_MS, httpsPostJson, resolveFetch, throwIfWeChatError, withoutTrailingSlash } from './httpsPost';
import type { TrailRecord } from '../core/trailRecords';
import { TRAIL_COLLECTION } from '../core/trailRecords';
import { TrailStoreError } from '../core/trailWriter';
import { WeChatApiError } from '../core/wechatClient';

/** The database's answer for a collection that does not exist (DATABASE_COLLECTION_NOT_EXIST). */
const COLLECTION_MISSING = -502005;

/** What the trail over HTTP needs: the cloud environment, where WeChat is, and the token cache the decisions use. */
export interface DatabaseHttpOptions {
  /** The cloud environment id holding the trail (`PLUGIN_CLOUD_ENV` / `--env`). */
  env: string;
  baseUrl: string;
  /** The AppSecret, kept out of every error text. */
  secret: string;
  tokens: AccessTokenCache;
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
}

/** The trail as the CLI reads and writes it. */
export interface HttpTrailStore {
  /** Adds records in one call; creates the collection when it is missing. */
  add(records: readonly TrailRecord[]): Promise<void>;
  /** Records, newest first, of one applicant or all. */
  find(filter: { appid?: string }, page: { skip: number; limit: number }): Promise<TrailRecord[]>;
}

const collection = `db.collection(${JSON.stringify(TRAIL_COLLECTION)})`;

/** A record as query text: `at` a database date, every other value JSON. */
function documentText(record: TrailRecord): string {
  const { at, ...rest } = record;
  return `{"at":new Date(${at.getTime()}),${JSON.stringify(rest).slice(1)}`;
}

/** A stored record from the answer's relaxed EJSON (`at` is `{"$date": …}`). */
function recordOf(text: unknown): TrailRecord {
  const parsed = JSON.parse(String(text)) as Omit<TrailRecord, 'at'> & { at: unknown };
  const date = typeof parsed.at === 'object' && parsed.at !== null ? (parsed.at as { $date?: unknown }).$date : parsed.at;
  const ms = typeof date === 'object' && date !== null ? Number((date as { $numberLong?: unknown }).$numberLong) : date;
  return { ...parsed, at: new Date(ms as string | number) };
}

/** The trail in `env`'s database, over HTTPS. */
export function createDatabaseHttpStore(options: DatabaseHttpOptions): HttpTrailStore {
  const fetchImpl = resolveFetch(options.fetch);
  const baseUrl = withoutTrailingSlash(options.baseUrl);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  async function once(endpoint: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const token = await options.tokens.get();
    const secrets = [token, options.secret];
    try {
      const reply = await httpsPostJson(
        `${baseUrl}/tcb/${endpoint}?access_token=${encodeURIComponent(token)}`,
        { env: options.env, ...body },
        { fetch: fetchImpl, timeoutMs, secrets },
      );
      throwIfWeChatError(reply, secrets);
      return reply;
    } catch (thrown) {
      if (thrown instanceof WeChatApiError && TOKEN_ERROR_CODES.has(thrown.errCode)) options.tokens.invalidate(token);
      throw thrown;
    }
  }

  /** One call, sent again once with a fresh token when WeChat refused the token; failures as TrailStoreError. */
  async function call(endpoint: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      try {
        return await once(endpoint, body);
      } catch (thrown) {
        if (!(thrown instanceof WeChatApiError && TOKEN_ERROR_CODES.has(thrown.errCode))) throw thrown;
        return await once(endpoint, body);
      }
    } catch (thrown) {
      if (thrown instanceof WeChatApiError) throw new TrailStoreError(thrown.errCode, `${endpoint}: ${thrown.errMsg}`);
      throw new TrailStoreError(null, `${endpoint}: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    }
  }

  return {
    async add(records) {
      if (records.length === 0) return;
      const query = `${collection}.add({data: [${records.map(documentText).join(',')}]})`;
      try {
        await call('databaseadd', { query });
      } catch (thrown) {
        if (!(thrown instanceof TrailStoreError && thrown.errCode === COLLECTION_MISSING)) throw thrown;
        await call('databasecollectionadd', { collection_name: TRAIL_COLLECTION });
        await call('databaseadd', { query });
      }
    },
    async find(filter, page) {
      const where = filter.appid === undefined ? '' : `.where({"appid":${JSON.stringify(filter.appid)}})`;
      const query = `${collection}${where}.orderBy("at","desc").skip(${page.skip}).limit(${page.limit}).get()`;
      let reply: Record<string, unknown>;
      try {
        reply = await call('databasequery', { query });
      } catch (thrown) {
        // Before anything was recorded, the trail is simply empty.
        if (thrown instanceof TrailStoreError && thrown.errCode === COLLECTION_MISSING) return [];
        throw thrown;
      }
      if (!Array.isArray(reply.data)) throw new TrailStoreError(null, 'databasequery: the answer has no data');
      try {
        return reply.data.map(recordOf);
      } catch {
        throw new TrailStoreError(null, 'databasequery: a record in the answer is not JSON');
      }
    },
  };
}
