#!/usr/bin/env node
/**
 * npm run bench — measured side by side in one run, on this machine, against the local cloud on 127.0.0.1:
 *   1. bundle sizes;
 *   2. cold start: a fresh process loads a function and finishes one real call, for
 *        ours        cloudfunctions/setPluginApplyStatus/index.js (built, SDK inlined),
 *        seed        a function written like the API page's example, requiring wx-server-sdk from node_modules,
 *        sdk-bundle  that same seed function bundled exactly as ours is (the SDK's own load, bundled);
 *      ours ÷ seed is the cold-start ratio (goal ≤ 0.8); ours − sdk-bundle is what our code adds (goal ≤ 10 ms);
 *   3. a batch of 200 decisions with 50 ms injected latency: decisions per second against the ideal
 *      concurrency ÷ latency (goal ≥ 0.8);
 *   4. listing 1,000 applications with all: true.
 * Variants run interleaved so that machine noise falls on all of them alike; medians are reported.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_BUNDLE } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const ADMIN = 'oBenchAdmin';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;

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

const SEED_FUNCTION = `
const cloud = require('wx-server-sdk')
cloud.init()
exports.main = async (event, context) => {
  try {
    const result = await cloud.openapi.pluginManager.setDevPluginApplyStatus({ action: event.action, appid: event.appid })
    return result
  } catch (err) {
    return err
  }
}
`;

// Times load + call inside the process too: without Node's own start-up, the figure is steadier.
const RUNNER = `
const started = process.hrtime.bigint();
const [indexPath, eventJson] = process.argv.slice(2);
const { main } = require(indexPath);
main(JSON.parse(eventJson), { request_id: 'bench', time_limit_in_ms: 3000 }).then((result) => {
  const inProcessMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ result, inProcessMs }) + '\\n');
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

/** One fresh process that loads the function and completes one call: wall time and in-process time; checks the call worked. */
function coldStart(runnerPath, indexPath, env, event, succeeded) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [runnerPath, indexPath, JSON.stringify(event)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
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
      resolve({ wallMs: ms, inProcessMs: answer.inProcessMs });
    });
  });
}

