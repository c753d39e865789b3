import { consoleLogLevel, isShown } from './consoleLog';
import { DEFAULT_MAX_CONCURRENT_FUNCTIONS, startLocalCloud, localAccount } from './server';
import { loadSeedFile } from './seed';
import { hostedFunctionEnv } from './functionEnv';
import { LOCAL_ROBOT_KEY } from './robot';

// `node dist/localcloud.js` (npm start): the local cloud for trying the functions by hand.
// PORT (default 3000), PLUGIN_ADMIN_OPENIDS (default the local admin openid), LOCALCLOUD_SEED (a seed JSON file),
// LOCALCLOUD_LOG (quiet, calls, verbose; LOCALCLOUD_QUIET=1 is quiet), LOCALCLOUD_MAX_FUNCTIONS (concurrent functions),
// LOCALCLOUD_DB (a JSON file that keeps the database across restarts), LOCALCLOUD_TRIGGERS (off: no timer runs),
// LOCALCLOUD_APPLY_TIMEOUT_HOURS (how long applications stay pending; 0: forever); PLUGIN_APPLY_* and PLUGIN_AUTO_AGREE*
// reach the hosted functions.

/** `npm start -- --help`: the local cloud's options, which are environment variables. */
const HELP = `npm start: serves the local cloud (a stand-in for WeChat's cloud and HTTPS API) on 127.0.0.1.

Options are environment variables, e.g. PORT=3001 npm start:
  PORT                      port on 127.0.0.1 (default 3000; 0 picks a free one)
  PLUGIN_ADMIN_OPENIDS      who may decide (default the local admin ${localAccount.openid} and the demo admin mini-program's user)
  LOCALCLOUD_SEED           a JSON file with the applications to start from (default localcloud/demo-seed.json)
  LOCALCLOUD_LOG            calls (default), verbose or quiet: what is logged on stderr
  LOCALCLOUD_QUIET          1: the same as LOCALCLOUD_LOG=quiet
  LOCALCLOUD_MAX_FUNCTIONS  function invocations that may run at once (default ${DEFAULT_MAX_CONCURRENT_FUNCTIONS})
  LOCALCLOUD_DB             a JSON file that keeps the cloud database across restarts (default: in memory)
  LOCALCLOUD_TRIGGERS       on (default) or off: whether functions' timer triggers run on their cron
  LOCALCLOUD_APPLY_TIMEOUT_HOURS  how long an application stays pending before it times out (default 24; 0: never)
  PLUGIN_APPLY_*, PLUGIN_AUTO_AGREE*  passed to every hosted function (the watcher's settings); PLUGIN_APPLY_WEBHOOK
                            defaults to the local WeCom robot (…/cgi-bin/webhook/send?key=${LOCAL_ROBOT_KEY})

Once it runs, it prints the examples to paste (curl, plugin-apply) and the page's address. Stop it with Ctrl-C.
`;

