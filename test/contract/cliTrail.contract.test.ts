/**
 * The CLI's records join the trail: `plugin-apply` decides over HTTPS against the local cloud with `--env local`, and
 * getPluginApplyList (the built function, the real wx-server-sdk) shows its decisions as `lastDecision` and in the
 * trail query, in the functions' own record shape.
 */
import { hostname } from 'node:os';
import type { LocalCloud } from '../../localcloud/server';
import { localAccount, startLocalCloud } from '../../localcloud/server';
import { runInProcess } from '../cli/runInProcess';

const XIAOLU = 'wx3f9a1c2b7d4e6058';
const QINGNING = 'wx8b2e4d6f0a1c3e57';

interface Listed {
  ok: boolean;
  items: Array<{ appid: string; lastDecision?: unknown }>;
}

let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({ port: 0, functionEnv: { PLUGIN_ADMIN_OPENIDS: localAccount.openid } });
});
afterAll(() => cloud.close());
beforeEach(() => cloud.reset());

describe("the CLI's records in the trail", () => {
  it('show as lastDecision and in the trail query, refusal reason included', async () => {
    const agree = await runInProcess(['agree', XIAOLU, '--env', 'local', '--base-url', cloud.url]);
    const refuse = await runInProcess(['refuse', QINGNING, '--reason', '类目不符', '--env', 'local', '--by', '张三', '--base-url', cloud.url]);

    const listed = (await cloud.invoke('getPluginApplyList', { all: true }, { openid: localAccount.openid })) as Listed;
    const trail = (await cloud.invoke('getPluginApplyList', { trail: { appid: QINGNING } }, { openid: localAccount.openid })) as { trail: unknown[] };

    expect([agree.code, refuse.code]).toEqual([0, 0]);
    const byAppid = new Map(listed.items.map((item) => [item.appid, item.lastDecision]));
    expect(byAppid.get(XIAOLU)).toEqual({
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      action: 'dev_agree',
      reason: null,
      changed: true,
      by: { openid: null, appid: null, name: `plugin-apply@${hostname()}`, rule: null },
      requestId: null,
    });
    expect(byAppid.get(QINGNING)).toMatchObject({ action: 'dev_refuse', reason: '类目不符', by: { name: '张三' } });
    expect(trail.trail).toEqual([expect.objectContaining({ appid: QINGNING, source: 'cli', sent: true, outcome: { code: 'OK', changed: true, errCode: 0 } })]);
  });
});
