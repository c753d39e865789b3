/**
 * A lock file beside a state file, so that two runs of a command on one machine never overlap (two `plugin-apply
 * watch` runs from cron would tell the same notices twice). Taken by creating the file exclusively; it holds who
 * took it and until when. A lock whose time has passed, or whose process is gone from this host, is stale and is
 * taken over, by one run at a time, so that two runs breaking the same stale lock cannot both end up holding it.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { readFileIfAny } from './atomicFile';

/** What a lock file holds. */
export interface LockOwner {
  holder: string;
  pid: number;
  host: string;
  /** When it was taken and until when it holds (ms since the epoch). */
  since: number;
  until: number;
}

/** Taking the lock: taken, or held by someone else (as far as the file says). */
export type LockAttempt = { taken: true } | { taken: false; owner: LockOwner | null };

/** Whether process `pid` exists on this machine (a signal 0 probe; EPERM means it exists under another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string | null): LockOwner | null {
  if (text === null) return null;
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    const fields = [owner.pid, owner.since, owner.until];
    return typeof owner.holder === 'string' && typeof owner.host === 'string' && fields.every((field) => typeof field === 'number')
      ? (owner as LockOwner)
      : null;
  } catch {
    return null;
  }
}

/** Whether a lock file's owner no longer holds it: its time is up, or it was this host's process and that is gone. */
function isStale(owner: LockOwner | null, now: number): boolean {
  // A lock file that cannot be read was left half-written by a crash between create and write: stale.
  if (owner === null) return true;
  if (owner.until < now) return true;
  return owner.host === hostname() && owner.pid !== process.pid && !processExists(owner.pid);
}

/** Creates the lock file only if there is none; false when there is one. */
function create(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** How long breaking a stale lock may take before another run may consider the breaker itself stale. */
const BREAK_MS = 10_000;

/**
 * Takes the lock at `path` for `holder` until `until`, unless someone holds it; takes over a stale one. Throws only
 * when the file system refuses (no such folder, no permission).
 */
export function takeLock(path: string, holder: string, now: number, until: number): LockAttempt {
  const owner: LockOwner = { holder, pid: process.pid, host: hostname(), since: now, until };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (create(path, owner)) return { taken: true };
    const text = readFileIfAny(path);
    if (text === null) continue; // released meanwhile: try again
    const current = parseOwner(text);
    if (!isStale(current, now)) return { taken: false, owner: current };
    // Only one run at a time may break a stale lock: the one that creates the breaker file. Otherwise two runs that
    // both judged it stale could each delete the lock the other had just taken, and both go on.
    const breaker = `${path}.break`;
    if (!create(breaker, { ...owner, until: now + BREAK_MS })) {
      if (isStale(parseOwner(readFileIfAny(breaker)), now)) rmSync(breaker, { force: true });
      else return { taken: false, owner: current };
      continue;
    }
    try {
      // Still the lock that was judged stale (not released and taken afresh meanwhile): remove it and take it.
      if (readFileIfAny(path) === text) rmSync(path, { force: true });
      if (create(path, owner)) return { taken: true };
    } finally {
      rmSync(breaker, { force: true });
    }
    return { taken: false, owner: parseOwner(readFileIfAny(path)) };
  }
  return { taken: false, owner: parseOwner(readFileIfAny(path)) };
}

/** Releases the lock if `holder` holds it; true when it did. A lock someone else took over is left alone. */
export function releaseLock(path: string, holder: string): boolean {
  const owner = parseOwner(readFileIfAny(path));
  if (owner === null || owner.holder !== holder) return false;
  rmSync(path, { force: true });
  return true;
}

/** Who holds the lock at `path`, as far as its file says; null when there is none or it cannot be read. */
export function lockOwner(path: string): LockOwner | null {
  return parseOwner(readFileIfAny(path));
}
