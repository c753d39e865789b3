/**
 * A file replaced whole or not at all: the new content is written to a temporary file beside it, flushed to disk,
 * then renamed over it, so a reader (or the next run after a crash) sees the old content or the new, never half.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Replaces `path` with `text`, atomically on one file system; the file is readable by its owner only. */
export function writeFileAtomic(path: string, text: string): void {
  // Beside the target, so the rename stays on one file system; a unique name, so two writers never share one.
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temporary, path);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** The file's text, or null when there is no such file. */
export function readFileIfAny(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
