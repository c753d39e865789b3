/**
 * The admin mini-program: lists the applications to use the plugin and decides on them through the cloud
 * functions. Which environment it calls is set in cloudConfig.ts; services/pluginApplyClient.ts connects to it.
 */
App({
  onLaunch(): void {
    if (wx.cloud === undefined) console.error('wx.cloud is unavailable: use base library 2.2.3 or newer');
  },
});
