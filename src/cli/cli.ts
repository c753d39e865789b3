/**
 * `plugin-apply`: the ops CLI. Lists applications and agrees to, refuses or deletes them over HTTPS with the
 * plugin's appid and AppSecret from the environment, one action per command or from a file that mixes them (`apply`),
 * and runs the watcher once (`watch`). A thin adapter: decisions go through `decideMany`, so they
 * get the cloud functions' validation, idempotent outcomes and retries. Its dependencies are passed in (main.ts
 * passes the process's).
 */
import type { Deadline } from '../core/deadline';
import type { LogSink } from '../core/log';
import { APPID_PATTERN } from '../core/eventSchema';
import { withPageBase } from '../core/pageBase';
import { createAccessTokenCache } from '../wechat/accessToken';
import { createDatabaseHttpStore } from '../wechat/databaseHttp';
import {
  commandNamed,
  ConfigError,
  parseBaseUrl,
  parseCommandLine,
  parseFromPage,
  parseNum,
  parseReason,
  parseStatus,
  parseTimeout,
  UsageError,
} from './arguments';
import { historyCommand } from './historyCommand';
import { cliActor, createTrailRecorder, trailEnvOf } from './trailRecording';
import { readCredentials } from './credentials';
import { decideCommand, dryRun } from './decideCommand';
import type { CliDeps } from './deps';
import { EXIT } from './exitCodes';
import { readAppids } from './input';
import { DEFAULT_WATCH_STATE_FILE } from './help';
import { listCommand } from './listCommand';
import type { PlannedDecision } from './decisionFile';
import { readDecisionFiles } from './decisionFile';
import type { CliContext } from './failures';
import { langOf, printable } from './output';
import { watchCommand } from './watchCommand';

