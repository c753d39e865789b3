/**
 * The CLI's decisions in the decision trail: recorded through WeChat's database HTTP API when it is told the cloud
 * environment (`--env`, PLUGIN_CLOUD_ENV), said once when it is not, a failed write said once without failing the
 * decisions; and `plugin-apply history`. In-process, against the local cloud.
 */
import type { LocalCloud } from '../../localcloud/server';
import { DatabaseAction, localAccount, startLocalCloud } from '../../localcloud/server';
import { TRAIL_COLLECTION } from '../../src/core/trailRecords';
import { runInProcess } from './runInProcess';

const XIAOLU = 'wx3f9a1c2b7d4e6058';
const QINGNING = 'wx8b2e4d6f0a1c3e57';
const TUANGOU = 'wxc51d7a9e3f2b8046';

describe('plugin-apply and the decision trail (in-process)', () => {
  let cloud: LocalCloud;
  const withCloud = (...args: string[]): string[] => [...args, '--base-url', cloud.url, '--yes'];
  const stored = (): Array<Record<string, unknown>> => cloud.database.documents(TRAIL_COLLECTION) ?? [];
  const adds = (): number => cloud.calls().filter((call) => call.action === DatabaseAction.add).length;

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, functionEnv: { PLUGIN_ADMIN_OPENIDS: localAccount.openid } });
  });
  afterAll(() => cloud.close());
  beforeEach(() => cloud.reset());

  it("records a batch in one add, in the functions' record shape, named after the host", async () => {
    // The first write meets no collection: it creates it and adds again; from then on, one add per batch.
    const first = await runInProcess(withCloud('delete', 'wxa4b6c8d0e2f41357', '--env', 'local'));
    const before = adds();
    cloud.database.clear();
    cloud.database.createCollection(TRAIL_COLLECTION);

    const run = await runInProcess(withCloud('agree', XIAOLU, QINGNING, '--env', 'local'));

    expect(first.code).toBe(0);
    expect(before).toBe(2);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('not recorded');
    expect(adds() - before).toBe(1);
    expect(stored()).toHaveLength(2);
    expect(stored()[0]).toMatchObject({
      action: 'dev_agree',
      appid: XIAOLU,
      nickname: '小鹿记账',
      reason: null,
      sent: true,
      outcome: { code: 'OK', changed: true, errCode: 0 },
      by: { openid: null, appid: null, name: expect.stringMatching(/^plugin-apply@./), rule: null },
      source: 'cli',
      requestId: null,
    });
    expect(stored()[0]?.at).toBeInstanceOf(Date);
  });

  it('takes the environment from PLUGIN_CLOUD_ENV and the name from --by, and keeps a reason that looks like code as text', async () => {
    const reason = '"}]}); db.collection("plugin_apply_decisions").remove() // 资质不全 🇨🇳';

    const run = await runInProcess(withCloud('refuse', TUANGOU, '--reason', reason, '--by', '张三', '--json'), { env: { PLUGIN_CLOUD_ENV: 'local' } });

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ trail: { recorded: true, records: 1 } });
    expect(stored()).toEqual([expect.objectContaining({ appid: TUANGOU, reason, by: { openid: null, appid: null, name: '张三', rule: null } })]);
  });

  it('says once that its decisions are not recorded when it has no environment', async () => {
    const run = await runInProcess(withCloud('agree', XIAOLU, QINGNING));

    expect(run.code).toBe(0);
    expect(run.stderr.match(/not recorded in the decision trail/g)).toHaveLength(1);
    expect(run.stderr).toContain('give --env ENV or set PLUGIN_CLOUD_ENV to record them');
    expect(stored()).toEqual([]);
  });

  it('says it in Chinese under a zh locale', async () => {
    const run = await runInProcess(withCloud('agree', XIAOLU), { env: { LANG: 'zh_CN.UTF-8' } });

    expect(run.stderr).toContain('（这些决定没有记入决定记录：用 --env ENV 或 PLUGIN_CLOUD_ENV 指明环境即可记录）\n');
  });

  it('reports a failed write once, on stderr and in --json, and the decisions stand', async () => {
    cloud.addFault({ kind: 'tcbError', code: 'DATABASE_PERMISSION_DENIED', api: 'database', times: 10 });

    const run = await runInProcess(withCloud('agree', XIAOLU, '--env', 'local', '--json'));

    expect(run.code).toBe(0);
    expect(run.stderr.match(/not recorded in the decision trail/g)).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ results: [{ ok: true }], trail: { recorded: false, errCode: -502003 } });
    expect(cloud.applications().find((item) => item.appid === XIAOLU)?.status).toBe(2);
  });

  it('shows the trail with history, newest first, of all or one applicant, as text and JSON', async () => {
    await runInProcess(withCloud('agree', XIAOLU, '--env', 'local', '--by', '李四'));
    await runInProcess(withCloud('refuse', QINGNING, '--reason', '类目不符', '--env', 'local', '--by', '张三'));

    const all = await runInProcess(['history', '--env', 'local', '--base-url', cloud.url]);
    const one = await runInProcess(['history', XIAOLU, '--env', 'local', '--base-url', cloud.url, '--json']);

    expect(all.code).toBe(0);
    expect(all.stdout.split('\n').filter((line) => /^\d{4}-/.test(line))).toEqual([
      expect.stringMatching(new RegExp(`refused\\s+${QINGNING} 青柠读书会  by 张三 \\(cli\\)  ok$`)),
      expect.stringMatching(new RegExp(`agreed\\s+${XIAOLU} 小鹿记账  by 李四 \\(cli\\)  ok$`)),
    ]);
    expect(all.stdout).toContain('    our reason: 类目不符');
    expect(JSON.parse(one.stdout)).toMatchObject({ ok: true, trail: [{ appid: XIAOLU, action: 'dev_agree', by: { name: '李四' } }] });
  });

  it('says history has nothing yet, and needs an environment', async () => {
    const empty = await runInProcess(['history', '--env', 'local', '--base-url', cloud.url]);
    const without = await runInProcess(['history', '--base-url', cloud.url]);

    expect(empty).toMatchObject({ code: 0, stdout: 'nothing recorded yet\n' });
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('set PLUGIN_CLOUD_ENV or --env');
  });

  it('says the trail could not be read, naming the environment WeChat does not know', async () => {
    const run = await runInProcess(['history', '--env', 'elsewhere', '--base-url', cloud.url]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^plugin-apply: the decision trail could not be read: databasequery: .*elsewhere/);
  });
});
