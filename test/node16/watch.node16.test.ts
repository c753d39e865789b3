/**
 * The watcher's bundle on the cloud's oldest runtime, Node.js 16.13.0, which has no global fetch: a timer run reads the
 * list, keeps its records through the real SDK's `cloud.database()` (database.js beside index.js) and posts its digest
 * to the local WeCom robot through Node's own http module.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { LocalCloud } from '../../localcloud/server';
import { appidOf, startCloud } from '../contract/localCloudFixture';

const repo = join(__dirname, '../..');

function findNode16(): string | null {
  try {
    return execFileSync(process.execPath, [join(repo, 'scripts/node16.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return null;
  }
}

const node16 = process.env.SKIP_NODE16 === '1' ? null : findNode16();

// functions.node16.test.ts fails loudly when the binary is missing; this file only adds the watcher's run.
(node16 === null ? describe.skip : describe)('the watcher on Node.js 16.13.0', () => {
  let cloud: LocalCloud & { output: string[] };

  beforeAll(async () => {
    cloud = await startCloud({ functionNode: node16 ?? undefined, applications: [] });
    const now = Math.floor(cloud.now() / 1000);
    cloud.reset([
      {
        appid: appidOf(1),
        status: 1,
        nickname: '节点十六 👨‍👩‍👧',
        headimgurl: '',
        categories: [{ first: '工具', second: '效率' }],
        create_time: String(now - 60),
        apply_url: '',
        reason: '说明',
      },
    ]);
  });

  afterAll(async () => {
    await cloud.close();
  });

  it('sends its digest and remembers it, then tells nothing more', async () => {
    const first = (await cloud.invoke('watchPluginApplyList', {}, { timer: true, context: { time_limit_in_ms: 20_000 } })) as {
      ok: boolean;
      summary?: { digest: { status: string } };
    };
    const second = (await cloud.invoke('watchPluginApplyList', {}, { timer: true, context: { time_limit_in_ms: 20_000 } })) as {
      ok: boolean;
      summary?: { digest: { status: string } };
    };

    expect(first).toMatchObject({ ok: true, summary: { digest: { status: 'sent' } } });
    expect(second).toMatchObject({ ok: true, summary: { digest: { status: 'nothingToSay' } } });
    expect(
      cloud
        .robotMessages()
        .map((message) => message.content)
        .join('\n'),
    ).toContain('节点十六 👨‍👩‍👧');
    expect(cloud.output.join('\n')).not.toMatch(/\[stand-in\]/);
  });
});
