/**
 * What `npm run deploy` is asked to do: its flags, with the environment variables they may come from, validated
 * into one typed target. The upload key's path is read only from the environment, never from a flag.
 */
import { parseArgs } from 'node:util';
import { APPID_PATTERN } from '../core/eventSchema';

/** Where the code-upload key is generated, for every message that asks for it. */
export const KEY_PAGE = 'mp.weixin.qq.com → 开发管理 → 开发设置 → 小程序代码上传 (upload key and IP whitelist)';

/** The variable that holds the upload key's path; a flag could end up in shell history or CI logs. */
export const KEY_VARIABLE = 'MINIPROGRAM_CI_PRIVATE_KEY_PATH';

/** `--type` as the user writes it, and the project type miniprogram-ci expects for it. */
export const PROJECT_TYPES = { plugin: 'miniProgramPlugin', miniprogram: 'miniProgram' } as const;

/** The `--type` values. */
export type TargetType = keyof typeof PROJECT_TYPES;

/** A deploy target, validated. */
export interface DeployOptions {
  env: string;
  appid: string;
  type: TargetType;
  /** Function names to deploy; empty: every function folder. */
  only: string[];
  /** Opt-in functions asked for by flag (`--with-cloudbase-auth`), deployed besides the others. */
  optedIn: string[];
  dryRun: boolean;
  verbose: boolean;
}

/** What the command line asked for: a deploy, the help text, or a usage error with every problem listed. */
export type ParsedCommand = { kind: 'deploy'; options: DeployOptions } | { kind: 'help' } | { kind: 'fetchOnly' } | { kind: 'usage'; problems: string[] };

/** Cloud environment ids as the console shows them, e.g. `prod-4g1ab2c3d4e5f607` or `cloud1-8abc`. */
const ENV_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$/;

/** The help text of `npm run deploy`. */
export const HELP = `npm run deploy -- --env <envId> --appid <wx…> [--type plugin|miniprogram] [--only a,b] [--dry-run] [--verbose]

Builds the functions (with the permission and trigger checks), then uploads every function folder under cloudfunctions/
that has a config.json to the cloud environment, as it is (no cloud-side npm install), with WeChat's miniprogram-ci,
and after each function the timer trigger its config.json declares (times in UTC+8).
cloudbase_auth is left out unless asked for: uploading it replaces the environment's own cloudbase_auth, and only
environment sharing (way (b) in docs/deploy.md) needs it.

  --env ID        the cloud environment id (default: $CLOUD_ENV)
  --appid WX      the appid whose environment it is (default: $DEPLOY_APPID, else $PLUGIN_APPID)
  --type T        plugin (default: the plugin's own environment) or miniprogram
  --only A,B      deploy only these functions (naming cloudbase_auth deploys it)
  --with-cloudbase-auth
                  deploy cloudbase_auth too (environment sharing; replaces the environment's own)
  --dry-run       build and show what would be uploaded; needs no key and calls nothing
  --verbose       show miniprogram-ci's own log lines
  --fetch-only    only fetch miniprogram-ci into .cache/ (e.g. for a CI image); needs nothing else
  -h, --help      show this help

The code-upload key's path comes only from ${KEY_VARIABLE}
(generated at ${KEY_PAGE}).
Exit codes: 0 every function uploaded (or dry run) · 1 build or an upload failed · 2 usage or configuration error`;

/** Flags that look like a way to pass the key, which is deliberately read only from the environment. */
const KEY_FLAGS = ['--key', '--private-key', '--private-key-path', '--privateKeyPath'];

/** Parses the arguments of `npm run deploy` against the environment; never throws. */
export function parseDeployCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedCommand {
  const keyFlag = argv.find((arg) => KEY_FLAGS.includes(arg.split('=')[0] ?? ''));
  if (keyFlag !== undefined) {
    return {
      kind: 'usage',
      problems: [`${keyFlag.split('=')[0]}: the key's path is read only from ${KEY_VARIABLE}, so it never lands in shell history or CI logs.`],
    };
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        env: { type: 'string' },
        appid: { type: 'string' },
        type: { type: 'string' },
        only: { type: 'string', multiple: true },
        'with-cloudbase-auth': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        verbose: { type: 'boolean' },
        'fetch-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'usage', problems: [(error as Error).message] };
  }
  if (values.help) return { kind: 'help' };
  if (values['fetch-only']) return { kind: 'fetchOnly' };

  const problems: string[] = [];
  const targetEnv = (values.env ?? env.CLOUD_ENV ?? '').trim();
  if (targetEnv === '') problems.push('no cloud environment: pass --env <envId> or set CLOUD_ENV (云开发控制台 → 设置 → 环境 ID).');
  else if (!ENV_ID_PATTERN.test(targetEnv))
    problems.push(`--env ${JSON.stringify(targetEnv)} is not an environment id: letters, digits, "-" and "_", as the cloud console shows it.`);

  const appid = (values.appid ?? env.DEPLOY_APPID ?? env.PLUGIN_APPID ?? '').trim();
  if (appid === '') problems.push("no appid: pass --appid <wx…> or set DEPLOY_APPID (or PLUGIN_APPID): the plugin's appid for --type plugin.");
  else if (!APPID_PATTERN.test(appid)) problems.push(`--appid ${JSON.stringify(appid)} is not an appid: "wx" and 16 lowercase hex characters.`);

  const type = values.type ?? 'plugin';
  if (!Object.hasOwn(PROJECT_TYPES, type)) problems.push(`--type ${JSON.stringify(type)}: use plugin or miniprogram.`);

  const only = (values.only ?? [])
    .flatMap((list) => list.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (values.only !== undefined && only.length === 0) problems.push('--only needs function names, e.g. --only setPluginApplyStatus,getPluginApplyList.');

  if (problems.length > 0) return { kind: 'usage', problems };
  return {
    kind: 'deploy',
    options: {
      env: targetEnv,
      appid,
      type: type as TargetType,
      only: [...new Set(only)],
      optedIn: values['with-cloudbase-auth'] ? ['cloudbase_auth'] : [],
      dryRun: values['dry-run'] ?? false,
      verbose: values.verbose ?? false,
    },
  };
}
