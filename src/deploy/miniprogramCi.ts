/**
 * WeChat's miniprogram-ci, the upload module of DevTools, at the one version this project has read and tested:
 * what we call of it, fetching it on first use into an ignored cache folder (it is about 275 MB, too much for
 * every `npm ci`), and its errors translated once into one line saying what to fix.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { KEY_PAGE } from './options';

/** The pinned version: its uploadFunction was read for what it does (see docs/deploy.md, "Deploy without DevTools"). */
export const MINIPROGRAM_CI_VERSION = '2.1.42';

/** What `new ci.Project(…)` takes, as far as we use it. */
export interface CiProjectOptions {
  appid: string;
  type: 'miniProgram' | 'miniProgramPlugin';
  projectPath: string;
  privateKeyPath: string;
  ignores: string[];
}

/** What `ci.cloud.uploadFunction(…)` takes. */
export interface UploadFunctionOptions {
  project: object;
  env: string;
  name: string;
  path: string;
  remoteNpmInstall: boolean;
}

/** A timer trigger as `createTimeTrigger` takes it: config.json's own entry. */
export interface TriggerConfig {
  name: string;
  type: 'timer';
  config: string;
}

/** What `ci.cloud.createTimeTrigger(…)` takes; `uploadFunction` ignores config.json's `triggers`, so this uploads them. */
export interface CreateTimeTriggerOptions {
  project: object;
  envId: string;
  functionName: string;
  triggersConfig: TriggerConfig[];
}

/**
 * What `createTimeTrigger` resolves with when the trigger was created. It throws only on a missing argument: every
 * failure of WeChat's API resolves with TRIGGER_FORMAT_ANSWER instead, so the answer has to be checked.
 */
export const TRIGGER_CREATED = '创建定时触发器成功';

/** What `createTimeTrigger` resolves with on any failure, whatever the cause (not only the format). */
export const TRIGGER_FORMAT_ANSWER = '请检查传入的 triggersConfig 是否符合格式';

/** The part of miniprogram-ci a deploy uses. */
export interface MiniprogramCi {
  Project: new (options: CiProjectOptions) => object;
  cloud: {
    uploadFunction(options: UploadFunctionOptions): Promise<{ filesCount: number; packSize: number }>;
    createTimeTrigger(options: CreateTimeTriggerOptions): Promise<unknown>;
  };
}

/** Where the pinned version is kept, per project: `.cache/` is ignored by git. */
export function cacheFolder(projectRoot: string): string {
  return join(projectRoot, '.cache', `miniprogram-ci-${MINIPROGRAM_CI_VERSION}`);
}

/** Whether the pinned version is in the cache (a finished fetch; an interrupted one never lands there). */
export function isCached(projectRoot: string): boolean {
  const manifest = join(cacheFolder(projectRoot), 'node_modules', 'miniprogram-ci', 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version === MINIPROGRAM_CI_VERSION;
  } catch {
    return false;
  }
}

