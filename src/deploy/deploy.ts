/**
 * `npm run deploy`: builds the functions (with the permission check), then uploads every function folder under
 * cloudfunctions/ to a cloud environment with miniprogram-ci, as it is (nothing installed in the cloud), then the
 * function's timer trigger when its config.json has one, one progress line per step and a summary. cloudbase_auth goes up only when asked for by name, since it replaces
 * the environment's own. Its dependencies (the build, miniprogram-ci, output) are passed in.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { MiniprogramCi, TriggerConfig } from './miniprogramCi';
import { explainUploadError, TRIGGER_CREATED } from './miniprogramCi';
import type { DeployOptions } from './options';
import { HELP, KEY_PAGE, KEY_VARIABLE, parseDeployCommand, PROJECT_TYPES } from './options';
import type { PlannedFunction } from './plan';
import { describeFunction, describeTrigger, discoverFunctions, formatBytes, leftOutLine, planFunction, selectFunctions } from './plan';

/** 0: every function uploaded (or a dry run); 1: the build or an upload failed; 2: usage or configuration error. */
export const DEPLOY_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** One of the exit codes. */
export type DeployExitCode = (typeof DEPLOY_EXIT)[keyof typeof DEPLOY_EXIT];

/** What a deploy needs from the world; tests pass a recording stand-in of miniprogram-ci and their own build. */
export interface DeployDeps {
  /** The project root (holds cloudfunctions/). */
  root: string;
  env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  err(line: string): void;
  /** Runs the build with its permission check; `output` is what it printed, shown when it fails. */
  build(): Promise<{ ok: boolean; output: string }>;
  /** Gets miniprogram-ci ready (fetching it on first use), saying what it does through `say`. */
  loadCi(say: (line: string) => void): Promise<MiniprogramCi>;
}

/** The upload key, checked without any network call: present, readable, a private key. */
type KeyCheck = { ok: true; path: string; text: string } | { ok: false; problem: string };

function checkKey(env: Readonly<Record<string, string | undefined>>): KeyCheck {
  const path = env[KEY_VARIABLE]?.trim();
  if (!path) {
    return {
      ok: false,
      problem: `no upload key: set ${KEY_VARIABLE} to the path of the appid's code-upload key (generate it at ${KEY_PAGE}). Nothing was uploaded. --dry-run needs no key.`,
    };
  }
  let text: string;
  try {
    if (!statSync(path).isFile()) return { ok: false, problem: `${KEY_VARIABLE}=${path} is not a file: point it at the downloaded private.<appid>.key.` };
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      ok: false,
      problem: `${KEY_VARIABLE}=${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): point it at the downloaded private.<appid>.key.`,
    };
  }
  try {
    createPrivateKey(text);
  } catch {
    // Node's message may quote what it failed to parse, so it is not shown.
    return { ok: false, problem: `${KEY_VARIABLE}=${path} is not a PEM private key: use the file downloaded from ${KEY_PAGE} as it is.` };
  }
  return { ok: true, path, text };
}

/** Removes anything of the key's content from text that is about to be printed. */
function withoutKey(text: string, keyText: string): string {
  const secrets = keyText
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith('-----'));
  let clean = text;
  for (const secret of secrets) clean = clean.split(secret).join('[key]');
  return clean;
}

/**
 * Runs `fn` with the console (where miniprogram-ci logs a dozen lines per upload) sent to `sink` instead, so
 * that our one progress line per function stays readable; --verbose shows them.
 */
async function withConsoleTo<T>(sink: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const methods = ['log', 'info', 'debug', 'warn', 'error'] as const;
  const saved = methods.map((method) => console[method]);
  for (const method of methods) console[method] = (...args: unknown[]) => sink(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' '));
  try {
    return await fn();
  } finally {
    methods.forEach((method, index) => (console[method] = saved[index] as (typeof console)[typeof method]));
  }
}

function dryRun(options: DeployOptions, functions: PlannedFunction[], leftOut: readonly string[], deps: DeployDeps): DeployExitCode {
  deps.out('dry run: nothing is uploaded and no key is needed.');
  deps.out(`target: env ${options.env} · appid ${options.appid} · type ${options.type} (${PROJECT_TYPES[options.type]})`);
  for (const fn of functions) for (const line of describeFunction(fn, deps.root)) deps.out(line);
  for (const name of leftOut) deps.out(leftOutLine(name));
  const total = functions.reduce((sum, fn) => sum + fn.files.reduce((bytes, file) => bytes + file.bytes, 0), 0);
  deps.out(`${functions.length} function${functions.length === 1 ? '' : 's'}, ${formatBytes(total)}, uploaded as they are (no cloud-side npm install).`);
  for (const line of nextSteps(functions.map((fn) => fn.name))) deps.out(line);
  return DEPLOY_EXIT.ok;
}

