/**
 * One collection of the plugin environment's cloud database as a store uses it: the database client opened on first
 * use (so a cold start that touches no store never loads it: in the lean bundle it lives in database.js beside
 * index.js), the SDK's thrown errors translated into the store's own error, and a missing collection created rather
 * than reported. This module never loads the SDK itself: each store passes how to open its database.
 */

/** What a collection needs of the SDK's database: the collection by name, and creating it. */
interface CollectionDatabase {
  collection(name: string): unknown;
  createCollection(name: string): Promise<unknown>;
}

/** A store's error: the SDK's errCode (null when it gave none) and its text. */
type TranslatedError = Error & { readonly errCode: number | null };

/** The errCode of an operation on a collection that does not exist. */
export const COLLECTION_NOT_EXIST = -502005;

/** A store's collection; `D` is what the store uses of the database, `E` its error. Its members need no `this`. */
export interface CloudCollection<D extends CollectionDatabase, E extends TranslatedError> {
  /** The database client, created on the first call. */
  readonly database: () => D;
  /** The collection, from the database client. */
  readonly collection: () => ReturnType<D['collection']>;
  /** The SDK's thrown value as the store's error: its errCode and errMsg (an Error with own fields, or a bare object). */
  readonly translated: (thrown: unknown) => E;
  /** Runs `operation`, throwing only the store's error; when the collection does not exist yet, creates it and runs it once more. */
  readonly inCollection: <T>(operation: () => Promise<T>) => Promise<T>;
}

/** The collection `name` of the database `database` opens on first use, its errors translated into `StoreError`. */
export function openCollection<D extends CollectionDatabase, E extends TranslatedError>(
  name: string,
  database: () => D,
  StoreError: new (errCode: number | null, message: string) => E,
): CloudCollection<D, E> {
  let db: D | undefined;
  const opened = (): D => (db ??= database());

  const translated = (thrown: unknown): E => {
    if (thrown instanceof StoreError) return thrown;
    const fields = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as { errCode?: unknown; errMsg?: unknown; message?: unknown };
    const errCode = typeof fields.errCode === 'number' ? fields.errCode : null;
    const text = typeof fields.errMsg === 'string' ? fields.errMsg : typeof fields.message === 'string' ? fields.message : String(thrown);
    return new StoreError(errCode, text.slice(0, 500));
  };

  return {
    database: opened,
    collection: () => opened().collection(name) as ReturnType<D['collection']>,
    translated,
    inCollection: async <T>(operation: () => Promise<T>): Promise<T> => {
      try {
        return await operation();
      } catch (thrown) {
        const error = translated(thrown);
        if (error.errCode !== COLLECTION_NOT_EXIST) throw error;
        try {
          await opened().createCollection(name);
        } catch (creating) {
          // Another container may have created it meanwhile: the retry below tells.
          const code = (creating as { code?: unknown } | null)?.code;
          if (code !== 'DATABASE_COLLECTION_ALREADY_EXIST') throw translated(creating);
        }
        try {
          return await operation();
        } catch (again) {
          throw translated(again);
        }
      }
    },
  };
}
