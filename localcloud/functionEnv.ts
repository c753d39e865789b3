/** The watcher's variables that npm start passes from its own environment to every hosted function. */
const PASSED_THROUGH = /^(PLUGIN_APPLY_|PLUGIN_AUTO_AGREE)/;

/**
 * What npm start sets on every hosted function, as the cloud console would: PLUGIN_ADMIN_OPENIDS (its own or
 * `defaultAdmins`), and every PLUGIN_APPLY_* and PLUGIN_AUTO_AGREE* variable of npm start's environment, so the
 * watcher can be tried with the settings it will have in the cloud. PLUGIN_APPLY_WEBHOOK, when set, replaces the
 * local robot's address the local cloud gives otherwise.
 */
export function hostedFunctionEnv(env: NodeJS.ProcessEnv, defaultAdmins: string): Record<string, string> {
  const hosted: Record<string, string> = { PLUGIN_ADMIN_OPENIDS: env.PLUGIN_ADMIN_OPENIDS ?? defaultAdmins };
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && PASSED_THROUGH.test(name)) hosted[name] = value;
  }
  return hosted;
}
