/**
 * The watcher's memory for `plugin-apply watch`: the store the watcher's core needs (src/core/watchStore.ts) kept in
 * one local JSON file, replaced atomically on each write (atomicFile.ts), with the core's lease as a lock file beside
 * it (fileLock.ts), so two cron runs never overlap and a run that died leaves neither half a file nor a lock for good.
 */
import { hostname } from 'node:os';
import { writeFileAtomic, readFileIfAny } from './atomicFile';
import type { LockOwner } from './fileLock';
import { lockOwner, releaseLock, takeLock } from './fileLock';
import type { WatchedApplication, WatchState, WatchStore } from '../core/watchStore';
import { WatchStoreError } from '../core/watchStore';

/** What the file says it is, so that another JSON file given as --state is refused rather than overwritten. */
const FORMAT = 'plugin-apply-watch/1';

/** The file's content. */
interface StateFileContent {
  format: typeof FORMAT;
  state: WatchState;
  applications: Record<string, WatchedApplication>;
}

/** The store, plus what the command needs around a run: who held the lock when it was refused, and letting go. */
export interface WatchStateFile extends WatchStore {
  readonly path: string;
  readonly lockPath: string;
  /** The lock's owner when takeLease found it held; null otherwise. */
  heldBy(): LockOwner | null;
  /** Releases the lock if this store still holds it (a run that ended without finishing). */
  close(): void;
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A failure of the file system, said with the file and what to do; WatchStoreError is what the core expects. */
function fileError(path: string, error: unknown, doing: string): WatchStoreError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new WatchStoreError(null, `could not ${doing} the state file ${path} (${code}): check that its folder exists and is writable, or pass --state FILE`);
}

function parseContent(path: string, text: string): StateFileContent {
  let content: Partial<StateFileContent> | null = null;
  try {
    content = JSON.parse(text) as Partial<StateFileContent>;
  } catch {
    // reported below
  }
  if (
    content === null ||
    typeof content !== 'object' ||
    content.format !== FORMAT ||
    typeof content.state !== 'object' ||
    typeof content.applications !== 'object' ||
    content.applications === null
  ) {
    throw new WatchStoreError(
      null,
      `${path} is not a plugin-apply watch state file (or it was edited by hand): move it aside to start afresh, and every pending application is told again, or pass --state FILE`,
    );
  }
  return content as StateFileContent;
}

/** The state file at `path` (created on the first write); nothing is read until the core asks. */
export function openWatchStateFile(path: string): WatchStateFile {
  const lockPath = `${path}.lock`;
  let content: StateFileContent | null = null;
  let holding: string | null = null;
  let refusedBy: LockOwner | null = null;

  const load = (): StateFileContent => {
    if (content !== null) return content;
    let text: string | null;
    try {
      text = readFileIfAny(path);
    } catch (error) {
      throw fileError(path, error, 'read');
    }
    content = text === null ? { format: FORMAT, state: { lastRunAt: null, observedTimeout: null }, applications: {} } : parseContent(path, text);
    return content;
  };
  const save = (next: StateFileContent): void => {
    try {
      writeFileAtomic(path, `${JSON.stringify(next)}\n`);
    } catch (error) {
      throw fileError(path, error, 'write');
    }
    content = next;
  };

  return {
    path,
    lockPath,
    heldBy: () => refusedBy,
    takeLease(holder, now, until) {
      let attempt;
      try {
        attempt = takeLock(lockPath, holder, now, until);
      } catch (error) {
        return Promise.reject(fileError(lockPath, error, 'create the lock beside'));
      }
      if (!attempt.taken) {
        refusedBy = attempt.owner ?? { holder: 'unknown', pid: 0, host: hostname(), since: 0, until: 0 };
        return Promise.resolve(false);
      }
      holding = holder;
      try {
        // Read now, so that an unusable file is found before anything is decided or sent.
        load();
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve(true);
    },
    readState: async () => copy(load().state),
    readApplications: async (since) =>
      Object.values(load().applications)
        .filter((doc) => doc.createdAt >= since)
        .map(copy),
    async saveApplication(doc) {
      const current = load();
      save({ ...current, applications: { ...current.applications, [doc._id]: copy(doc) } });
    },
    async finish(holder, state) {
      // A run that outlived its lock, which another run then took over, must not write over that run's state.
      if (holding !== holder || lockOwner(lockPath)?.holder !== holder) return;
      save({ ...load(), state: copy(state) });
      releaseLock(lockPath, holder);
      holding = null;
    },
    close() {
      if (holding !== null) releaseLock(lockPath, holding);
      holding = null;
    },
  };
}
