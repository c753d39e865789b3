import type { Application } from '../../localcloud/server';

/** Builds one application with realistic fields. */
export function application(appid: string, status: Application['status'], reason = ''): Application {
  return {
    appid,
    status,
    nickname: `测试小程序${appid.slice(-4)}`,
    headimgurl: `https://wx.qlogo.cn/mmhead/${appid}/0`,
    categories: [{ first: '工具', second: '效率' }],
    create_time: '1717034400',
    apply_url: `https://mp.weixin.qq.com/wxopen/plugindevdoc?appid=${appid}`,
    reason,
  };
}

/** Appids of the fixture list, named after their status. */
export const appids = {
  pendingA: 'wxaaaa000000000001',
  pendingB: 'wxaaaa000000000002',
  approved: 'wxbbbb000000000001',
  refused: 'wxcccc000000000001',
  timedOut: 'wxdddd000000000001',
  unknown: 'wxeeee000000000001',
} as const;

/** Two pending, one approved, one refused, one timed-out application. */
export function fixtureApplications(): Application[] {
  return [
    application(appids.pendingA, 1, '申请理由A'),
    application(appids.pendingB, 1, '申请理由B'),
    application(appids.approved, 2),
    application(appids.refused, 3, '类目不符'),
    application(appids.timedOut, 4),
  ];
}