/** Runs the CLI with `argv` (without node and the script) and resolves its exit code; never rejects. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  try {
    return await run(argv, deps);
  } catch (thrown) {
    if (thrown instanceof UsageError) {
      const command = commandNamed(argv[0]) === undefined ? '' : `${printable(argv[0] ?? '')} `;
      const pointer = thrown instanceof ConfigError ? '' : `Run "plugin-apply ${command}--help" for usage.\n`;
      deps.stderr.write(`plugin-apply: ${thrown.message.split('\n').map(printable).join('\n')}\n${pointer}`);
      return EXIT.usage;
    }
    deps.stderr.write(`plugin-apply: unexpected error: ${printable(thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown))}\n`);
    return EXIT.failed;
  }
}

async function run(argv: readonly string[], deps: CliDeps): Promise<number> {
  const line = parseCommandLine(argv);
  if (line.kind === 'help') {
    (line.toStderr ? deps.stderr : deps.stdout).write(line.text);
    return line.toStderr ? EXIT.usage : EXIT.ok;
  }
  const { command, values, positionals } = line;
  const timeoutMs = parseTimeout(values.timeout);
  const baseUrl = parseBaseUrl(values['base-url'] ?? deps.env.WECHAT_API_BASE_URL);
  const log: LogSink = values.verbose === true ? (record) => deps.stderr.write(`${JSON.stringify(record)}\n`) : () => undefined;
  const { stdout, stderr } = deps;
  const lang = langOf(deps.env);
  if (command.name === 'history') {
    if (positionals.length > 1) throw new UsageError(`history takes at most one appid (got ${positionals.length})`);
    const appid = positionals[0];
    if (appid !== undefined && !APPID_PATTERN.test(appid)) throw new UsageError(`"${appid}" is not an appid ("wx" + 16 lowercase hex characters)`);
    const num = parseNum(values.num);
    const env = trailEnvOf(values.env, deps.env);
    if (env === null)
      throw new ConfigError('history reads the decision trail in the cloud database: set PLUGIN_CLOUD_ENV or --env to the cloud environment id');
    const credentials = readCredentials(deps.env);
    const tokens = createAccessTokenCache({ ...credentials, baseUrl });
    const store = createDatabaseHttpStore({ env, baseUrl, secret: credentials.secret, tokens });
    return historyCommand(store, { appid, num, json: values.json === true, stdout, stderr });
  }
  if (command.name === 'watch') {
    if (positionals.length > 0) throw new UsageError(`watch takes no appids (got "${positionals[0]}")`);
    const credentials = readCredentials(deps.env);
    // One token for the list, the agrees and the trail's records.
    const tokens = createAccessTokenCache({ ...credentials, baseUrl });
    const client = deps.createClient({ ...credentials, baseUrl, tokens });
    const trailEnv = trailEnvOf(values.env, deps.env);
    return watchCommand({
      webhook: values.webhook,
      statePath: values.state ?? DEFAULT_WATCH_STATE_FILE,
      dryRun: values['dry-run'] === true,
      json: values.json === true,
      env: deps.env,
      client,
      trail: trailEnv === null ? null : createDatabaseHttpStore({ env: trailEnv, baseUrl, secret: credentials.secret, tokens }),
      deadline: deadlineIn(timeoutMs, deps.now),
      log,
      context: { command: 'list', baseUrl, timeoutS: timeoutMs / 1000, lang },
      stdout,
      stderr,
    });
  }
  if (command.action === undefined) {
    if (positionals.length > 0) throw new UsageError(`list takes no appids (got "${positionals[0]}")`);
    const status = parseStatus(values.status);
    const firstPage = parseFromPage(values['from-page']);
    // The list's page numbering is found as the cloud functions find it (pageBase.ts).
    const client = withPageBase(deps.createClient({ ...readCredentials(deps.env), baseUrl }), log);
    const context: CliContext = { command: 'list', baseUrl, timeoutS: timeoutMs / 1000, lang };
    return listCommand(client, { status, firstPage, json: values.json === true, deadline: deadlineIn(timeoutMs, deps.now), log, context, stdout, stderr });
  }
  const action = command.action;
  // --timeout bounds the whole command, waiting for input on stdin included.
  const deadline = deadlineIn(timeoutMs, deps.now);
  let planned: PlannedDecision[];
  if (action === 'apply') {
    const defaultReason = values.reason === undefined ? undefined : parseReason(values.reason);
    planned = await readDecisionFiles(positionals, values.file ?? [], defaultReason, deadline, deps.stdin);
  } else {
    const reason = action === 'dev_refuse' ? parseReason(values.reason) : undefined;
    const appids = await readAppids(positionals, values.file ?? [], deadline, deps.stdin);
    planned = appids.map((appid) => ({ action, appid, ...(reason === undefined ? {} : { reason }), where: '' }));
  }
  // A dry run calls nothing, so it needs no credentials: it can check a file before they are at hand.
  if (values['dry-run'] === true) return dryRun(planned, action, values.json === true, stdout);
  const credentials = readCredentials(deps.env);
  // One token for the decisions and their records: the trail costs no token fetch of its own.
  const tokens = createAccessTokenCache({ ...credentials, baseUrl });
  const trailEnv = trailEnvOf(values.env, deps.env);
  const store = trailEnv === null ? null : createDatabaseHttpStore({ env: trailEnv, baseUrl, secret: credentials.secret, tokens });
  return decideCommand(planned, {
    action,
    connect: (onSend) => withPageBase(deps.createClient({ ...credentials, baseUrl, onSend, tokens }), log),
    record: createTrailRecorder(store, cliActor(values.by ?? deps.env.PLUGIN_DECIDER_NAME), deps.now, stderr, lang),
    json: values.json === true,
    yes: values.yes === true,
    deadline,
    log,
    context: { command: 'decide', baseUrl, timeoutS: timeoutMs / 1000, lang },
    stdin: deps.stdin,
    stdout,
    stderr,
    signals: deps.signals,
    exitNow: deps.exitNow,
  });
}

/** A deadline `ms` from now. */
function deadlineIn(ms: number, now: () => number): Deadline {
  return { at: now() + ms, now };
}
