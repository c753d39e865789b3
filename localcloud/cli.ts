import { startLocalCloud, localAccount } from './server';
import { loadSeedFile } from './seed';

// `node dist/localcloud.js`: the local cloud for trying the functions by hand.
// PORT (default 3000), PLUGIN_ADMIN_OPENIDS (default the local admin openid), LOCALCLOUD_SEED (a seed JSON file),
// LOCALCLOUD_QUIET=1 (no request log).

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  // The local admin, and the demo admin mini-program's user calling through environment sharing.
  const adminApp = localAccount.adminApp;
  const admins = process.env.PLUGIN_ADMIN_OPENIDS ?? `${localAccount.openid},${adminApp.appid}:${adminApp.openid}`;
  const quiet = process.env.LOCALCLOUD_QUIET === '1';
  const seedFile = process.env.LOCALCLOUD_SEED;
  const cloud = await startLocalCloud({
    port,
    functionEnv: { PLUGIN_ADMIN_OPENIDS: admins },
    defaultOpenid: localAccount.openid,
    ...(seedFile ? { applications: loadSeedFile(seedFile) } : {}),
    log: quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`),
  });
  const fn = `${cloud.url}/functions/setPluginApplyStatus`;
  const json = "-H 'content-type: application/json'";
  // Examples name real applications of the seed, whatever its order: a pending one and a refused one.
  const pending = cloud.applications().find((item) => item.status === 1);
  const refused = cloud.applications().find((item) => item.status === 3 || item.status === 4);
  process.stdout.write(
    [
      `local cloud on ${cloud.url}  (caller ${localAccount.openid}, PLUGIN_ADMIN_OPENIDS=${admins})`,
      `page:    ${cloud.url}/`,
      '',
      'agree:',
      `  curl -s ${json} -d '{"data":{"action":"dev_agree","appid":"${pending?.appid ?? 'wx…'}"}}' ${fn}`,
      'refuse:',
      `  curl -s ${json} -d '{"data":{"action":"dev_refuse","appid":"${pending?.appid ?? 'wx…'}","reason":"暂不开放"}}' ${fn}`,
      'delete:',
      `  curl -s ${json} -d '{"data":{"action":"dev_delete","appid":"${refused?.appid ?? 'wx…'}"}}' ${fn}`,
      'as another caller:',
      `  curl -s ${json} -d '{"openid":"o_someone_else","data":{"action":"dev_agree","appid":"${pending?.appid ?? 'wx…'}"}}' ${fn}`,
      'from the demo admin mini-program (environment sharing: cloudbase_auth runs first):',
      `  curl -s ${json} -d '{"from":{"appid":"${adminApp.appid}","openid":"${adminApp.openid}"},"data":{}}' ${cloud.url}/functions/getPluginApplyList`,
      '',
      'inspect:',
      `  curl -s ${cloud.url}/_local/applications`,
      `  curl -s ${cloud.url}/_local/calls`,
      `  curl -s -X POST ${cloud.url}/_local/reset`,
      `  curl -s ${json} -d '{"kind":"errcode","errcode":-1,"times":2}' ${cloud.url}/_local/faults`,
      `  curl -s -X DELETE ${cloud.url}/_local/faults`,
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
  process.stderr.write(`local cloud failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
