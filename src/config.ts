/**
 * The function's configuration, read once at cold start from the environment variables set in the cloud console.
 * Reading never throws: a missing or empty admin list is a state ("nobody may call") that each call reports.
 */

/** Who may decide on applications. `unset`: PLUGIN_ADMIN_OPENIDS is missing or empty, so nobody may. */
export type AdminList = { kind: 'unset' } | { kind: 'listed'; openids: ReadonlySet<string> };

export interface Config {
  admins: AdminList;
}

/** Reads the configuration from an environment (process.env in the cloud). */
export function readConfig(env: Readonly<Record<string, string | undefined>>): Config {
  return { admins: parseAdminList(env.PLUGIN_ADMIN_OPENIDS) };
}

/** Parses a comma-separated OPENID list; blanks around and between entries are ignored. */
export function parseAdminList(raw: string | undefined): AdminList {
  const openids = (raw ?? '')
    .split(/[,，\s]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  return openids.length === 0 ? { kind: 'unset' } : { kind: 'listed', openids: new Set(openids) };
}
