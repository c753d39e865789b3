/**
 * The lock that keeps two `plugin-apply watch` runs from overlapping, and the atomic file its state is kept in: who
 * gets the lock, when a stale one is taken over, and that processes racing for one stale lock end with one holder.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { readFileIfAny, writeFileAtomic } from '../../src/cli/atomicFile';
import { lockOwner, releaseLock, takeLock } from '../../src/cli/fileLock';

const now = 1_764_640_000_000;
const minute = 60_000;

describe('takeLock and releaseLock', () => {
  let dir: string;
  let lock: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-lock-'));
    lock = join(dir, 'state.json.lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A lock file as another run would have left it. */
  const lockedBy = (owner: { holder?: string; pid?: number; host?: string; until: number }): void =>
    writeFileSync(lock, JSON.stringify({ holder: 'other-run', pid: process.pid, host: hostname(), since: now - minute, ...owner }));

  /** The pid of a process that has exited. */
  const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid ?? 0;

  it('takes a free lock and writes who holds it until when', () => {
    const attempt = takeLock(lock, 'run-1', now, now + 10 * minute);

    expect(attempt).toEqual({ taken: true });
    expect(lockOwner(lock)).toEqual({ holder: 'run-1', pid: process.pid, host: hostname(), since: now, until: now + 10 * minute });
    expect(statSync(lock).mode & 0o777).toBe(0o600);
  });

  it('refuses a second run while the first holds it, saying who holds it, and lets it in once released', () => {
    takeLock(lock, 'run-1', now, now + 10 * minute);

    const second = takeLock(lock, 'run-2', now + minute, now + 11 * minute);
    const released = releaseLock(lock, 'run-1');
    const third = takeLock(lock, 'run-2', now + minute, now + 11 * minute);

    expect(second).toEqual({ taken: false, owner: expect.objectContaining({ holder: 'run-1', until: now + 10 * minute }) });
    expect(released).toBe(true);
    expect(third).toEqual({ taken: true });
  });

  it('takes over a lock whose time has passed', () => {
    lockedBy({ until: now - 1 });

    expect(takeLock(lock, 'run-2', now, now + minute)).toEqual({ taken: true });
    expect(lockOwner(lock)?.holder).toBe('run-2');
  });

  it('takes over a lock whose process on this host is gone, before its time is up (a run killed with -9)', () => {
    lockedBy({ pid: deadPid(), until: now + 10 * minute });

    expect(takeLock(lock, 'run-2', now, now + minute)).toEqual({ taken: true });
  });

  it("respects a lock of a live process, and another host's lock until its time is up, whatever its pid", () => {
    lockedBy({ pid: process.ppid, until: now + minute });
    const live = takeLock(lock, 'run-2', now, now + minute);
    lockedBy({ pid: deadPid(), host: 'another-host', until: now + minute });
    const elsewhere = takeLock(lock, 'run-2', now, now + minute);

    expect(live.taken).toBe(false);
    expect(elsewhere.taken).toBe(false);
  });

  it('takes over a lock file that cannot be read (a crash between creating and writing it)', () => {
    writeFileSync(lock, '{"holder":');

    expect(takeLock(lock, 'run-2', now, now + minute)).toEqual({ taken: true });
  });

  it('leaves a lock alone when released by a run that does not hold it', () => {
    takeLock(lock, 'run-1', now, now + minute);

    expect(releaseLock(lock, 'run-2')).toBe(false);
    expect(lockOwner(lock)?.holder).toBe('run-1');
  });

  it('gives the stale lock to exactly one of eight processes racing for it, and leaves nothing else behind', async () => {
    const script = join(dir, 'fileLock.js');
    await build({
      entryPoints: [join(__dirname, '../../src/cli/fileLock.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: script,
      logLevel: 'silent',
    });
    lockedBy({ until: Date.now() - minute });
    const race = `const { takeLock } = require(${JSON.stringify(script)}); const start = ${Date.now() + 300};
      while (Date.now() < start); process.stdout.write(JSON.stringify(takeLock(${JSON.stringify(lock)}, 'racer-' + process.pid, Date.now(), Date.now() + 60000)));
      setTimeout(() => undefined, start + 1500 - Date.now());`; // a racer that exited would leave a lock the others may take over

    const attempts = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<{ taken: boolean }>((resolve, reject) => {
            execFile(process.execPath, ['-e', race], (error, stdout) => (error === null ? resolve(JSON.parse(stdout) as { taken: boolean }) : reject(error)));
          }),
      ),
    );

    expect(attempts.filter((attempt) => attempt.taken)).toHaveLength(1);
    expect(lockOwner(lock)?.holder).toMatch(/^racer-\d+$/);
    expect(readdirSync(dir).sort()).toEqual(['fileLock.js', 'state.json.lock']);
  }, 30_000);
});

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file whole, readable by its owner only, leaving no temporary file', () => {
    const file = join(dir, 'state.json');
    writeFileSync(file, 'old');

    writeFileAtomic(file, '{"new":true}\n');

    expect(readFileSync(file, 'utf8')).toBe('{"new":true}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('throws where it cannot write, leaving nothing behind', () => {
    const file = join(dir, 'missing-folder', 'state.json');

    expect(() => writeFileAtomic(file, 'x')).toThrow(/ENOENT/);
    expect(existsSync(join(dir, 'missing-folder'))).toBe(false);
  });

  it('reads a missing file as null and an existing one as its text', () => {
    writeFileSync(join(dir, 'there.json'), 'text');

    expect(readFileIfAny(join(dir, 'absent.json'))).toBeNull();
    expect(readFileIfAny(join(dir, 'there.json'))).toBe('text');
  });
});
