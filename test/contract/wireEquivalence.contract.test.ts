/**
 * The lean bundles (SDK modules no function reaches replaced by stand-ins) against the whole-SDK bundles: for
 * every call the functions make, the request each sends to the local cloud — every multipart field and the
 * decoded protobuf, field by field — and the result each returns are the same.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CallRecord, Fault, LocalCloud } from '../../localcloud/server';
import { APPROVED, PENDING, PENDING_2, REFUSED, scenario, startCloud, UNKNOWN } from './localCloudFixture';

const run = promisify(execFile);
const repo = join(__dirname, '../..');
const FUNCTIONS = ['setPluginApplyStatus', 'getPluginApplyList'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

/** Builds every function into a fresh functions folder (with its config.json), lean or whole. */
async function buildFunctions(full: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), full ? 'wire-full-' : 'wire-lean-'));
  const script = `
    const { bundleFunction } = await import(${JSON.stringify(join(repo, 'scripts/build.mjs'))});
    const [dir, full, ...names] = process.argv.slice(1);
    for (const name of names) await bundleFunction(name, dir + '/' + name + '/index.js', { full: full === 'full' });
  `;
  await run(process.execPath, ['--input-type=module', '-e', script, dir, full ? 'full' : 'lean', ...FUNCTIONS], { cwd: repo });
  for (const name of FUNCTIONS) {
    for (const file of ['config.json', 'package.json']) cpSync(join(repo, 'cloudfunctions', name, file), join(dir, name, file));
  }
  return dir;
}

type Cloud = LocalCloud & { output: string[] };

/** What a call sent and how it was answered, without its arrival time. */
function sent(call: CallRecord): Partial<CallRecord> {
  return { ...call, time: undefined };
}

/** Masks what differs between any two runs: WeChat's random request id, each cloud's port, the SDK's time-based seqId. */
const maskRunFacts = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value)
      .replace(/rid: [0-9a-f]+-[0-9a-f]+/g, 'rid: *')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:*')
      .replace(/seqId=[\w-]+/g, 'seqId=*'),
  );

/** The same invocation on one cloud: its result, and every cloud call it made (in a stable order: batches run concurrently). */
async function observe(cloud: Cloud, name: FunctionName, event: unknown, faults: Fault[]): Promise<{ result: unknown; calls: unknown[] }> {
  cloud.reset(scenario());
  cloud.output.length = 0;
  for (const fault of faults) cloud.addFault(fault);
  const result = await cloud.invoke(name, event, { context: { time_limit_in_ms: 20000 } });
  const calls = cloud
    .calls()
    .filter((call) => call.transport === 'cloud')
    .map(sent)
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { result: maskRunFacts(result), calls: calls.map(maskRunFacts) };
}

let leanDir: string;
let fullDir: string;
let lean: Cloud;
let full: Cloud;

beforeAll(async () => {
  [leanDir, fullDir] = await Promise.all([buildFunctions(false), buildFunctions(true)]);
  [lean, full] = await Promise.all([startCloud({ functionsDir: leanDir }), startCloud({ functionsDir: fullDir })]);
}, 120000);

