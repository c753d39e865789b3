#!/usr/bin/env node
/**
 * npm run bench — measured side by side in one run, on this machine, against the local cloud on 127.0.0.1:
 *   1. bundle sizes: each function's lean index.js (goal ≤ 500 KB), the database.js beside it, and the whole-SDK bundle;
 *   2. cold start: a fresh process loads a function and finishes one real call, for
 *        bare        `node -e 0`, the floor no function can go below;
 *        lean        our setPluginApplyStatus as deployed (lean bundle: unreachable SDK modules are stand-ins), its decision
 *                    record written to the trail included (which loads database.js, the database client, on first use);
 *        lean-off    the same with PLUGIN_APPLY_AUDIT=off, which writes no record, so lean − lean-off is the trail's cost;
 *        full        the seed function bundled with the whole SDK, as esbuild does without stand-ins;
 *        seed        a function written like the API page's example, requiring wx-server-sdk from node_modules;
 *        seed-lean   that seed function bundled lean, so lean − seed-lean is what our own code costs;
 *      goals: lean ÷ seed ≤ 0.45, lean ÷ full ≤ 0.70; our code's load on top of the loaded SDK ≤ 10 ms;
 *   3. a batch of 200 decisions with 50 ms injected latency: decisions per second against the ideal
 *      concurrency ÷ latency (goal ≥ 0.8);
 *   4. listing 1,000 applications with all: true;
 *   5. the watcher (watchPluginApplyList, as its timer runs it) over 1,000 pending applications: a first run, a run
 *      with nothing new and a run with 10 new, each with its wall time, list calls, database reads and writes and
 *      digest size; writes must follow what changed, not the queue's length.
 * Variants run interleaved, in a rotating order, so that the load of a shared machine falls on all of them alike;
 * medians are reported, with each process's CPU time beside its wall time (CPU time suffers less from the load).
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFunction, functionBundle, functionNames } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const ADMIN = 'oBenchAdmin';
const TRAIL_COLLECTION = 'plugin_apply_decisions';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;
const verdict = (ok) => (ok ? 'ok' : 'MISSED');

/** The local cloud, bundled from its TypeScript source into dist/ so plain Node can load it. */
async function loadLocalCloud() {
  const outfile = join(root, 'dist', 'bench-localcloud.cjs');
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(root, 'localcloud/server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  });
  return require(outfile);
}

// The API page's example, with the cloud environment set as DevTools' function template and the platform do
// (DYNAMIC_CURRENT_ENV): a bare cloud.init() makes the SDK warn "当前未指定env" on every call.
const SEED_FUNCTION = `
const cloud = require('wx-server-sdk')
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
exports.main = async (event, context) => {
  try {
    const result = await cloud.openapi.pluginManager.setDevPluginApplyStatus({ action: event.action, appid: event.appid })
    return result
  } catch (err) {
    return err
  }
}
`;

// Times load + call inside the process too (without Node's own start-up), and the process's CPU time.
const RUNNER = `
const started = process.hrtime.bigint();
const [indexPath, eventJson] = process.argv.slice(2);
const { main } = require(indexPath);
main(JSON.parse(eventJson), { request_id: 'bench', time_limit_in_ms: 3000 }).then((result) => {
  const inProcessMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ result, inProcessMs, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\\n');
  process.exit(0);
});
`;

/** The environment the platform gives a function, pointing the SDK at the local cloud. */
function platformEnv(cloudUrl, name) {
  return {
    PATH: process.env.PATH,
    TENCENTCLOUD_RUNENV: 'SCF',
    TENCENTCLOUD_REGION: 'ap-shanghai',
    SCF_NAMESPACE: 'local',
    TCB_ENV: 'local',
    TCB_SOURCE: 'wx_client',
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${cloudUrl}/admin/${name}` }),
    TENCENTCLOUD_SECRETID: 'bench-secret-id',
    TENCENTCLOUD_SECRETKEY: 'bench-secret-key',
    WX_OPENID: ADMIN,
    WX_APPID: 'wx0123456789abcdef',
    WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID',
    PLUGIN_ADMIN_OPENIDS: ADMIN,
    NODE_PATH: join(root, 'node_modules'),
  };
}

/** What the measured processes wrote to stderr, each distinct line once, shown after the figures. */
const stderrLines = new Map();
function collectStderr(child, label) {
  let text = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => (text += chunk));
  child.on('close', () => {
    for (const line of text.split('\n')) if (line.trim() !== '') stderrLines.set(`${label}: ${line}`, (stderrLines.get(`${label}: ${line}`) ?? 0) + 1);
  });
}

/** One fresh process that loads the function and completes one call: wall, in-process and CPU time; checks the call worked. */
function coldStart(runnerPath, indexPath, env, event, succeeded, label) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [runnerPath, indexPath, JSON.stringify(event)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    collectStderr(child, label);
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const last = out.trim().split('\n').pop() ?? '';
      let answer;
      try {
        answer = JSON.parse(last);
      } catch {
        return reject(new Error(`${indexPath} exited ${code} without a result: ${out.slice(0, 300)}`));
      }
      if (!succeeded(answer.result)) return reject(new Error(`${indexPath} did not succeed: ${last.slice(0, 300)}`));
      resolve({ wallMs: ms, inProcessMs: answer.inProcessMs, cpuMs: answer.cpuMs });
    });
  });
}

/** `node -e 0`: the wall time of a process that does nothing. */
function bareNode() {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('exit', (code) =>
      code === 0 ? resolve({ wallMs: Number(process.hrtime.bigint() - started) / 1e6 }) : reject(new Error(`node -e 0 exited ${code}`)),
    );
  });
}

async function main() {
  const { startLocalCloud } = await loadLocalCloud();
  const work = mkdtempSync(join(tmpdir(), 'bench-'));
  const runnerPath = join(work, 'runner.js');
  writeFileSync(runnerPath, RUNNER);
  mkdirSync(join(work, 'seed'));
  writeFileSync(join(work, 'seed', 'index.js'), SEED_FUNCTION);
  // The seed function bundled whole (what esbuild gives without stand-ins) and lean (as ours is).
  for (const [folder, full] of [
    ['full', true],
    ['seed-lean', false],
  ]) {
    await build({
      ...functionBundle({ full }),
      entryPoints: [join(work, 'seed', 'index.js')],
      outfile: join(work, folder, 'index.js'),
      nodePaths: [join(root, 'node_modules')],
    });
  }
  // Our functions, lean as deployed, built here so that the figures do not depend on the last `npm run build`.
  const names = functionNames();
  for (const name of names) await bundleFunction(name, join(work, 'lean', name, 'index.js'));

  // Our function with the SDK left out, to time what our code adds on top of an already loaded SDK.
  await build({
    ...functionBundle({ full: true }),
    entryPoints: [join(root, 'src/functions/setPluginApplyStatus.ts')],
    outfile: join(work, 'ours-without-sdk', 'index.js'),
    external: ['wx-server-sdk'],
  });

  const appid = 'wx00000000000000aa';
  const pending = [{ appid, status: 1, nickname: 'bench', headimgurl: '', categories: [], create_time: '1717034400', apply_url: '', reason: '' }];
  const cloud = await startLocalCloud({ port: 0, applications: pending, functionEnv: { PLUGIN_ADMIN_OPENIDS: ADMIN }, defaultOpenid: ADMIN });
  const loadBefore = loadavg()[0];
  try {
    const leanIndex = join(work, 'lean', 'setPluginApplyStatus', 'index.js');
    const sdkOk = (r) => r.errCode === 0;
    // A decision's result has no `trail` field exactly when its record was written.
    const decided = (r) => r.ok === true && r.changed === true && r.trail === undefined;
    const variants = {
      lean: { index: leanIndex, ok: decided },
      'lean-off': { index: leanIndex, ok: decided, env: { PLUGIN_APPLY_AUDIT: 'off' } },
      full: { index: join(work, 'full', 'index.js'), ok: sdkOk },
      seed: { index: join(work, 'seed', 'index.js'), ok: sdkOk },
      'seed-lean': { index: join(work, 'seed-lean', 'index.js'), ok: sdkOk },
    };
    const order = ['bare', ...Object.keys(variants)];
    const wall = Object.fromEntries(order.map((name) => [name, []]));
    const cpu = Object.fromEntries(order.map((name) => [name, []]));
    const addedPerRound = [];
    const event = { action: 'dev_agree', appid };
    const env = platformEnv(cloud.url, 'setPluginApplyStatus');
    for (let run = -2; run < RUNS; run += 1) {
      const round = {};
      // A rotating order: no variant always runs right after the same other one.
      const shift = ((run % order.length) + order.length) % order.length;
      for (const name of [...order.slice(shift), ...order.slice(0, shift)]) {
        cloud.reset(pending);
        // The collection exists, as it does after the environment's first decision: a cold start writes one record.
        cloud.database.createCollection(TRAIL_COLLECTION);
        round[name] =
          name === 'bare'
            ? await bareNode()
            : await coldStart(runnerPath, variants[name].index, { ...env, ...variants[name].env }, event, variants[name].ok, name);
      }
      if (run < 0) continue; // the first two rounds warm the disk cache
      for (const name of order) {
        wall[name].push(round[name].wallMs);
        if (round[name].cpuMs !== undefined) cpu[name].push(round[name].cpuMs);
      }
      // Paired within a round, so drift in the machine's load cancels out.
      addedPerRound.push(round.lean.inProcessMs - round['seed-lean'].inProcessMs);
    }
    const loadAfter = loadavg()[0];
    const m = Object.fromEntries(order.map((name) => [name, median(wall[name])]));
    const c = Object.fromEntries(order.filter((name) => cpu[name].length > 0).map((name) => [name, median(cpu[name])]));
    const ourLoad = [];
    for (let run = 0; run < RUNS; run += 1) ourLoad.push(await ownLoadMs(join(work, 'ours-without-sdk', 'index.js'), env));

    console.log('bundle size (goal ≤ 500 KB each)');
    for (const name of names) {
      const size = statSync(join(work, 'lean', name, 'index.js')).size;
      const beside = join(work, 'lean', name, 'database.js');
      const database = existsSync(beside) ? `  + database.js ${kb(statSync(beside).size)}, loaded on first use` : '';
      console.log(`  ${name.padEnd(26)} ${kb(size).padStart(8)}  ${verdict(size <= 500 * 1024)}${database}`);
    }
    console.log(`  ${'full (seed, whole SDK)'.padEnd(26)} ${kb(statSync(variants.full.index).size).padStart(8)}`);
    console.log(`  ${'seed-lean (seed, lean)'.padEnd(26)} ${kb(statSync(variants['seed-lean'].index).size).padStart(8)}`);

    console.log(
      `\ncold start: fresh process, load, one real call (median of ${RUNS}, interleaved; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on ${cpus().length} cores)`,
    );
    console.log(`  ${''.padEnd(10)} ${'wall'.padStart(9)} ${'CPU'.padStart(9)}`);
    for (const name of order)
      console.log(
        `  ${name.padEnd(10)} ${`${m[name].toFixed(1)} ms`.padStart(9)} ${c[name] === undefined ? '        —' : `${c[name].toFixed(1)} ms`.padStart(9)}`,
      );
    console.log('  (lean: a decision with its trail record written; lean-off: PLUGIN_APPLY_AUDIT=off, no record)');
    const ratioSeed = m.lean / m.seed;
    const ratioFull = m.lean / m.full;
    const cpuSeed = c.lean / c.seed;
    const cpuFull = c.lean / c.full;
    console.log(
      `  lean / seed   ${ratioSeed.toFixed(2)} wall ${verdict(ratioSeed <= 0.45)}, ${cpuSeed.toFixed(2)} CPU ${verdict(cpuSeed <= 0.45)}  (goal ≤ 0.45)`,
    );
    console.log(
      `  lean / full   ${ratioFull.toFixed(2)} wall ${verdict(ratioFull <= 0.7)}, ${cpuFull.toFixed(2)} CPU ${verdict(cpuFull <= 0.7)}  (goal ≤ 0.70)`,
    );
    const offSeed = m['lean-off'] / m.seed;
    const offSeedCpu = c['lean-off'] / c.seed;
    console.log(`  lean-off / seed ${offSeed.toFixed(2)} wall, ${offSeedCpu.toFixed(2)} CPU  (no trail record)`);
    console.log(
      `  lean − lean-off ${(m.lean - m['lean-off']).toFixed(1)} ms wall, ${(c.lean - c['lean-off']).toFixed(1)} ms CPU: what writing the record costs a cold start`,
    );
    console.log(`  lean − bare   ${(m.lean - m.bare).toFixed(1)} ms wall: the distance to the floor`);
    if (Math.max(loadBefore, loadAfter) > cpus().length) {
      console.log(
        `  (the machine is busy: load average above its ${cpus().length} cores, so wall times include waiting for a CPU; CPU times are the steadier figure)`,
      );
    }
    const added = median(ourLoad.map((load) => load.wallMs));
    const addedCpu = median(ourLoad.map((load) => load.cpuMs));
    const addedCall = median(addedPerRound);
    console.log(
      `  our code's load on top of the loaded SDK  ${added.toFixed(1)} ms wall ${verdict(added <= 10)}, ${addedCpu.toFixed(1)} ms CPU ${verdict(addedCpu <= 10)}  (goal ≤ 10 ms)`,
    );
    console.log(`  load + call, lean − seed-lean, paired     ${addedCall.toFixed(1)} ms  (includes validation, deadline, log line; noisy)`);

    // 3. A batch of 200 decisions at 50 ms per WeChat call, timed inside the function's process.
    const batchApps = Array.from({ length: 200 }, (_, n) => ({ ...pending[0], appid: `wx${(0x1000 + n).toString(16).padStart(16, '0')}` }));
    const { batchMs } = await timeBatchInProcess(cloud, batchApps);
    const perSecond = 200 / (batchMs / 1000);
    const ideal = 10 / 0.05;
    console.log('\nbatch of 200 decisions, 50 ms latency per call');
    console.log(`  ${batchMs.toFixed(0)} ms, ${perSecond.toFixed(0)} decisions/s; ideal ${ideal} (10 in flight ÷ 50 ms)`);
    console.log(`  ratio ${(perSecond / ideal).toFixed(2)}  (goal ≥ 0.80) ${perSecond / ideal >= 0.8 ? 'ok' : 'MISSED'}`);
    const writes = cloud.calls().filter((call) => call.api === 'database' && call.action === 'database.insertDocument').length;
    console.log(
      `  trail: ${cloud.database.documents(TRAIL_COLLECTION)?.length ?? 0} records written in ${writes} database call(s), included in the time above`,
    );

    // 4. Listing 1,000 applications.
    const thousand = Array.from({ length: 1000 }, (_, n) => ({
      ...pending[0],
      appid: `wx${(0x10000 + n).toString(16).padStart(16, '0')}`,
      status: (n % 4) + 1,
    }));
    cloud.reset(thousand);
    const listStarted = process.hrtime.bigint();
    const listed = await cloud.invoke('getPluginApplyList', { all: true }, { context: { time_limit_in_ms: 20000 } });
    const listMs = Number(process.hrtime.bigint() - listStarted) / 1e6;
    if (!listed.ok || listed.items.length !== 1000) throw new Error('list of 1000 failed');
    const pages = cloud.calls().filter((call) => call.api === 'pluginManager.getPluginDevApplyList').length;
    console.log('\nlist of 1,000 applications, all: true (one cold function call)');
    console.log(`  ${listMs.toFixed(0)} ms for ${pages} pages of 100, cold start included`);

    // 5. The watcher over 1,000 pending applications, as its timer runs it.
    await benchWatcher(cloud);

    // Nothing is hidden: anything the measured processes wrote to stderr is shown, once per distinct line.
    if (stderrLines.size > 0) {
      console.log('\nwritten to stderr by the measured processes');
      for (const [line, count] of stderrLines) console.log(`  ${count}× ${line.slice(0, 240)}`);
    }
  } finally {
    await cloud.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Database actions on the SDK's wire that read and that write (local cloud call records). */
const DB_READS = new Set(['database.getDocument', 'database.calculateDocument', 'database.listCollections']);
const DB_WRITES = new Set(['database.insertDocument', 'database.modifyDocument', 'database.removeDocument', 'database.addCollection']);

/**
 * Timer runs of watchPluginApplyList over 1,000 pending applications (all arrived within the last 90 minutes, so none
 * is due or timed out): the first, which tells of as many as one digest holds; the runs that tell the rest; one with
 * nothing new; one after 10 new ones arrive. Each is one cold function process, as the timer runs it; its figures
 * come from the local cloud's call log and robot.
 */
async function benchWatcher(cloud) {
  const WATCH = 'watchPluginApplyList';
  const minute = 60_000;
  const now = cloud.now();
  const application = (n, ageMinutes) => ({
    appid: `wx${(0x20000 + n).toString(16).padStart(16, '0')}`,
    status: 1,
    nickname: `应用${n}`,
    headimgurl: '',
    categories: [{ first: '工具', second: '效率' }],
    create_time: String(Math.floor((now - ageMinutes * minute) / 1000)),
    apply_url: '',
    reason: '想用这个插件',
  });
  const thousand = Array.from({ length: 1000 }, (_, n) => application(n, 30 + (n % 60)));
  cloud.reset(thousand);
  const rows = [];
  const runOnce = async (label) => {
    // A minute of model time between runs keeps the robot under its 20 messages a minute, and no application near
    // a reminder age: 1,000 notices take about 31 digests.
    await cloud.advanceClock(minute);
    const callsBefore = cloud.calls().length;
    const robotBefore = cloud.robotMessages().length;
    const started = process.hrtime.bigint();
    const run = await cloud.fireTrigger(WATCH);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (run.outcome !== 'ok' || run.result?.ok !== true || run.result?.ran !== true)
      throw new Error(`watcher run failed: ${JSON.stringify(run).slice(0, 1500)}`);
    const calls = cloud.calls().slice(callsBefore);
    const db = calls.filter((call) => call.api === 'database');
    const messages = cloud.robotMessages().slice(robotBefore);
    const { summary } = run.result;
    rows.push({
      label,
      wallMs,
      listCalls: calls.filter((call) => call.api === 'pluginManager.getPluginDevApplyList').length,
      reads: db.filter((call) => DB_READS.has(call.action)).length,
      writes: db.filter((call) => DB_WRITES.has(call.action)).length,
      reported: summary.writes,
      digestBytes: messages.reduce((sum, message) => sum + message.bytes, 0),
      notices: `${summary.digest.notices}${summary.digest.more > 0 ? ` (+${summary.digest.more} more)` : ''}`,
      more: summary.digest.more,
      newCount: summary.seen.new.length,
    });
  };
  await runOnce('first run, 1,000 new');
  // A digest holds what fits in 4,096 bytes; the rest are told by the next runs, one digest each.
  const catchUp = [];
  let last = rows[0];
  while (last.more > 0 && catchUp.length < 100) {
    await runOnce('catching up');
    last = rows.pop();
    catchUp.push(last);
  }
  if (catchUp.length > 0) {
    const middle = catchUp[Math.floor(catchUp.length / 2)];
    rows.push({ ...middle, label: `next ${catchUp.length} runs (median)`, wallMs: median(catchUp.map((row) => row.wallMs)) });
  }
  await runOnce('again, nothing new');
  // The list replaced with 10 more (PUT /_local/applications), the watcher's records in the database kept.
  const longer = [...cloud.applications(), ...Array.from({ length: 10 }, (_, n) => application(2000 + n, 1))];
  const put = await globalThis.fetch(`${cloud.url}/_local/applications`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ applications: longer }),
  });
  if (!put.ok) throw new Error(`PUT /_local/applications answered ${put.status}`);
  await runOnce('again, 10 new');
  console.log('\nwatcher over 1,000 pending applications (timer runs of watchPluginApplyList, each a cold process)');
  console.log(
    `  ${'run'.padEnd(24)} ${'wall'.padStart(8)} ${'list calls'.padStart(10)} ${'db reads'.padStart(8)} ${'db writes'.padStart(9)} ${'digest'.padStart(12)}  notices`,
  );
  for (const row of rows) {
    console.log(
      `  ${row.label.padEnd(24)} ${`${row.wallMs.toFixed(0)} ms`.padStart(8)} ${String(row.listCalls).padStart(10)} ${String(row.reads).padStart(8)} ${String(row.writes).padStart(9)} ${`${row.digestBytes} B`.padStart(12)}  ${row.notices}`,
    );
  }
  console.log(
    `  ${1 + catchUp.length} runs told all 1,000, one digest of at most 4,096 bytes each; a run writes one record per application it told, plus the lease and the state`,
  );
  const quiet = rows.find((row) => row.label === 'again, nothing new');
  const grown = rows.find((row) => row.label === 'again, 10 new');
  console.log(`  writes with nothing new: ${quiet.writes} (the lease and the state, whatever the queue's length) ${verdict(quiet.writes <= 2)}`);
  console.log(`  writes with 10 new: ${grown.writes} (one per application told, plus those two) ${verdict(grown.writes <= 12)}`);
}

