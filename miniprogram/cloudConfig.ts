/**
 * Where the admin mini-program finds the cloud functions — the one file to edit before building.
 *
 * - `current`: the environment this mini-program itself uses (DevTools' cloud panel, or `env`). Use it when the
 *   functions run in this app's own environment: the plugin's DevTools demo, or the HTTPS way.
 * - `shared`: the plugin account's environment shared with this mini-program (环境共享). `resourceAppid` is the
 *   plugin's appid, `resourceEnv` its environment id; that environment needs the `cloudbase_auth` function.
 *
 * Run `npm run build` after editing: the pages are built from TypeScript into the `.js` files DevTools loads.
 */

/** The environment the functions are called in. */
export type CloudTarget = { kind: 'current'; env?: string } | { kind: 'shared'; resourceAppid: string; resourceEnv: string };

/** Edit this value. */
export const cloudTarget: CloudTarget = { kind: 'current' };
