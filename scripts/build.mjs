#!/usr/bin/env node
/**
 * Builds every cloud function: src/functions/<name>.ts → cloudfunctions/<name>/index.js, one self-contained
 * CommonJS file for Node 16 with wx-server-sdk and every dependency inlined, so the cloud installs nothing.
 * By default the bundle is lean: the SDK modules no function reaches are replaced by stand-ins that throw
 * (scripts/standins.mjs), except the database, which is built beside it as database.js and loaded on first use;
 * `--full` bundles the whole SDK into index.js instead.
 * Fails when a function's source calls an openapi API that its config.json does not grant (the cloud's -604101), or
 * when its config.json declares a timer trigger WeChat would refuse (the rules of src/core/timerTrigger.ts).
 * Also bundles the local cloud (localcloud/cli.ts → dist/localcloud.js) and the CLI when they exist, and the admin
 * mini-program's pages (scripts/buildMiniprogram.mjs).
 */
import { build } from 'esbuild';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMiniprogram } from './buildMiniprogram.mjs';
import { deferredFiles, STAND_INS, standInPlugin } from './standins.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let quiet = process.argv.includes('--quiet');
const full = process.argv.includes('--full');

/** A call `openapi.<namespace>.<method>(`; esbuild may rename the `openapi` binding to `openapi2`. */
const OPENAPI_CALL = /\bopenapi\d*\s*\.\s*([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)\s*\(/g;

/** The cloud functions: one per deployable folder in cloudfunctions/ (with its config.json), built from src/functions/<name>.ts. */
export function functionNames() {
  return readdirSync(join(root, 'cloudfunctions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, 'src/functions', `${entry.name}.ts`)))
    .map((entry) => entry.name)
    .sort();
}

/** A function's config.json, or an error message when the file is missing or malformed. */
function readConfig(name) {
  const file = join(root, 'cloudfunctions', name, 'config.json');
  if (!existsSync(file)) return { error: `${relative(root, file)} is missing: create it with {"permissions":{"openapi":[…]}}` };
  try {
    const config = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(config?.permissions?.openapi)) return { error: `${relative(root, file)} has no permissions.openapi list` };
    return { config };
  } catch (error) {
    return { error: `${relative(root, file)} is not valid JSON: ${error.message}` };
  }
}

/**
 * The trigger rules the deploy and the local cloud use (src/core/timerTrigger.ts), bundled in memory so that this
 * script checks a trigger exactly as they do rather than by a copy of the rules.
 */
async function loadTriggerRules() {
  const result = await build({
    entryPoints: [join(root, 'src/core/timerTrigger.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  return import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
}

/**
 * APIs a function's own code calls, read from a readable build of it with packages left out, so that what
 * tree shaking dropped does not count and the SDK's internals are not mistaken for calls.
 */
async function calledApis(name) {
  const result = await build({
    entryPoints: [join(root, 'src/functions', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const text = result.outputFiles[0].text;
  return new Set([...text.matchAll(OPENAPI_CALL)].map(([, namespace, method]) => `${namespace}.${method}`));
}

/** How a deployable function is bundled with the whole SDK: one CommonJS file for the cloud's Node 16+, every dependency inlined. */
export const FUNCTION_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node16',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};

/**
 * Tells esbuild that loading the error table does nothing but build its tables (esbuild cannot tell a call to
 * `spec` or `new Map` has no other effect), so a function that never builds an error, cloudbase_auth, leaves the
 * table out: the caller policy it shares with the other functions imports the table for their refusals.
 */
const errorTableIsPure = {
  name: 'error-table-is-pure',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/errorTable$/ }, async ({ path, resolveDir, kind, importer, pluginData }) => {
      if (pluginData?.errorTableIsPure) return undefined;
      const resolved = await pluginBuild.resolve(path, { resolveDir, kind, importer, pluginData: { errorTableIsPure: true } });
      return resolved.errors.length > 0 ? undefined : { path: resolved.path, sideEffects: false };
    });
  },
};

/** The esbuild options of a deployable function: lean (the default; `standIns` for tests) or with the whole SDK (`full`). */
export function functionBundle({ full: whole = false, standIns = STAND_INS } = {}) {
  return whole ? { ...FUNCTION_BUNDLE, plugins: [errorTableIsPure] } : { ...FUNCTION_BUNDLE, plugins: [errorTableIsPure, standInPlugin(standIns)] };
}

/**
 * Bundles src/functions/<name>.ts into `outfile`; lean unless `full`. A lean bundle that reaches a deferred module
 * (scripts/standins.mjs: the database) gets that module built beside it, e.g. database.js; a stale one is removed,
 * so a folder always holds exactly what its index.js may require.
 */
export async function bundleFunction(name, outfile, { full: whole = false, standIns = STAND_INS, metafile = false } = {}) {
  const result = await build({
    ...functionBundle({ full: whole, standIns }),
    entryPoints: [join(root, 'src/functions', `${name}.ts`)],
    outfile,
    metafile: true,
    banner: { js: `/* ${name}: built from src/functions/${name}.ts by npm run build${whole ? ' -- --full' : ''}. Do not edit. */` },
  });
  const reached = new Set(Object.keys(result.metafile.inputs));
  for (const [file, module] of whole ? [] : deferredFiles(standIns)) {
    const beside = join(dirname(outfile), file);
    if (reached.has(`stand-in:${module}`)) await bundleDeferred(module, beside, name);
    else rmSync(beside, { force: true });
  }
  if (whole) for (const file of deferredFiles(standIns).keys()) rmSync(join(dirname(outfile), file), { force: true });
  return metafile ? result : { ...result, metafile: undefined };
}

/** Bundles one deferred module (with its own dependencies) into the file its stand-in requires on first use. */
async function bundleDeferred(module, outfile, name) {
  await build({
    ...FUNCTION_BUNDLE,
    stdin: { contents: `module.exports = require(${JSON.stringify(module)});`, resolveDir: root, loader: 'js' },
    outfile,
    banner: { js: `/* ${name}: ${module}, required by index.js on first use; built by npm run build. Do not edit. */` },
  });
}

async function buildFunction(name, triggerRules) {
  const outfile = join(root, 'cloudfunctions', name, 'index.js');
  await bundleFunction(name, outfile, { full });
  const read = readConfig(name);
  if (read.error) return [`${name}: ${read.error}`];
  const granted = new Set(read.config.permissions.openapi);
  const problems = [];
  const trigger = triggerRules.parseTriggers(name, read.config.triggers);
  if (!trigger.ok) problems.push(`${name}: ${trigger.error}. WeChat would refuse this trigger and npm run deploy will not upload it: fix it there.`);
  for (const api of await calledApis(name)) {
    if (!granted.has(api)) {
      problems.push(
        `${name}: src/functions/${name}.ts calls openapi.${api} (directly or through what it imports), but cloudfunctions/${name}/config.json does not list "${api}" ` +
          `in permissions.openapi; the cloud would answer -604101. Add it there.`,
      );
    }
  }
  if (!quiet) {
    const beside = [...deferredFiles().keys()].filter((file) => existsSync(join(dirname(outfile), file)));
    const extra = beside.map((file) => `, ${file} ${(statSync(join(dirname(outfile), file)).size / 1024).toFixed(0)} KB`).join('');
    console.log(`built ${relative(root, outfile)} (${(statSync(outfile).size / 1024).toFixed(0)} KB${full ? ', whole SDK' : ''}${extra})`);
  }
  return problems;
}

async function buildLocalCloud() {
  const entry = join(root, 'localcloud/cli.ts');
  if (!existsSync(entry)) return;
  await build({
    entryPoints: [entry],
    outfile: join(root, 'dist/localcloud.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node16',
    packages: 'external',
    logLevel: 'warning',
  });
  // The core's result counting for the local page, as a plain script: served as it is, so the page counts as the core does.
  await build({
    entryPoints: [join(root, 'src/core/resultCounts.ts')],
    outfile: join(root, 'dist/page-core.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'pageCore',
    target: 'es2019',
    logLevel: 'warning',
  });
  if (!quiet) console.log('built dist/localcloud.js, dist/page-core.js');
}

async function buildCli() {
  const entry = join(root, 'src/cli/main.ts');
  if (!existsSync(entry)) return;
  const outfile = join(root, 'dist/plugin-apply.js');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    logLevel: 'warning',
    banner: { js: '#!/usr/bin/env node\n/* plugin-apply: built from src/cli/main.ts by npm run build. Do not edit. */' },
  });
  chmodSync(outfile, 0o755);
  if (!quiet) console.log(`built dist/plugin-apply.js (${(statSync(outfile).size / 1024).toFixed(0)} KB)`);
}

/** Builds everything; exits the process with 1 when a function lacks a permission it needs or has a malformed trigger. */
export async function buildAll(options = { quiet }) {
  quiet = options.quiet;
  const triggerRules = await loadTriggerRules();
  const problems = (await Promise.all(functionNames().map((name) => buildFunction(name, triggerRules)))).flat();
  await buildLocalCloud();
  await buildCli();
  await buildMiniprogram({ quiet });
  if (problems.length > 0) {
    for (const problem of problems) console.error(`error: ${problem}`);
    process.exit(1);
  }
}

// Run when executed (npm run build); the benchmark and tests import the bundling functions, npm start buildAll.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await buildAll();