/** In a fresh process: wx-server-sdk loaded and initialised first, then the wall and CPU time to load our function on top. */
function ownLoadMs(indexPath, env) {
  const script = `
    const cloud = require('wx-server-sdk');
    cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    require(${JSON.stringify(indexPath)});
    const cpu = process.cpuUsage(cpuBefore);
    process.stdout.write(JSON.stringify({ wallMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`load timing failed: ${out}`));
      }
    });
  });
}

/** The batch timed inside one process, so the figure is the decisions alone, not the container's cold start. */
async function timeBatchInProcess(cloud, apps) {
  cloud.reset(apps);
  cloud.database.createCollection(TRAIL_COLLECTION);
  cloud.addFault({ kind: 'delay', ms: 50, api: 'pluginManager.setDevPluginApplyStatus', times: 200 });
  const env = platformEnv(cloud.url, 'setPluginApplyStatus');
  const runner = `
    const { main } = require(${JSON.stringify(join(root, 'cloudfunctions/setPluginApplyStatus/index.js'))});
    const items = ${JSON.stringify(apps.map((item) => ({ action: 'dev_agree', appid: item.appid })))};
    const started = process.hrtime.bigint();
    main({ items }, { time_limit_in_ms: 20000 }).then((result) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      process.stderr.write(JSON.stringify({ ms, summary: result.summary, trail: result.trail }) + '\\n');
      process.exit(0);
    });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', runner], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', () => {
      try {
        const { ms, summary, trail } = JSON.parse(err.trim().split('\n').pop());
        if (summary.succeeded !== 200 || trail !== undefined) throw new Error(JSON.stringify({ summary, trail }));
        resolve({ batchMs: ms });
      } catch (error) {
        reject(new Error(`batch run failed: ${error.message} ${err.slice(0, 300)}`));
      }
    });
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
