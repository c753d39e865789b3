// Lists applications (getPluginApplyList) and agrees, refuses or deletes them (setPluginApplyStatus).
// Every result is { ok: true, ... } or { ok: false, error: { code, message, messageEn, hint, ... } }.

const STATUS_TEXT = { pending: '待确认', approved: '已通过', refused: '已拒绝', expired: '已超时', unknown: '未知' };

function call(name, data) {
  return wx.cloud.callFunction({ name, data }).then(
    (response) => response.result,
    // A rejected call never comes from the function itself (it returns its errors); it is the platform's.
    (error) => ({ ok: false, error: { code: 'CALL_FAILED', message: `云函数调用失败：${error.errMsg || error}` } }),
  );
}

function showError(error) {
  const lines = [error.message];
  if (error.code === 'FORBIDDEN' && error.yourOpenid) lines.push(`你的 OPENID：${error.yourOpenid}`);
  if (error.issues) lines.push(...error.issues.map((issue) => `${issue.path}: ${issue.message}`));
  if (error.hint) lines.push(`建议：${error.hint}`);
  wx.showModal({ title: error.code, content: lines.join('\n'), showCancel: false });
}

Page({
  data: { items: [], filter: '', loading: false },

  onLoad() {
    this.refresh();
  },

  onPullDownRefresh() {
    this.refresh().then(() => wx.stopPullDownRefresh());
  },

  refresh() {
    this.setData({ loading: true });
    const data = { all: true };
    if (this.data.filter) data.status = this.data.filter;
    return call('getPluginApplyList', data).then((result) => {
      this.setData({ loading: false });
      if (!result.ok) return showError(result.error);
      const items = result.items.map((item) => ({
        ...item,
        statusText: STATUS_TEXT[item.statusName] || item.statusName,
        createTimeText: item.createTime ? item.createTime.slice(0, 16).replace('T', ' ') : '',
      }));
      this.setData({ items });
    });
  },

  onFilter(event) {
    this.setData({ filter: event.currentTarget.dataset.status });
    this.refresh();
  },

  decide(data) {
    wx.showLoading({ title: '处理中' });
    return call('setPluginApplyStatus', data).then((result) => {
      wx.hideLoading();
      if (!result.ok) return showError(result.error);
      wx.showToast({ title: result.changed ? '已完成' : '无需更改' });
      return this.refresh();
    });
  },

  onAgree(event) {
    this.decide({ action: 'dev_agree', appid: event.currentTarget.dataset.appid });
  },

  onRefuse(event) {
    const appid = event.currentTarget.dataset.appid;
    wx.showModal({
      title: '拒绝理由',
      editable: true,
      placeholderText: '告诉申请者为什么被拒绝',
      success: (answer) => {
        if (answer.confirm) this.decide({ action: 'dev_refuse', appid, reason: answer.content || '' });
      },
    });
  },

  onDelete(event) {
    this.decide({ action: 'dev_delete', appid: event.currentTarget.dataset.appid });
  },
});
