/**
 * The codes the cloud answers a cloud call or a database request with (wx-server-sdk's own table), as data; the
 * table of every code, wechatErrors.ts, takes them in.
 */
import type { ErrorEntry } from './errorTable';

/** The hint of every failure whose outcome is unknown: the list tells whether the decision was applied. */
const REFRESH_THEN_RETRY = {
  zh: '请刷新列表确认该决定是否已生效，未生效再重试。',
  en: 'Refresh the list to see whether the decision was applied, then retry if not.',
} as const;

/** What the CLI says of a failure whose outcome is unknown: what to do next after the command it ran (it fills {next}). */
const NEXT = { zh: '{next}', en: '{next}' } as const;

/** The hint of a transient failure that is retried automatically. */
const TRANSIENT = { zh: '暂时性错误：会自动退避重试。', en: 'Transient: retry with backoff.' } as const;

/** Cloud-side codes, by number. */
export const CLOUD_ERRORS: ReadonlyArray<readonly [number, ErrorEntry]> = [
  // Cloud-side codes (wx-server-sdk's table).
  [
    -604101,
    {
      code: 'NO_API_PERMISSION',
      retry: 'never',
      outcome: 'known',
      zh: {
        message: '云函数没有调用此接口的权限',
        hint: '请在云函数的 config.json 的 permissions.openapi 中加入该接口（pluginManager.setDevPluginApplyStatus、pluginManager.getPluginDevApplyList），然后重新上传云函数；权限最多 10 分钟后生效。',
      },
      en: {
        message: 'the cloud function has no permission to call this API',
        hint: "Add the API (pluginManager.setDevPluginApplyStatus, pluginManager.getPluginDevApplyList) to permissions.openapi in the function's config.json and upload the function again; the permission takes up to 10 minutes to apply.",
      },
    },
  ],
  [
    -604100,
    {
      code: 'API_NOT_FOUND',
      retry: 'never',
      outcome: 'known',
      zh: { message: '接口不存在', hint: '请更新 wx-server-sdk 并重新部署；检查接口名称。' },
      en: { message: 'the API was not found', hint: 'Update wx-server-sdk and redeploy; check the API name.' },
    },
  ],
  [
    -604102,
    {
      code: 'OPENAPI_TIMEOUT',
      retry: 'backoff',
      outcome: 'unknown',
      zh: { message: '调用微信接口超时，结果未知', hint: REFRESH_THEN_RETRY.zh },
      en: { message: 'the WeChat API call timed out; the outcome is unknown', hint: REFRESH_THEN_RETRY.en },
      cli: NEXT,
    },
  ],
  [
    -604103,
    {
      code: 'OPENAPI_SYSTEM_ERROR',
      retry: 'backoff',
      outcome: 'known',
      zh: { message: '调用微信接口时系统错误', hint: TRANSIENT.zh },
      en: { message: 'system error while calling the WeChat API', hint: TRANSIENT.en },
    },
  ],
  [
    -604104,
    {
      code: 'ILLEGAL_INVOCATION_SOURCE',
      retry: 'never',
      outcome: 'known',
      zh: { message: '调用来源不合法', hint: '请从小程序中调用云函数：开发者工具的云端测试和本地调试都不是合法的调用来源。' },
      en: {
        message: 'illegal source of invocation',
        hint: "Call the function from the mini-program: neither DevTools' cloud testing nor local debugging is an accepted source.",
      },
    },
  ],
  [
    -601001,
    {
      code: 'WECHAT_SYSTEM_ERROR',
      retry: 'backoff',
      outcome: 'known',
      zh: { message: '微信系统错误', hint: TRANSIENT.zh },
      en: { message: 'WeChat system error', hint: TRANSIENT.en },
    },
  ],
  [
    -601002,
    {
      code: 'CLOUD_ARGS_ERROR',
      retry: 'never',
      outcome: 'known',
      zh: { message: '云调用参数错误', hint: '请附上请求 ID 反馈：云函数发送的参数被云端拒绝。' },
      en: { message: "the cloud call's arguments were rejected", hint: 'Report this with the request id: the function sent arguments the cloud refused.' },
    },
  ],
  [
    -601003,
    {
      code: 'CLOUD_NETWORK_ERROR',
      retry: 'backoff',
      outcome: 'unknown',
      zh: { message: '云调用网络错误，结果未知', hint: REFRESH_THEN_RETRY.zh },
      en: { message: 'network error in the cloud call; the outcome is unknown', hint: REFRESH_THEN_RETRY.en },
      cli: NEXT,
    },
  ],
  [
    -601004,
    {
      code: 'CLOUD_API_PERMISSION_DENIED',
      retry: 'never',
      outcome: 'known',
      zh: { message: '云调用接口权限被拒绝', hint: '请确认云函数部署在插件帐号自己的云开发环境中，且该帐号有此接口的权限。' },
      en: {
        message: 'API permission denied',
        hint: "Make sure the function runs in the plugin account's own environment and that the account may call this API.",
      },
    },
  ],
  [
    -601008,
    {
      code: 'CLOUD_SERVER_TIMEOUT',
      retry: 'backoff',
      outcome: 'unknown',
      zh: { message: '云调用服务端请求超时，结果未知', hint: REFRESH_THEN_RETRY.zh },
      en: { message: 'the server-side request timed out; the outcome is unknown', hint: REFRESH_THEN_RETRY.en },
      cli: NEXT,
    },
  ],
  [
    -601012,
    {
      code: 'CLOUD_UNAUTHORIZED_ENV',
      retry: 'never',
      outcome: 'known',
      zh: { message: '未授权的云开发环境', hint: '调用方无权使用该环境：请在云开发控制台的环境共享中授权调用方，或把云函数部署到自己的环境。' },
      en: {
        message: 'unauthorized environment',
        hint: 'The caller may not use this environment: grant it under 环境共享 in the cloud console, or deploy the function to its own environment.',
      },
    },
  ],
  // The SDK's text table files this one under -602018, but its constant WX_UNAUTHORIZED_API is -601018.
  [
    -601018,
    {
      code: 'CLOUD_UNAUTHORIZED_API',
      retry: 'never',
      outcome: 'known',
      zh: { message: '未授权的接口', hint: '该环境的授权不包括此接口：请检查环境共享的授权范围，或在插件帐号自己的环境中调用。' },
      en: {
        message: 'unauthorized API',
        hint: "The environment's grant does not cover this API: check the 环境共享 grant, or call from the plugin account's own environment.",
      },
    },
  ],
  [
    -501001,
    {
      code: 'CLOUD_SYSTEM_ERROR',
      retry: 'backoff',
      outcome: 'unknown',
      zh: { message: '云开发资源系统错误，结果未知', hint: REFRESH_THEN_RETRY.zh },
      en: { message: 'cloud resource system error; the outcome is unknown', hint: REFRESH_THEN_RETRY.en },
      cli: NEXT,
    },
  ],
  [
    -501002,
    {
      code: 'CLOUD_TIMEOUT',
      retry: 'backoff',
      outcome: 'unknown',
      zh: { message: '云开发服务超时，结果未知', hint: REFRESH_THEN_RETRY.zh },
      en: { message: 'the cloud service timed out; the outcome is unknown', hint: REFRESH_THEN_RETRY.en },
      cli: NEXT,
    },
  ],
  [
    -501003,
    {
      code: 'CLOUD_REQUEST_LIMIT',
      retry: 'later',
      outcome: 'known',
      zh: { message: '云开发请求次数超限', hint: '请稍候，或在云开发控制台提高环境配额。' },
      en: { message: "the cloud environment's request limit was exceeded", hint: "Wait, or raise the environment's quota in the cloud console." },
    },
  ],
  [
    -501004,
    {
      code: 'CLOUD_CONCURRENCY_LIMIT',
      retry: 'backoff',
      outcome: 'known',
      zh: { message: '云开发并发请求超限', hint: '会自动退避重试；请减少一次发送的决定数量。' },
      en: { message: "the cloud environment's concurrency limit was exceeded", hint: 'Retry with backoff; send fewer decisions at once.' },
    },
  ],
  [
    -501005,
    {
      code: 'CLOUD_INVALID_ENV',
      retry: 'never',
      outcome: 'known',
      zh: { message: '云开发环境无效', hint: '请部署到已存在的云开发环境（开发者工具：上传前先选择环境）。' },
      en: {
        message: 'the cloud environment is invalid',
        hint: 'Deploy the function to an existing environment (DevTools: choose the environment before uploading).',
      },
    },
  ],
  [
    -501006,
    {
      code: 'CLOUD_INVALID_COMMON_PARAMS',
      retry: 'never',
      outcome: 'known',
      zh: { message: '云开发公共参数无效', hint: '请更新 wx-server-sdk 并重新部署；仍出现请附上请求 ID 反馈。' },
      en: { message: 'invalid common parameters', hint: 'Update wx-server-sdk and redeploy; if it persists, report it with the request id.' },
    },
  ],
  [
    -501007,
    {
      code: 'CLOUD_INVALID_PARAMS',
      retry: 'never',
      outcome: 'known',
      zh: { message: '云开发请求参数无效', hint: '请附上请求 ID 反馈。' },
      en: { message: 'the cloud rejected the request parameters', hint: 'Report this with the request id.' },
    },
  ],
  [
    -501008,
    {
      code: 'CLOUD_INVALID_REQUEST_SOURCE',
      retry: 'never',
      outcome: 'known',
      zh: { message: '云开发请求来源无效', hint: '请从小程序或云函数中调用，不要从其他来源调用。' },
      en: { message: 'invalid request source', hint: 'Call from the mini-program or from a cloud function, not from another source.' },
    },
  ],
  [
    -501009,
    {
      code: 'CLOUD_RESOURCE_NOT_INITIALIZED',
      retry: 'never',
      outcome: 'known',
      zh: { message: '云开发资源未初始化', hint: '请在云开发控制台确认该环境已开通并初始化完成，然后再调用。' },
      en: {
        message: 'cloud resource not initialized',
        hint: 'In the cloud console, make sure the environment is activated and fully initialized, then call again.',
      },
    },
  ],
  // Cloud database codes (wx-server-sdk's table); they reach a result only through the trail query of getPluginApplyList.
  [
    -502001,
    {
      code: 'DATABASE_REQUEST_FAILED',
      retry: 'backoff',
      outcome: 'known',
      zh: { message: '云数据库请求失败', hint: '暂时性错误：请稍后重试。' },
      en: { message: 'the cloud database request failed', hint: 'Transient: try again shortly.' },
    },
  ],
  [
    -502002,
    {
      code: 'DATABASE_INVALID_OPERATOR',
      retry: 'never',
      outcome: 'known',
      zh: { message: '云数据库操作符无效', hint: '请附上请求 ID 反馈：云函数发送了数据库不接受的查询。' },
      en: {
        message: 'the cloud database rejected an operator',
        hint: 'Report it with the request id: the function sent a query the database does not accept.',
      },
    },
  ],
  [
    -502003,
    {
      code: 'DATABASE_PERMISSION_DENIED',
      retry: 'never',
      outcome: 'known',
      zh: {
        message: '云数据库权限被拒绝',
        hint: '云函数对数据库有完全权限，与集合的权限设置无关：请确认云函数部署在插件帐号自己的云开发环境中，且该环境的数据库已开通。',
      },
      en: {
        message: 'the cloud database denied permission',
        hint: "Cloud functions have full database access whatever a collection's permission says: check that the functions are deployed in the plugin account's own environment, with its database activated.",
      },
    },
  ],
];