/** What to do after a dry run, before the first real deploy: what miniprogram-ci cannot do, and the key. */
function nextSteps(names: readonly string[]): string[] {
  return [
    'next, before the first deploy:',
    `  1. create ${names.join(', ')} in the cloud console on Node.js 16.13 or newer (云开发控制台 → 云函数 → 新建):`,
    '     a function miniprogram-ci creates runs Node.js 8.9, where these cannot run, and its runtime cannot be changed.',
    "  2. set each function's environment variables (云函数 → the function → 配置 → 环境变量): PLUGIN_ADMIN_OPENIDS,",
    '     the same on every function; PLUGIN_APPID and PLUGIN_APPSECRET only to call WeChat over HTTPS.',
    `  3. set ${KEY_VARIABLE} to the code-upload key (${KEY_PAGE}), then run this command without --dry-run.`,
  ];
}

/** Runs `npm run deploy` with these arguments; resolves with the exit code and never throws. */
export async function deploy(argv: readonly string[], deps: DeployDeps): Promise<DeployExitCode> {
  const command = parseDeployCommand(argv, deps.env);
  if (command.kind === 'help') {
    deps.out(HELP);
    return DEPLOY_EXIT.ok;
  }
  if (command.kind === 'fetchOnly') {
    try {
      await withConsoleTo(
        () => undefined,
        () => deps.loadCi(deps.out),
      );
      deps.out('miniprogram-ci is ready.');
      return DEPLOY_EXIT.ok;
    } catch (error) {
      deps.err(`error: ${(error as Error).message}`);
      return DEPLOY_EXIT.failed;
    }
  }
  if (command.kind === 'usage') {
    for (const problem of command.problems) deps.err(`error: ${problem}`);
    deps.err('Run npm run deploy -- --help for usage.');
    return DEPLOY_EXIT.usage;
  }
  const { options } = command;

  // The key is checked before anything else happens, so a missing key never costs a build or a network call.
  let key: { path: string; text: string } | undefined;
  if (!options.dryRun) {
    const checked = checkKey(deps.env);
    if (!checked.ok) {
      deps.err(`error: ${checked.problem}`);
      return DEPLOY_EXIT.usage;
    }
    key = checked;
  }

  const functionsRoot = join(deps.root, 'cloudfunctions');
  const selected = selectFunctions(discoverFunctions(functionsRoot), options.only, options.optedIn);
  if ('problems' in selected) {
    for (const problem of selected.problems) deps.err(`error: ${problem}`);
    return DEPLOY_EXIT.usage;
  }

  deps.out('building (with the permission check)…');
  const built = await deps.build();
  if (!built.ok) {
    if (built.output.trim() !== '') deps.err(built.output.trimEnd());
    deps.err('error: the build failed, so nothing was uploaded. Fix what it says above, then deploy again.');
    return DEPLOY_EXIT.failed;
  }

  let functions: PlannedFunction[];
  try {
    functions = selected.names.map((name) => planFunction(functionsRoot, name));
  } catch (error) {
    deps.err(`error: ${(error as Error).message}`);
    return DEPLOY_EXIT.failed;
  }

  if (options.dryRun || key === undefined) return dryRun(options, functions, selected.leftOut, deps);
  return upload(options, functions, selected.leftOut, key, deps);
}