/** Runs npm with these arguments in `cwd`, its output collected; resolves with the exit code. */
function runNpm(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  // Under `npm run`, npm_execpath is the npm that runs us: use the same one, whatever is on PATH.
  const npmCli = process.env.npm_execpath;
  const [command, commandArgs] =
    npmCli !== undefined && npmCli.endsWith('.js') ? [process.execPath, [npmCli, ...args]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', args];
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' && command === 'npm.cmd' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ code: -1, output: error.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/**
 * Fetches the pinned version into the cache unless it is there. Installs into a scratch folder and renames it into
 * place, so an interrupted fetch is redone rather than half-used; runs none of its dependencies' install scripts
 * (uploading needs none of them, and this machine holds the upload key).
 */
export async function fetchMiniprogramCi(projectRoot: string, say: (line: string) => void): Promise<void> {
  if (isCached(projectRoot)) return;
  const target = cacheFolder(projectRoot);
  const scratch = `${target}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  writeFileSync(
    join(scratch, 'package.json'),
    `${JSON.stringify({ private: true, description: 'miniprogram-ci for npm run deploy, fetched on first use', dependencies: { 'miniprogram-ci': MINIPROGRAM_CI_VERSION } }, null, 2)}\n`,
  );
  say(`fetching miniprogram-ci ${MINIPROGRAM_CI_VERSION} once into .cache/ (about 275 MB; a minute or two)…`);
  const started = Date.now();
  const { code, output } = await runNpm(
    ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'],
    scratch,
  );
  if (code !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`could not fetch miniprogram-ci ${MINIPROGRAM_CI_VERSION} with npm (exit ${code}): ${output.trim().split('\n').slice(-3).join(' ')}`);
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(scratch, target);
  say(`fetched miniprogram-ci ${MINIPROGRAM_CI_VERSION} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Loads the cached pinned version (fetch it first). */
export function requireMiniprogramCi(projectRoot: string): MiniprogramCi {
  const load = createRequire(join(cacheFolder(projectRoot), 'package.json'));
  return load('miniprogram-ci') as MiniprogramCi;
}

/** An upload failure as one line, and whether it would fail every other function the same way. */
export interface ExplainedFailure {
  line: string;
  /** The key, the IP whitelist or the environment: trying the next function would only repeat it. */
  stopsAll: boolean;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

/**
 * Translates what miniprogram-ci 2.1.42 throws into what to fix. It throws plain Errors whose text is the only
 * clue: "env not found" from uploadFunction, "generate local signature fail" for a key it cannot use, WeChat's
 * "<errCode> <errMsg>" (e.g. "invalid ip: 1.2.3.4") from its server calls, Node's network errors.
 */
export function explainUploadError(error: unknown, target: { env: string; appid: string; type: string }): ExplainedFailure {
  const text = messageOf(error).replace(/\s+/g, ' ').trim();
  const ip = /invalid ip[:\s]*([0-9a-f.:]+[0-9a-f])/i.exec(text)?.[1];
  if (ip !== undefined || /ip.{0,20}white ?list|白名单/i.test(text)) {
    return {
      line: `WeChat refused the upload from this machine's IP${ip === undefined ? '' : ` ${ip}`}: add it to the upload key's IP whitelist (${KEY_PAGE}), or turn the whitelist off. (${text})`,
      stopsAll: true,
    };
  }
  if (/env not found/i.test(text)) {
    return {
      line: `cloud environment "${target.env}" was not found for appid ${target.appid}: check --env / CLOUD_ENV against the cloud console, and that the environment belongs to this appid (--type ${target.type === 'miniProgramPlugin' ? 'plugin' : 'miniprogram'}).`,
      stopsAll: true,
    };
  }
  if (/generate local signature fail|private ?key|signature|私钥|密钥/i.test(text)) {
    return {
      line: `WeChat did not accept the upload key: MINIPROGRAM_CI_PRIVATE_KEY_PATH must be the code-upload key of appid ${target.appid} itself (regenerate it at ${KEY_PAGE}). (${text})`,
      stopsAll: true,
    };
  }
  if (/appid/i.test(text)) {
    return { line: `WeChat refused appid ${target.appid}: check --appid / DEPLOY_APPID and --type. (${text})`, stopsAll: true };
  }
  if (/ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|getaddrinfo/i.test(text)) {
    return { line: `could not reach WeChat from this machine (network, DNS or proxy): ${text}`, stopsAll: true };
  }
  if (/another ongoing update/i.test(text)) {
    return { line: `the function is still being updated by an earlier upload: wait for it to finish, then deploy it again. (${text})`, stopsAll: false };
  }
  return {
    line:
      text === ''
        ? 'miniprogram-ci failed without a message: run again with --verbose to see its log.'
        : `${text} (run again with --verbose to see miniprogram-ci's log)`,
    stopsAll: false,
  };
}
