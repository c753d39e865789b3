/**
 * What a deploy uploads: every function folder under cloudfunctions/ that has a config.json, found on disk rather
 * than listed here, except the opt-in ones (cloudbase_auth) unless asked for, with its files, the API permissions
 * its config.json grants and its timer trigger.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseTriggers } from '../core/timerTrigger';
import type { TriggerConfig } from './miniprogramCi';

/** One file of a function folder, as it will be uploaded. */
export interface PlannedFile {
  path: string;
  bytes: number;
}

/** One function to upload. */
export interface PlannedFunction {
  name: string;
  /** Absolute path of its folder. */
  folder: string;
  files: PlannedFile[];
  /** `permissions.openapi` of its config.json. */
  openapi: string[];
  /** The timer trigger of its config.json, uploaded after the function; null when it has none. */
  trigger: TriggerConfig | null;
}

/** The deployable function folders: the directories of `functionsRoot` holding a config.json, sorted. */
export function discoverFunctions(functionsRoot: string): string[] {
  if (!existsSync(functionsRoot)) return [];
  return readdirSync(functionsRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(functionsRoot, entry.name, 'config.json')))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Functions uploaded only when asked for by name. Uploading `cloudbase_auth` replaces the environment's own, which
 * decides for every mini-program the environment is shared with; only environment sharing needs ours at all.
 */
export const OPT_IN_FUNCTIONS = { cloudbase_auth: '--with-cloudbase-auth' } as const;

/** What a deploy uploads (`names`) and which opt-in functions it leaves out though they are there (`leftOut`). */
export type Selection = { names: string[]; leftOut: string[] } | { problems: string[] };

/**
 * The names to deploy: `only` when given, else every function but the opt-in ones, plus each opt-in one in `optedIn`.
 * A name that is not there is a problem naming what exists.
 */
export function selectFunctions(available: readonly string[], only: readonly string[], optedIn: readonly string[] = []): Selection {
  if (available.length === 0) return { problems: ['cloudfunctions/ has no function folder with a config.json: nothing to deploy.'] };
  const problems = [
    ...only
      .filter((name) => !available.includes(name))
      .map((name) => `--only ${name}: there is no cloudfunctions/${name}/config.json; the functions are ${available.join(', ')}.`),
    ...optedIn
      .filter((name) => !available.includes(name))
      .map((name) => `${optInFlag(name)}: there is no cloudfunctions/${name}/config.json; the functions are ${available.join(', ')}.`),
  ];
  if (problems.length > 0) return { problems };
  const optIn = available.filter((name) => Object.hasOwn(OPT_IN_FUNCTIONS, name));
  const wanted = only.length > 0 ? only : available.filter((name) => !optIn.includes(name));
  const names = available.filter((name) => wanted.includes(name) || optedIn.includes(name));
  // Only a plain deploy "leaves out" anything: with --only, the user named what they want.
  const leftOut = only.length > 0 ? [] : optIn.filter((name) => !names.includes(name));
  return { names, leftOut };
}

/** The flag that opts a function in. */
export function optInFlag(name: string): string {
  return Object.hasOwn(OPT_IN_FUNCTIONS, name) ? OPT_IN_FUNCTIONS[name as keyof typeof OPT_IN_FUNCTIONS] : `--only ${name}`;
}

/** The line a deploy prints for an opt-in function it left out: why, and how to include it. */
export function leftOutLine(name: string): string {
  return `left out: ${name} — uploading it replaces the environment's own ${name}, and only environment sharing (way (b) in docs/deploy.md) needs it. Add ${optInFlag(name)} to deploy it.`;
}

function filesUnder(folder: string, dir: string = folder): PlannedFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(folder, path);
      return [{ path: relative(folder, path), bytes: statSync(path).size }];
    });
}

/**
 * Reads one function folder after the build: its files, permissions and trigger. Throws an Error naming the file to
 * fix when the folder cannot run in the cloud (no index.js), its config.json cannot be read, or its trigger breaks
 * the platform's rules (so a deploy stops before anything is uploaded).
 */
export function planFunction(functionsRoot: string, name: string): PlannedFunction {
  const folder = join(functionsRoot, name);
  const configFile = join(folder, 'config.json');
  let config: { permissions?: { openapi?: unknown }; triggers?: unknown } | null;
  try {
    config = JSON.parse(readFileSync(configFile, 'utf8')) as typeof config;
  } catch (error) {
    throw new Error(`cloudfunctions/${name}/config.json is not valid JSON (${(error as Error).message}).`, { cause: error });
  }
  const openapi = config?.permissions?.openapi ?? [];
  if (!Array.isArray(openapi) || !openapi.every((api): api is string => typeof api === 'string')) {
    throw new Error(`cloudfunctions/${name}/config.json: permissions.openapi must be a list of API names.`);
  }
  const triggers = parseTriggers(name, config?.triggers);
  if (!triggers.ok) throw new Error(`${triggers.error}. Nothing was uploaded: fix the trigger, then deploy again.`);
  if (!existsSync(join(folder, 'index.js'))) {
    throw new Error(
      `cloudfunctions/${name} has no index.js after the build: add src/functions/${name}.ts, or remove the folder's config.json if it is not a function.`,
    );
  }
  const { trigger } = triggers;
  return { name, folder, files: filesUnder(folder), openapi, trigger: trigger === null ? null : { name: trigger.name, type: 'timer', config: trigger.config } };
}

/** A size for people: bytes, KB or MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

/** How a trigger reads in the deploy's lines: its name and cron, with the zone WeChat reads the cron in. */
export function describeTrigger(trigger: TriggerConfig): string {
  return `${trigger.name}, timer "${trigger.config}" (UTC+8)`;
}

/** The dry run's description of one function: folder, each file with its size, permissions, trigger. */
export function describeFunction(fn: PlannedFunction, projectRoot: string): string[] {
  return [
    `${fn.name}  (${relative(projectRoot, fn.folder)}/)`,
    ...fn.files.map((file) => `  ${file.path.padEnd(14)} ${formatBytes(file.bytes).padStart(10)}`),
    `  permissions: ${fn.openapi.length > 0 ? fn.openapi.join(', ') : 'none (calls no openapi)'}`,
    ...(fn.trigger === null ? [] : [`  trigger: ${describeTrigger(fn.trigger)}, uploaded after the function`]),
  ];
}