async function upload(
  options: DeployOptions,
  functions: PlannedFunction[],
  leftOut: readonly string[],
  key: { path: string; text: string },
  deps: DeployDeps,
): Promise<DeployExitCode> {
  const ciLog: string[] = [];
  const sink = (line: string): void => {
    const clean = withoutKey(line, key.text);
    ciLog.push(clean);
    if (options.verbose) deps.err(`  [miniprogram-ci] ${clean}`);
  };
  const target = { env: options.env, appid: options.appid, type: PROJECT_TYPES[options.type] };
  deps.out(`deploying ${functions.map((fn) => fn.name).join(', ')} to env ${options.env} as ${options.appid} (${options.type})`);
  for (const name of leftOut) deps.out(leftOutLine(name));

  let ci: MiniprogramCi;
  try {
    ci = await withConsoleTo(sink, () => deps.loadCi(deps.out));
  } catch (error) {
    // Fetching is npm's business, not WeChat's: its own message says what went wrong.
    deps.err(`error: ${(error as Error).message}`);
    return DEPLOY_EXIT.failed;
  }
  let project: object;
  try {
    project = await withConsoleTo(
      sink,
      async () =>
        new ci.Project({
          appid: options.appid,
          type: target.type,
          // The functions' own root, not the repository: miniprogram-ci lists every file under projectPath.
          projectPath: join(deps.root, 'cloudfunctions'),
          privateKeyPath: key.path,
          ignores: ['node_modules/**/*'],
        }),
    );
  } catch (error) {
    deps.err(`error: ${withoutKey(explainUploadError(error, target).line, key.text)}`);
    return DEPLOY_EXIT.failed;
  }

  const outcomes: Array<'uploaded' | 'failed' | 'skipped'> = [];
  /** One entry per trigger tried: whether it was created. */
  const triggerOutcomes: boolean[] = [];
  let stopReason: string | undefined;
  let created = 0;
  for (const [index, fn] of functions.entries()) {
    const label = `[${index + 1}/${functions.length}] ${fn.name}`;
    if (stopReason !== undefined) {
      deps.out(`${label}: not attempted (${stopReason})`);
      outcomes.push('skipped');
      continue;
    }
    deps.out(`${label}: uploading ${fn.files.length} files…`);
    const started = Date.now();
    ciLog.length = 0;
    try {
      const result = await withConsoleTo(sink, () =>
        ci.cloud.uploadFunction({ project, env: options.env, name: fn.name, path: fn.folder, remoteNpmInstall: false }),
      );
      deps.out(`${label}: ✓ uploaded (${result.filesCount} files, ${formatBytes(result.packSize)} packed) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      outcomes.push('uploaded');
      if (fn.trigger !== null) {
        const trigger = await uploadTrigger(ci, { project, envId: options.env, functionName: fn.name, trigger: fn.trigger }, sink, target);
        triggerOutcomes.push(trigger.ok);
        if (trigger.ok) deps.out(`${label}: ✓ trigger ${describeTrigger(fn.trigger)} uploaded`);
        else {
          deps.err(`${label}: ✗ ${withoutKey(trigger.line, key.text)}`);
          if (trigger.stopsAll) stopReason = 'the same problem would fail it';
        }
      }
      // miniprogram-ci creates a missing function on Node.js 8.9, where wx-server-sdk 3+ cannot run; it says so only in its log.
      if (ciLog.some((line) => /will create cloudfunction/i.test(line))) {
        deps.err(
          `${label}: ⚠ it did not exist, and miniprogram-ci created it asking for Node.js 8.9, where it cannot run. Delete it in the cloud console, ` +
            'create it again on Node.js 16.13 or newer (DevTools or the console), then deploy again.',
        );
        created += 1;
      }
    } catch (error) {
      const explained = explainUploadError(error, target);
      deps.err(`${label}: ✗ ${withoutKey(explained.line, key.text)}`);
      if (!options.verbose && ciLog.length > 0) deps.err(`  miniprogram-ci's last line: ${ciLog[ciLog.length - 1]}`);
      outcomes.push('failed');
      if (explained.stopsAll) stopReason = 'the same problem would fail it';
    }
  }

  const count = (outcome: string): number => outcomes.filter((item) => item === outcome).length;
  const triggersFailed = triggerOutcomes.filter((ok) => !ok).length;
  const triggerSummary = triggerOutcomes.length === 0 ? '' : `; triggers: ${triggerOutcomes.length - triggersFailed} uploaded, ${triggersFailed} failed`;
  deps.out(`summary: ${count('uploaded')} uploaded, ${count('failed')} failed, ${count('skipped')} not attempted${triggerSummary}`);
  if (count('uploaded') > 0) {
    deps.out('Check once that each function\'s config.json permissions apply: docs/deploy.md, "Deploy without DevTools".');
  }
  return count('uploaded') === functions.length && created === 0 && triggersFailed === 0 ? DEPLOY_EXIT.ok : DEPLOY_EXIT.failed;
}

/** How a trigger's upload ended: created, or one line saying what happened and what to do. */
type TriggerUpload = { ok: true } | { ok: false; line: string; stopsAll: boolean };

/**
 * Uploads a function's timer trigger once its code is up. miniprogram-ci resolves with a string rather than
 * throwing when WeChat refuses: only its success string counts as created.
 */
async function uploadTrigger(
  ci: MiniprogramCi,
  request: { project: object; envId: string; functionName: string; trigger: TriggerConfig },
  sink: (line: string) => void,
  target: { env: string; appid: string; type: string },
): Promise<TriggerUpload> {
  const { functionName, trigger } = request;
  const byHand = `Its code is uploaded; set the trigger from DevTools instead: right-click cloudfunctions/${functionName} → 上传触发器 (upload trigger), which shows WeChat's own reason, or check it in the cloud console (云函数 → ${functionName} → 触发器).`;
  let answer: unknown;
  try {
    answer = await withConsoleTo(sink, () =>
      ci.cloud.createTimeTrigger({
        project: request.project,
        envId: request.envId,
        functionName,
        triggersConfig: [{ name: trigger.name, type: trigger.type, config: trigger.config }],
      }),
    );
  } catch (error) {
    const explained = explainUploadError(error, target);
    return { ok: false, line: `trigger ${trigger.name} not uploaded: ${explained.line} ${byHand}`, stopsAll: explained.stopsAll };
  }
  if (answer === TRIGGER_CREATED) return { ok: true };
  const said = typeof answer === 'string' ? answer : (JSON.stringify(answer) ?? String(answer));
  return {
    ok: false,
    // The answer is the same whatever WeChat objected to (a cron it refuses, a name already taken, no such function).
    line: `trigger ${trigger.name} not uploaded: miniprogram-ci answered "${said}" instead of "${TRIGGER_CREATED}", whatever WeChat refused. ${byHand}`,
    stopsAll: false,
  };
}