/** A whole number ≥ min from the environment variable `name`, or `fallback` when unset. */
function wholeNumber(name: string, fallback: number, min: number): number {
  const text = process.env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min} (got "${text}")`);
  return value;
}

const TRIGGERS_VARIABLE = 'LOCALCLOUD_TRIGGERS';
const APPLY_TIMEOUT_VARIABLE = 'LOCALCLOUD_APPLY_TIMEOUT_HOURS';

/** on or off from the environment variable `name`, or `fallback` when unset. */
function onOff(name: string, fallback: boolean): boolean {
  const text = process.env[name]?.trim().toLowerCase();
  if (text === undefined || text === '') return fallback;
  if (['on', '1', 'true', 'yes'].includes(text)) return true;
  if (['off', '0', 'false', 'no'].includes(text)) return false;
  throw new Error(`${name} must be on or off (got "${process.env[name] ?? ''}")`);
}

/** A number of hours ≥ 0 from the environment variable `name`, or `fallback` when unset. */
function hours(name: string, fallback: number): number {
  const text = process.env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of hours, at least 0 (0: applications never time out); got "${text}"`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  if (args.length > 0) {
    process.stderr.write(`npm start takes no arguments (got "${args.join(' ')}"): its options are environment variables.\n\n${HELP}`);
    process.exit(2);
  }
  const port = wholeNumber('PORT', 3000, 0);
  // The local admin, and the demo admin mini-program's user calling through environment sharing.
  const adminApp = localAccount.adminApp;
  const admins = process.env.PLUGIN_ADMIN_OPENIDS ?? `${localAccount.openid},${adminApp.appid}:${adminApp.openid}`;
  const level = consoleLogLevel(process.env);
  const seedFile = process.env.LOCALCLOUD_SEED;
  const databaseFile = process.env.LOCALCLOUD_DB?.trim();
  const triggers = onOff(TRIGGERS_VARIABLE, true);
  const timeoutHours = hours(APPLY_TIMEOUT_VARIABLE, 24);
  const cloud = await startLocalCloud({
    port,
    functionEnv: hostedFunctionEnv(process.env, admins),
    runTriggers: triggers,
    ...(timeoutHours === 0 ? {} : { applyTimeoutMs: timeoutHours * 3600_000 }),
    recentSeed: timeoutHours !== 0,
    defaultOpenid: localAccount.openid,
    ...(seedFile ? { applications: loadSeedFile(seedFile) } : {}),
    ...(databaseFile ? { databaseFile } : {}),
    log: (line, entry) => {
      if (isShown(entry, level)) process.stderr.write(`${line}\n`);
    },
    maxConcurrentFunctions: wholeNumber('LOCALCLOUD_MAX_FUNCTIONS', DEFAULT_MAX_CONCURRENT_FUNCTIONS, 1),
  });
  const fn = `${cloud.url}/functions/setPluginApplyStatus`;
  const json = "-H 'content-type: application/json'";
  // Examples name real applications of the seed, whatever its order. Agree and refuse name two different pending
  // ones, so that pasting the examples in order works (refusing the one just agreed to would answer 89240).
  const [pending, otherPending] = cloud.applications().filter((item) => item.status === 1);
  const refused = cloud.applications().find((item) => item.status === 3 || item.status === 4);
  process.stdout.write(
    [
      `local cloud on ${cloud.url}  (caller ${localAccount.openid}, PLUGIN_ADMIN_OPENIDS=${admins})`,
      `page:    ${cloud.url}/`,
      '',
      'agree:',
      `  curl -s ${json} -d '{"data":{"action":"dev_agree","appid":"${pending?.appid ?? 'wx…'}"}}' ${fn}`,
      'refuse:',
      `  curl -s ${json} -d '{"data":{"action":"dev_refuse","appid":"${otherPending?.appid ?? 'wx…'}","reason":"暂不开放"}}' ${fn}`,
      'delete:',
      `  curl -s ${json} -d '{"data":{"action":"dev_delete","appid":"${refused?.appid ?? 'wx…'}"}}' ${fn}`,
      'as another caller:',
      `  curl -s ${json} -d '{"openid":"o_someone_else","data":{"action":"dev_agree","appid":"${pending?.appid ?? 'wx…'}"}}' ${fn}`,
      "the ops CLI (plugin-apply) against this local cloud, with the local account's credentials:",
      `  PLUGIN_APPID=${localAccount.appid} PLUGIN_APPSECRET=${localAccount.secret} node dist/plugin-apply.js list --base-url ${cloud.url}`,
      'from the demo admin mini-program (environment sharing: cloudbase_auth runs first):',
      `  curl -s ${json} -d '{"from":{"appid":"${adminApp.appid}","openid":"${adminApp.openid}"},"data":{}}' ${cloud.url}/functions/getPluginApplyList`,
      '',
      'inspect:',
      `  curl -s ${cloud.url}/_local/applications`,
      `  curl -s ${cloud.url}/_local/calls`,
      `  curl -s ${cloud.url}/_local/db${databaseFile ? `    (database kept in ${databaseFile})` : '    (database in memory; LOCALCLOUD_DB=file.json keeps it)'}`,
      `  curl -s -X POST ${cloud.url}/_local/reset`,
      `  curl -s ${json} -d '{"kind":"errcode","errcode":-1,"times":2}' ${cloud.url}/_local/faults`,
      `  curl -s -X DELETE ${cloud.url}/_local/faults`,
      '',
      'time, the robot and triggers (the watcher):',
      `  curl -s ${json} -d '{"advance":"12h"}' ${cloud.url}/_local/clock    (applications time out after ${timeoutHours === 0 ? 'never' : `${timeoutHours} h`})`,
      `  curl -s ${cloud.url}/_local/robot    (messages hosted functions posted to PLUGIN_APPLY_WEBHOOK)`,
      `  curl -s ${cloud.url}/_local/triggers    (timer triggers ${triggers ? 'run on their cron' : 'are off: LOCALCLOUD_TRIGGERS=off'}; POST /_local/triggers/<function> runs one now)`,
      '',
      level === 'calls'
        ? 'log (stderr): function calls, HTTPS API calls, changes and failures; LOCALCLOUD_LOG=verbose shows every request, =quiet none'
        : `log (stderr): ${level} (LOCALCLOUD_LOG)`,
      '',
    ].join('\n'),
  );
  const stop = (): void => {
    cloud.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const inUse = (error as { code?: unknown } | null)?.code === 'EADDRINUSE';
  const advice = inUse ? `\nthe port is taken (another npm start?): stop that one, or pick a free port, e.g. PORT=3001 npm start` : '';
  process.stderr.write(`local cloud failed to start: ${error instanceof Error ? error.message : String(error)}${advice}\n`);
  process.exit(1);
});
