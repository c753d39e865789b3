/**
 * The watcher's store (src/functions/watchDatabase.ts) through the real wx-server-sdk's `cloud.database()` against the
 * local cloud's database model: the lease taken by one conditional update, its state document created on first use,
 * its lapse at the holder's deadline, and the documents read back as written.
 */
import type { LocalCloud } from '../../localcloud/server';
import { startLocalCloud } from '../../localcloud/server';
import type { WatchStore } from '../../src/core/watchStore';
import { WATCH_COLLECTION } from '../../src/core/watchStore';
import type * as WatchDatabase from '../../src/functions/watchDatabase';

type WatchDatabaseModule = typeof WatchDatabase;

describe("the watcher's store in the cloud database", () => {
  let cloud: LocalCloud;
  let open: () => WatchStore;

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, applications: [] });
    Object.assign(process.env, {
      TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${cloud.url}/admin` }),
      TENCENTCLOUD_SECRETID: 'test-secret-id',
      TENCENTCLOUD_SECRETKEY: 'test-secret-key',
      TENCENTCLOUD_RUNENV: 'SCF',
      TENCENTCLOUD_REGION: 'ap-shanghai',
      TCB_ENV: 'local',
      SILENCE: 'true',
    });
    // The SDK must load after the variables above are set.
    const sdk = require('wx-server-sdk') as { init(options: object): void; database(): unknown; DYNAMIC_CURRENT_ENV: unknown };
    const { createWatchDatabase } = require('../../src/functions/watchDatabase') as WatchDatabaseModule;
    sdk.init({ env: sdk.DYNAMIC_CURRENT_ENV });
    open = () => createWatchDatabase(() => sdk.database() as never);
  });

  afterAll(async () => {
    await cloud.close();
  });

  beforeEach(() => {
    cloud.reset([]);
  });

  it('creates the collection and the state document on first use, and lets one holder take the lease', async () => {
    const store = open();

    const first = await store.takeLease('run-1', 1000, 5000);
    const second = await store.takeLease('run-2', 2000, 6000);

    expect([first, second]).toEqual([true, false]);
  });

  it('lets two stores racing for a fresh lease take it once', async () => {
    const taken = await Promise.all([open().takeLease('a', 1000, 5000), open().takeLease('b', 1000, 5000)]);

    expect(taken.filter(Boolean)).toHaveLength(1);
  });

  it("lets the lease lapse at its holder's deadline, and frees it with the state written", async () => {
    const store = open();
    await store.takeLease('crashed', 1000, 5000);

    const lapsed = await store.takeLease('next', 5001, 9000);
    await store.finish('crashed', { lastRunAt: 1, observedTimeout: null });
    const stillHeld = await store.takeLease('third', 6000, 9000);
    await store.finish('next', { lastRunAt: 8000, observedTimeout: { atMostMs: 90_000_000, atLeastMs: 86_000_000, samples: 1, lastSeenAt: 8000 } });
    const free = await store.takeLease('fourth', 8500, 9000);

    expect([lapsed, stillHeld, free]).toEqual([true, false, true]);
    expect(await store.readState()).toEqual({
      lastRunAt: 8000,
      observedTimeout: { atMostMs: 90_000_000, atLeastMs: 86_000_000, samples: 1, lastSeenAt: 8000 },
    });
  });

  it('reads back the application documents created since a time, and replaces one when saved again', async () => {
    const store = open();
    const doc = {
      _id: 'app_wx0000000000000001_1700000000',
      appid: 'wx0000000000000001',
      createdAt: 1_700_000_000_000,
      status: 1,
      told: ['new'],
      agreedBy: null,
      updatedAt: 5,
    };
    await store.saveApplication(doc);
    await store.saveApplication({ ...doc, _id: 'app_old', createdAt: 1 });
    await store.saveApplication({ ...doc, told: ['new', 'remind:12h'], updatedAt: 6 });

    const read = await store.readApplications(1_600_000_000_000);

    expect(read).toEqual([{ ...doc, told: ['new', 'remind:12h'], updatedAt: 6 }]);
    expect(cloud.database.documents(WATCH_COLLECTION)?.length).toBe(2);
  });
});
