// The admin mini-program: lists applications to use the plugin and decides on them through the cloud functions.
App({
  onLaunch() {
    if (!wx.cloud) {
      console.error('wx.cloud is unavailable: use base library 2.2.3 or newer');
      return;
    }
    // DYNAMIC_CURRENT_ENV: the environment chosen in DevTools' cloud panel.
    wx.cloud.init({ env: wx.cloud.DYNAMIC_CURRENT_ENV, traceUser: true });
  },
});
