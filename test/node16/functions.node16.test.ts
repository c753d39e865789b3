/**
 * The built functions on the cloud's oldest runtime, Node.js 16.13.0: each deployable index.js is loaded by that
 * binary and completes a call against the local cloud, with the real wx-server-sdk inside.
 *
 * Without the binary (offline, or not Linux x64) this fails, saying how to get it: a skipped check would let a
 * change that breaks the oldest runtime through unnoticed. SKIP_NODE16=1 skips it knowingly, with the reason printed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { APPROVED, PENDING, scenario, startCloud, statusOf } from '../contract/localCloudFixture';

const repo = join(__dirname, '../..');

/** Every deployable function: a cloudfunctions/<name>/ folder built from src/functions/<name>.ts. */
const functionNames = readdirSync(join(repo, 'cloudfunctions')).filter((name) => existsSync(join(repo, 'src/functions', `${name}.ts`)));

/** Finds (installing on first use) the Node.js 16.13.0 binary; the problem text when there is none. */
function findNode16(): { path: string } | { problem: string } {
  try {
    return { path: execFileSync(process.execPath, [join(repo, 'scripts/node16.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    return { problem: stderr.replace(/^error: /, '').trim() };
  }
}

const skip = process.env.SKIP_NODE16 === '1';
const node16 = skip ? null : findNode16();

if (skip) {
  console.warn("SKIP_NODE16=1: the built functions are not run on Node.js 16.13 (the cloud's oldest runtime) in this run.");
  describe.skip('built functions on Node.js 16.13.0', () => {
    it('are skipped (SKIP_NODE16=1)', () => undefined);
  });
} else if (node16 !== null && 'problem' in node16) {
  describe('built functions on Node.js 16.13.0', () => {
    it('need the Node.js 16.13.0 binary', () => {
      throw new Error(`No Node.js 16.13.0 to run the built functions on: ${node16.problem}`);
    });
  });
} else if (node16 !== null) {
  describe('built functions on Node.js 16.13.0', () => {
    let cloud: Awaited<ReturnType<typeof startCloud>>;

    beforeAll(async () => {
      cloud = await startCloud({ functionNode: node16.path });
    });

    afterAll(async () => {
      await cloud.close();
    });

    it('runs them on v16.13.0 itself', () => {
      expect(execFileSync(node16.path, ['--version'], { encoding: 'utf8' }).trim()).toBe('v16.13.0');
    });

    it('agrees to an application through the real SDK (setPluginApplyStatus)', async () => {
      const result = await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: PENDING });

      expect(result).toEqual({ ok: true, action: 'dev_agree', appid: PENDING, changed: true });
      expect(statusOf(cloud, PENDING)).toBe(2);
      expect(cloud.output.join('\n')).not.toMatch(/\[stand-in\]|当前未指定env/);
    });

    it("writes the decision's record through the database client in database.js, creating the collection", async () => {
      cloud.reset(scenario());

      const result = await cloud.invoke('setPluginApplyStatus', { action: 'dev_refuse', appid: PENDING, reason: '类目不符' });

      expect(result).toEqual({ ok: true, action: 'dev_refuse', appid: PENDING, changed: true });
      expect(cloud.database.documents('plugin_apply_decisions')).toEqual([
        expect.objectContaining({
          action: 'dev_refuse',
          appid: PENDING,
          reason: '类目不符',
          sent: true,
          at: expect.any(Date),
          outcome: { code: 'OK', changed: true, errCode: 0 },
        }),
      ]);
    });

    it('maps a WeChat refusal the same way (setPluginApplyStatus, 89240)', async () => {
      const result = await cloud.invoke('setPluginApplyStatus', { action: 'dev_refuse', appid: APPROVED, reason: 'r' });

      expect(result).toMatchObject({ ok: false, error: { code: 'APPLICATION_NOT_PENDING', errCode: 89240, currentStatus: 'approved' } });
    });

    it('lists applications through the real SDK (getPluginApplyList)', async () => {
      const result = (await cloud.invoke('getPluginApplyList', { num: 100 })) as { ok: boolean; items?: Array<{ appid: string }> };

      expect(result.ok).toBe(true);
      expect(result.items?.map((item) => item.appid)).toContain(APPROVED);
    });

    it('answers HTTPS mode with MISCONFIGURED naming Node.js 18, since Node 16 has no fetch', async () => {
      const result = await cloud.invoke(
        'setPluginApplyStatus',
        { action: 'dev_agree', appid: PENDING },
        { env: { PLUGIN_APPID: 'wx0123456789abcdef', PLUGIN_APPSECRET: '0123456789abcdef0123456789abcdef' } },
      );

      expect(result).toMatchObject({ ok: false, error: { code: 'MISCONFIGURED' } });
      expect(JSON.stringify(result)).toContain('Node.js 18');
    });

    it.each([
      ['an emoji of Unicode 14 next to text', '资质不全 \u{1fae0}'],
      ['an emoji of Unicode 15 alone', '\u{1fae8}'],
      ['an emoji of Unicode 16 alone', '\u{1fae9}'],
    ])('forwards a refusal reason of %s, though Node.js 16 knows only Unicode 13', async (_, reason) => {
      cloud.reset(scenario());

      const result = await cloud.invoke('setPluginApplyStatus', { action: 'dev_refuse', appid: PENDING, reason });

      expect(result).toMatchObject({ ok: true });
      expect(cloud.calls()[0]?.request).toEqual({ action: 'dev_refuse', appid: PENDING, reason });
    });

    it.each([
      ['a noncharacter', '\uffff', 'noncharacters'],
      ['private-use and unassigned code points only', '\ue000\u0378', 'no visible character'],
      ['a right-to-left override', '\u202eabc', 'text direction controls'],
    ])('refuses a reason of %s there too, sending nothing', async (_, reason, problem) => {
      cloud.reset(scenario());

      const result = await cloud.invoke('setPluginApplyStatus', { action: 'dev_refuse', appid: PENDING, reason });

      expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT', issues: [{ path: 'reason', messageEn: expect.stringContaining(problem) }] } });
      expect(cloud.calls()).toEqual([]);
    });

    it.each(functionNames)('loads %s and completes a call with an empty event', async (name) => {
      // Every deployable function, including ones added later: whatever it answers, it must load and answer.
      await expect(cloud.invoke(name, {})).resolves.toBeDefined();
    });
  });
}