afterAll(async () => {
  await Promise.all([lean?.close(), full?.close()]);
  for (const dir of [leanDir, fullDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const DECISION = 'pluginManager.setDevPluginApplyStatus';
const LIST = 'pluginManager.getPluginDevApplyList';

describe('lean and whole-SDK bundles', () => {
  it('are what they claim: only the lean one carries stand-ins, and it is far smaller', () => {
    for (const name of FUNCTIONS) {
      const leanCode = readFileSync(join(leanDir, name, 'index.js'), 'utf8');
      const fullCode = readFileSync(join(fullDir, name, 'index.js'), 'utf8');

      expect(leanCode).toContain('is left out of this lean bundle');
      expect(fullCode).not.toContain('is left out of this lean bundle');
      expect(leanCode.length).toBeLessThan(fullCode.length / 2);
    }
  });

  it.each<[string, FunctionName, unknown, Fault[]]>([
    ['agree', 'setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, []],
    ['refuse with a reason', 'setPluginApplyStatus', { action: 'dev_refuse', appid: PENDING, reason: '类目不符合要求 / wrong category' }, []],
    ['refuse without an appid', 'setPluginApplyStatus', { action: 'dev_refuse', reason: 'r' }, []],
    ['delete', 'setPluginApplyStatus', { action: 'dev_delete', appid: REFUSED }, []],
    ['delete without an appid', 'setPluginApplyStatus', { action: 'dev_delete' }, []],
    [
      'a batch',
      'setPluginApplyStatus',
      {
        items: [
          { action: 'dev_agree', appid: PENDING },
          { action: 'dev_refuse', appid: PENDING_2, reason: '资质不全' },
          { action: 'dev_delete', appid: REFUSED },
        ],
      },
      [],
    ],
    ['an agree WeChat refuses (89240, then the status lookup)', 'setPluginApplyStatus', { action: 'dev_agree', appid: APPROVED }, []],
    ['an appid WeChat does not know (89242)', 'setPluginApplyStatus', { action: 'dev_agree', appid: UNKNOWN }, []],
    ['a busy WeChat, retried', 'setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, [{ kind: 'errcode', errcode: -1, api: DECISION, times: 1 }]],
    [
      'a cloud-side refusal (-604101)',
      'setPluginApplyStatus',
      { action: 'dev_agree', appid: PENDING },
      [{ kind: 'cloudError', errcode: -604101, api: DECISION, times: 10 }],
    ],
    ['a cloud JSON error', 'setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, [{ kind: 'tcbError', code: 'SYS_ERR', api: DECISION, times: 10 }]],
    [
      'an answer that is neither protobuf nor JSON',
      'setPluginApplyStatus',
      { action: 'dev_agree', appid: PENDING },
      [{ kind: 'malformed', api: DECISION, times: 10 }],
    ],
    ['a connection reset', 'setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, [{ kind: 'reset', api: DECISION, times: 10 }]],
    ['an HTTP 500', 'setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, [{ kind: 'http500', api: DECISION, times: 10 }]],
    ['a lost answer', 'setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, [{ kind: 'lostAnswer', api: DECISION, times: 1 }]],
    ['a list page', 'getPluginApplyList', { page: 1, num: 2 }, []],
    ['every page, filtered', 'getPluginApplyList', { all: true, num: 2, status: 'pending' }, []],
    ['a failing list call', 'getPluginApplyList', {}, [{ kind: 'errcode', errcode: 45011, api: LIST, times: 1 }]],
  ])('send the same request and return the same result: %s', async (_, name, event, faults) => {
    const fromLean = await observe(lean, name, event, faults);
    const fromFull = await observe(full, name, event, faults);

    expect(fromLean.calls.length).toBeGreaterThan(0);
    expect(fromLean.calls).toEqual(fromFull.calls);
    expect(fromLean.result).toEqual(fromFull.result);
    expect(lean.output.join('\n')).not.toContain('[stand-in]');
  });

  it('send the multipart fields and protobuf the SDK defines for a decision', async () => {
    const { calls } = await observe(lean, 'setPluginApplyStatus', { action: 'dev_agree', appid: PENDING }, []);

    const wire = (calls[0] as CallRecord).wire;
    expect(wire?.parts).toEqual([
      'action',
      'apiName',
      'requestData',
      'envName',
      'wxCloudApiToken',
      'wxCloudbaseAccesstoken',
      'tcb_sessionToken',
      'crossAuthorizationToken',
    ]);
    expect(wire?.fields).toEqual({
      action: 'wx.openApi',
      apiName: DECISION,
      envName: 'local',
      wxCloudApiToken: '',
      wxCloudbaseAccesstoken: '',
      tcb_sessionToken: '',
      crossAuthorizationToken: '',
    });
    expect(wire?.files).toEqual({ requestData: expect.objectContaining({ mimeType: 'application/octet-stream' }) });
    expect(wire?.requestData).toEqual({
      apiType: 0,
      appid: '',
      openapiData: {
        pairs: [
          { key: 'action', value: Buffer.from('"dev_agree"').toString('base64'), contenttype: '', filename: '' },
          { key: 'appid', value: Buffer.from(`"${PENDING}"`).toString('base64'), contenttype: '', filename: '' },
        ],
      },
    });
  });
});
