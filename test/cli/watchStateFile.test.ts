/** The state file `plugin-apply watch` remembers in: the watcher's store over a local file, its lock, its failures. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWatchStateFile } from '../../src/cli/watchStateFile';
import type { WatchedApplication } from '../../src/core/watchStore';
import { WatchStoreError } from '../../src/core/watchStore';

const now = 1_764_640_000_000;
const hour = 3_600_000;

/** An application the watcher told about, as the core writes it. */
const told = (appid: string, createdAt: number): WatchedApplication => ({
  _id: `app_${appid}_${createdAt / 1000}`,
  appid,
  createdAt,
  status: 1,
  told: ['new'],
  agreedBy: null,
  updatedAt: now,
});

describe('openWatchStateFile', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'watch-state-'));
    path = join(dir, '.plugin-apply-watch.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts empty where there is no file, and keeps what a run wrote for the next run', async () => {
    const first = openWatchStateFile(path);
    await first.takeLease('run-1', now, now + hour);
    const initial = await first.readState();
    await first.saveApplication(told('wx3f9a1c2b7d4e6058', now - hour));
    await first.finish('run-1', { lastRunAt: now, observedTimeout: null });

    const second = openWatchStateFile(path);
    const taken = await second.takeLease('run-2', now + hour, now + 2 * hour);

    expect(initial).toEqual({ lastRunAt: null, observedTimeout: null });
    expect(taken).toBe(true);
    expect(await second.readState()).toEqual({ lastRunAt: now, observedTimeout: null });
    expect(await second.readApplications(now - 2 * hour)).toEqual([told('wx3f9a1c2b7d4e6058', now - hour)]);
    expect(await second.readApplications(now)).toEqual([]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('writes each saved application at once, so a run that dies after telling does not tell again', async () => {
    const store = openWatchStateFile(path);
    await store.takeLease('run-1', now, now + hour);

    await store.saveApplication(told('wx3f9a1c2b7d4e6058', now - hour));

    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as { applications: Record<string, WatchedApplication> };
    expect(Object.keys(onDisk.applications)).toEqual(['app_wx3f9a1c2b7d4e6058_1764636400']);
  });

  it('refuses a second run while the first holds the lock, saying who holds it, and frees it at finish', async () => {
    const first = openWatchStateFile(path);
    const second = openWatchStateFile(path);
    await first.takeLease('run-1', now, now + hour);

    const refused = await second.takeLease('run-2', now, now + hour);
    await first.finish('run-1', { lastRunAt: now, observedTimeout: null });
    const after = await second.takeLease('run-2', now, now + hour);

    expect(refused).toBe(false);
    expect(second.heldBy()).toEqual(expect.objectContaining({ holder: 'run-1', pid: process.pid, until: now + hour }));
    expect(after).toBe(true);
  });

  it('lets go of the lock on close when the run ended without finishing', async () => {
    const store = openWatchStateFile(path);
    await store.takeLease('run-1', now, now + hour);

    store.close();

    expect(existsSync(`${path}.lock`)).toBe(false);
    expect(await openWatchStateFile(path).takeLease('run-2', now, now + hour)).toBe(true);
  });

  it('writes nothing at finish for a run whose lock another run took over after it ran out', async () => {
    const slow = openWatchStateFile(path);
    await slow.takeLease('slow', now, now + hour);
    const next = openWatchStateFile(path);
    await next.takeLease('next', now + 2 * hour, now + 3 * hour);

    await slow.finish('slow', { lastRunAt: now, observedTimeout: null });

    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.lock`)).toBe(true);
  });

  it.each([
    ['not JSON', '{"format":'],
    ['another JSON file', '{"name":"my-project","version":"1.0.0"}'],
  ])('refuses a state file that is %s, naming it and what to do, before anything is decided', async (_what, text) => {
    writeFileSync(path, text);
    const store = openWatchStateFile(path);

    const taking = store.takeLease('run-1', now, now + hour);

    await expect(taking).rejects.toThrow(WatchStoreError);
    await expect(taking).rejects.toThrow(`${path} is not a plugin-apply watch state file (or it was edited by hand): move it aside to start afresh`);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('reports a state file it cannot replace as a store error naming the file, leaving no temporary file', async () => {
    const store = openWatchStateFile(path);
    await store.takeLease('run-1', now, now + hour);
    // Root may write anywhere: a folder where the file should be fails the rename for anyone.
    mkdirSync(path);

    const saving = store.saveApplication(told('wx3f9a1c2b7d4e6058', now));

    await expect(saving).rejects.toThrow(WatchStoreError);
    await expect(saving).rejects.toThrow(new RegExp(`could not write the state file ${path.replace(/[.]/g, '\\.')} \\((EISDIR|EEXIST|ENOTEMPTY)\\)`));
    expect(readdirSync(dir).sort()).toEqual(['.plugin-apply-watch.json', '.plugin-apply-watch.json.lock']);
  });

  it('reports a missing folder as a store error when taking the lock', async () => {
    const store = openWatchStateFile(join(dir, 'no-such-folder', 'state.json'));

    await expect(store.takeLease('run-1', now, now + hour)).rejects.toThrow(/could not create the lock beside the state file .*state\.json\.lock \(ENOENT\)/);
  });
});