async function main() {
  const { startLocalCloud } = await loadLocalCloud();
  const work = mkdtempSync(join(tmpdir(), 'bench-'));
  const runnerPath = join(work, 'runner.js');
  writeFileSync(runnerPath, RUNNER);
  mkdirSync(join(work, 'seed'));
  writeFileSync(join(work, 'seed', 'index.js'), SEED_FUNCTION);
  writeFileSync(join(work, 'seed', 'config.json'), JSON.stringify({ permissions: { openapi: ['pluginManager.setDevPluginApplyStatus'] } }));
  // The seed function bundled exactly as ours is: the difference between the two is our own code.
  await build({
    ...FUNCTION_BUNDLE,
    entryPoints: [join(work, 'seed', 'index.js')],
    outfile: join(work, 'sdk-bundle', 'index.js'),
    nodePaths: [join(root, 'node_modules')],
  });

  // Our function with the SDK left out, to time what our code adds on top of an already loaded SDK.
  await build({
    ...FUNCTION_BUNDLE,
    entryPoints: [join(root, 'src/functions/setPluginApplyStatus.ts')],
    outfile: join(work, 'ours-without-sdk', 'index.js'),
    external: ['wx-server-sdk'],
  });

  const appid = 'wx00000000000000aa';
  const pending = [{ appid, status: 1, nickname: 'bench', headimgurl: '', categories: [], create_time: '1717034400', apply_url: '', reason: '' }];
  const cloud = await startLocalCloud({ port: 0, applications: pending, functionEnv: { PLUGIN_ADMIN_OPENIDS: ADMIN }, defaultOpenid: ADMIN });
  try {
    const ours = join(root, 'cloudfunctions/setPluginApplyStatus/index.js');
    const variants = {
      ours: { index: ours, ok: (r) => r.ok === true && r.changed === true },
      seed: { index: join(work, 'seed', 'index.js'), ok: (r) => r.errCode === 0 },
      'sdk-bundle': { index: join(work, 'sdk-bundle', 'index.js'), ok: (r) => r.errCode === 0 },
    };
    const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
    const addedPerRound = [];
    const event = { action: 'dev_agree', appid };
    const env = platformEnv(cloud.url, 'setPluginApplyStatus');
    for (let run = -2; run < RUNS; run += 1) {
      const round = {};
      for (const [name, variant] of Object.entries(variants)) {
        cloud.reset(pending);
        round[name] = await coldStart(runnerPath, variant.index, env, event, variant.ok);
      }
      if (run < 0) continue; // the first two rounds warm the disk cache
      for (const name of Object.keys(variants)) times[name].push(round[name].wallMs);
      // Paired within a round, so drift in the machine's load cancels out.
      addedPerRound.push(round.ours.inProcessMs - round['sdk-bundle'].inProcessMs);
    }
    const m = Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
    const ourLoad = [];
    for (let run = 0; run < RUNS; run += 1) ourLoad.push(await ownLoadMs(join(work, 'ours-without-sdk', 'index.js'), env));

    console.log('bundle size');
    for (const name of ['setPluginApplyStatus', 'getPluginApplyList']) {
      console.log(`  ${name.padEnd(22)} ${kb(statSync(join(root, 'cloudfunctions', name, 'index.js')).size)}`);
    }
    console.log(`  sdk-bundle (seed, bundled) ${kb(statSync(variants['sdk-bundle'].index).size)}`);
    console.log(`\ncold start: fresh process, load, one real call (median of ${RUNS}, interleaved)`);
    for (const [name, value] of Object.entries(m)) console.log(`  ${name.padEnd(11)} ${value.toFixed(1)} ms`);
    const ratio = m.ours / m.seed;
    const added = median(ourLoad);
    const addedCall = median(addedPerRound);
    console.log(`  ratio ours / seed          ${ratio.toFixed(2)}  (goal ≤ 0.80) ${ratio <= 0.8 ? 'ok' : 'MISSED'}`);
    console.log(`  our code's load on top of the loaded SDK  ${added.toFixed(1)} ms  (goal ≤ 10 ms) ${added <= 10 ? 'ok' : 'MISSED'}`);
    console.log(`  load + call, ours − sdk-bundle, paired    ${addedCall.toFixed(1)} ms  (includes validation, deadline, log line; noisy)`);

    // 3. A batch of 200 decisions at 50 ms per WeChat call, timed inside the function's process.
    const batchApps = Array.from({ length: 200 }, (_, n) => ({ ...pending[0], appid: `wx${(0x1000 + n).toString(16).padStart(16, '0')}` }));
    const { batchMs } = await timeBatchInProcess(cloud, batchApps);
    const perSecond = 200 / (batchMs / 1000);
    const ideal = 10 / 0.05;
    console.log('\nbatch of 200 decisions, 50 ms latency per call');
    console.log(`  ${batchMs.toFixed(0)} ms, ${perSecond.toFixed(0)} decisions/s; ideal ${ideal} (10 in flight ÷ 50 ms)`);
    console.log(`  ratio ${(perSecond / ideal).toFixed(2)}  (goal ≥ 0.80) ${perSecond / ideal >= 0.8 ? 'ok' : 'MISSED'}`);

    // 4. Listing 1,000 applications.
    const thousand = Array.from({ length: 1000 }, (_, n) => ({ ...pending[0], appid: `wx${(0x10000 + n).toString(16).padStart(16, '0')}`, status: (n % 4) + 1 }));
    cloud.reset(thousand);
    const listStarted = process.hrtime.bigint();
    const listed = await cloud.invoke('getPluginApplyList', { all: true }, { context: { time_limit_in_ms: 20000 } });
    const listMs = Number(process.hrtime.bigint() - listStarted) / 1e6;
    if (!listed.ok || listed.items.length !== 1000) throw new Error('list of 1000 failed');
    const pages = cloud.calls().filter((call) => call.api === 'pluginManager.getPluginDevApplyList').length;
    console.log('\nlist of 1,000 applications, all: true (one cold function call)');
    console.log(`  ${listMs.toFixed(0)} ms for ${pages} pages of 100, cold start included`);
  } finally {
    await cloud.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** In a fresh process: wx-server-sdk loaded and initialised first, then the time to load our function on top. */
function ownLoadMs(indexPath, env) {
  const script = `
    const cloud = require('wx-server-sdk');
    cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
    const started = process.hrtime.bigint();
    require(${JSON.stringify(indexPath)});
    process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', () => (Number.isFinite(Number(out)) && out !== '' ? resolve(Number(out)) : reject(new Error(`load timing failed: ${out}`))));
  });
}

/** The batch timed inside one process, so the figure is the decisions alone, not the container's cold start. */
async function timeBatchInProcess(cloud, apps) {
  cloud.reset(apps);
  cloud.addFault({ kind: 'delay', ms: 50, api: 'pluginManager.setDevPluginApplyStatus', times: 200 });
  const env = platformEnv(cloud.url, 'setPluginApplyStatus');
  const runner = `
    const { main } = require(${JSON.stringify(join(root, 'cloudfunctions/setPluginApplyStatus/index.js'))});
    const items = ${JSON.stringify(apps.map((item) => ({ action: 'dev_agree', appid: item.appid })))};
    const started = process.hrtime.bigint();
    main({ items }, { time_limit_in_ms: 20000 }).then((result) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      process.stderr.write(JSON.stringify({ ms, summary: result.summary }) + '\\n');
      process.exit(0);
    });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', runner], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', () => {
      try {
        const { ms, summary } = JSON.parse(err.trim().split('\n').pop());
        if (summary.succeeded !== 200) throw new Error(JSON.stringify(summary));
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
