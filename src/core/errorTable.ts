/**
 * Every error a caller can meet, as data: the WeChat and cloud codes (seed page, platform-wide codes and
 * wx-server-sdk's own table) and the ones this package raises itself. The `code` names are a public contract.
 */
import type { EventIssue } from './eventSchema';

/**
 * How a failure may be retried: `backoff` — soon, with backoff (transient; retried automatically);
 * `later` — by the caller, after waiting or after the transport refreshed its token (not retried automatically);
 * `never` — the same call fails again until something changes.
 */
export type RetryPolicy = 'backoff' | 'later' | 'never';

interface ErrorSpec {
  code: string;
  message: string;
  messageEn: string;
  retry: RetryPolicy;
  /** What the operator should do about it, in Chinese and in English. */
  hint: string;
  hintEn: string;
  /**
   * `unknown` when the failure says nothing of whether WeChat applied the decision (a timeout, a dropped
   * connection, a cloud-side error after the request left): a later definite failure of the same decision
   * then cannot say that the decision was not applied.
   */
  outcome: Outcome;
}

/** Whether a failed call may still have been applied by WeChat. */
export type Outcome = 'known' | 'unknown';

/** The error a result carries: stable `code`, the WeChat/cloud `errCode` (null for our own), bilingual text. */
export interface ApplyError {
  code: string;
  errCode: number | null;
  message: string;
  messageEn: string;
  retryable: boolean;
  /** What to do, in Chinese; `hintEn` in English. */
  hint: string;
  hintEn: string;
  /** INVALID_EVENT only: every problem found in the event. */
  issues?: EventIssue[];
  /** WeChat's or the cloud's own text (errMsg), for WeChat and cloud codes; it may name the IP, the rid, etc. */
  raw?: string;
  /** When an application was looked up after WeChat refused a decision: its status now. */
  currentStatus?: string;
  /** MISCONFIGURED only: each problem with the function's environment variables and how to fix it. */
  problems?: string[];
  /** FORBIDDEN only: the caller's own OPENID (FROM_OPENID for a cross-account caller; null when the platform gave none). */
  yourOpenid?: string | null;
  /** FORBIDDEN for a cross-account caller only: the calling mini-program's appid (FROM_APPID). */
  yourAppid?: string | null;
  /** FORBIDDEN only: the exact entry to add to PLUGIN_ADMIN_OPENIDS to admit this caller (`OPENID` or `APPID:OPENID`), or null when none could. */
  adminEntry?: string | null;
  /** SKIPPED only: the code of the account-wide error that stopped the batch. */
  blockedBy?: string;
  /** HTTP_ERROR only: the HTTP status the HTTPS endpoint answered. */
  httpStatus?: number;
  /** OUTCOME_UNKNOWN after a later try failed: the earlier try whose answer was lost (its outcome unknown). */
  unknownTry?: { errCode: number; raw: string };
}

/** The hint of every failure whose outcome is unknown: the list tells whether the decision was applied. */
const REFRESH_THEN_RETRY = ['请刷新列表确认该决定是否已生效，未生效再重试。', 'Refresh the list to see whether the decision was applied, then retry if not.'] as const;

/** The hint of a transient failure that is retried automatically. */
const TRANSIENT = ['暂时性错误：会自动退避重试。', 'Transient: retry with backoff.'] as const;

const spec = (code: string, message: string, messageEn: string, retry: RetryPolicy, hint: string, hintEn: string, outcome: Outcome = 'known'): ErrorSpec => ({
  code, message, messageEn, retry, hint, hintEn, outcome,
});

/** WeChat and cloud codes, by number. */
export const WECHAT_ERRORS: ReadonlyMap<number, ErrorSpec> = new Map([
  // setDevPluginApplyStatus's own codes (seed page).
  [-1, spec('SYSTEM_BUSY', '微信系统繁忙，请稍后重试', 'WeChat is busy; try again shortly', 'backoff', '暂时性错误：会自动退避重试；如持续出现，请检查微信服务状态。', 'Transient: retry with backoff. If it persists, check WeChat service status.')],
  [89236, spec('PLUGIN_NOT_APPLICABLE', '该插件不能申请', 'this plugin cannot be applied for', 'never', '该插件不接受申请：请在管理后台（mp.weixin.qq.com）检查插件设置。', 'The plugin does not accept applications; check its settings in the admin console (mp.weixin.qq.com).')],
  [89237, spec('PLUGIN_ALREADY_ADDED', '已经添加该插件', 'the applicant has already added this plugin', 'never', '无需处理：申请方已在使用该插件，请刷新列表。', 'Nothing to do: the applicant already uses the plugin. Refresh the list.')],
  [89238, spec('PLUGIN_LIMIT_REACHED', '申请或使用的插件已经达到上限', 'the applicant has reached its limit of applied or used plugins', 'never', '申请方需先移除其他插件，才能添加本插件。', 'The applicant must remove a plugin before this one can be added.')],
  [89239, spec('PLUGIN_NOT_FOUND', '该插件不存在', 'the plugin does not exist', 'never', '请把云函数部署在插件帐号自己的云开发环境中（云调用以该帐号的 appid 身份进行）。', 'Deploy the function in the plugin account\'s own cloud environment (cloud calls act for that account\'s appid).')],
  [89240, spec('APPLICATION_NOT_PENDING', '无法进行此操作，只有"待确认"的申请可操作通过/拒绝', 'only pending applications can be agreed to or refused', 'never', '请刷新列表：该申请已被处理或已超时。', 'Refresh the list: the application was already decided or has timed out.')],
  [89241, spec('APPLICATION_NOT_DELETABLE', '无法进行此操作，只有"已拒绝/已超时"的申请可操作删除', 'only refused or timed-out applications can be deleted', 'never', '请刷新列表：已通过的申请不能删除。', 'Refresh the list: approved applications cannot be deleted.')],
  [89242, spec('APPLICATION_NOT_FOUND', '该 appid 不在申请列表内', 'this appid is not in the application list', 'never', '请对照申请列表（getPluginDevApplyList）检查 appid；它可能已被删除。', 'Check the appid against the list (getPluginDevApplyList); it may have been deleted already.')],
  [89243, spec('APPLICATION_PENDING', '"待确认"的申请不可删除', 'pending applications cannot be deleted', 'never', '请先同意或拒绝该申请，拒绝后再删除。', 'Agree to or refuse the application first, then delete it once refused.')],
  [89044, spec('PLUGIN_APPID_NOT_FOUND', '不存在该插件 appid', 'no plugin with this appid exists', 'never', '请把云函数部署在插件帐号自己的云开发环境中，或检查 PLUGIN_APPID。', 'Deploy the function in the plugin account\'s own cloud environment, or check PLUGIN_APPID.')],
  // Platform-wide codes (platform-facts.md).
  [40001, spec('ACCESS_TOKEN_INVALID', 'access_token 无效', 'the access_token is invalid', 'later', '已刷新 access_token 并重试过一次（强制刷新每 30 秒至多一次）；请确认没有其他程序重置 AppSecret 或强制刷新 access_token，然后再次调用。', 'The token was refreshed and the call retried once already (a forced refresh at most once per 30 s); check that nothing else resets the AppSecret or forces token refreshes, then call again.')],
  [40014, spec('ACCESS_TOKEN_INVALID', 'access_token 不合法', 'the access_token is not valid', 'later', '已刷新 access_token 并重试过一次，请再次调用。', 'The token was refreshed and the call retried once already; call again.')],
  [42001, spec('ACCESS_TOKEN_EXPIRED', 'access_token 已过期', 'the access_token has expired', 'later', '已刷新 access_token 并重试过一次，请再次调用。', 'The token was refreshed and the call retried once already; call again.')],
  [40013, spec('INVALID_APPID', '不合法的 AppID', 'invalid AppID', 'never', '请检查 PLUGIN_APPID：必须是插件自己的 appid。', 'Check PLUGIN_APPID: it must be the plugin\'s own appid.')],
  [40125, spec('INVALID_APPSECRET', '不合法的 AppSecret', 'invalid AppSecret', 'never', '请检查 PLUGIN_APPSECRET（开发管理 → 开发设置）；重置 AppSecret 后旧值立即失效。', 'Check PLUGIN_APPSECRET (开发管理 → 开发设置); resetting the AppSecret invalidates the old one.')],
  // "later", not "never": the quota resets at midnight, and the admin console (or clear_quota) can reset it sooner.
  [45009, spec('DAILY_QUOTA_EXCEEDED', '接口调用已达今日上限', 'the daily call quota of this API is used up', 'later', '请明天再试，或在管理后台重置接口调用次数后再调用。', 'Wait until tomorrow, or reset the quota in the admin console, then call again.')],
  [45011, spec('RATE_LIMITED', '接口调用过于频繁，请稍后再试', 'calls are too frequent; try again in a minute', 'later', '请等到下一分钟再重试。', 'Wait for the next minute before retrying.')],
  [41001, spec('ACCESS_TOKEN_MISSING', '缺少 access_token 参数', 'the access_token parameter is missing', 'never', '请求到达微信时没有 access_token：请检查 WECHAT_API_BASE_URL 指向的代理是否去掉了查询参数。', 'The request reached WeChat without its access_token: check that no proxy on WECHAT_API_BASE_URL strips the query string.')],
  [47001, spec('DATA_FORMAT_ERROR', '数据格式错误', 'data format error: WeChat could not read the request body', 'never', '请附上 raw 中的 rid 反馈：请求体不是微信能读取的 JSON。', 'Report this with the rid in raw: WeChat could not read the request body as JSON.')],
  [48004, spec('API_BANNED', '该帐号的此接口已被封禁', 'this API is banned for this account', 'never', '请在管理后台（mp.weixin.qq.com）查看封禁通知及解封方式。', 'See the ban notice and how to appeal it in the admin console (mp.weixin.qq.com).')],
  [48001, spec('API_UNAUTHORIZED', '该帐号没有此接口的权限', 'this account is not authorized for this API', 'never', '请使用插件自己的帐号：只有插件开发者可以处理插件的使用申请。', 'Use the plugin\'s own account: only the plugin developer may decide on its applications.')],
  [61007, spec('API_UNAUTHORIZED', '该接口未授权给第三方平台', 'this API is not authorized to the third-party platform', 'never', '请把该接口授权给第三方平台，或使用插件自己的帐号调用。', 'Authorize the API to the third-party platform, or call it with the plugin\'s own account.')],
  [61004, spec('IP_NOT_WHITELISTED', '调用方 IP 不在白名单内', 'the caller\'s IP address is not in the account\'s whitelist', 'never', '请在管理后台（开发管理 → 开发设置）把本服务器的 IP（见 raw）加入 IP 白名单。', 'Add this server\'s IP to the IP whitelist in the admin console (开发管理 → 开发设置).')],
  [40164, spec('IP_NOT_WHITELISTED', '调用方 IP 不在白名单内', 'the caller\'s IP address is not in the account\'s whitelist', 'never', '请在管理后台（开发管理 → 开发设置）把本服务器的 IP（见 raw）加入 IP 白名单。', 'Add this server\'s IP to the IP whitelist in the admin console (开发管理 → 开发设置).')],
  // Cloud-side codes (wx-server-sdk's table).
  [-604101, spec('NO_API_PERMISSION', '云函数没有调用此接口的权限', 'the cloud function has no permission to call this API', 'never', '请在云函数的 config.json 的 permissions.openapi 中加入该接口（pluginManager.setDevPluginApplyStatus、pluginManager.getPluginDevApplyList），然后重新上传云函数；权限最多 10 分钟后生效。', 'Add the API (pluginManager.setDevPluginApplyStatus, pluginManager.getPluginDevApplyList) to permissions.openapi in the function\'s config.json and upload the function again; the permission takes up to 10 minutes to apply.')],
  [-604100, spec('API_NOT_FOUND', '接口不存在', 'the API was not found', 'never', '请更新 wx-server-sdk 并重新部署；检查接口名称。', 'Update wx-server-sdk and redeploy; check the API name.')],
  [-604102, spec('OPENAPI_TIMEOUT', '调用微信接口超时，结果未知', 'the WeChat API call timed out; the outcome is unknown', 'backoff', ...REFRESH_THEN_RETRY, 'unknown')],
  [-604103, spec('OPENAPI_SYSTEM_ERROR', '调用微信接口时系统错误', 'system error while calling the WeChat API', 'backoff', ...TRANSIENT)],
  [-604104, spec('ILLEGAL_INVOCATION_SOURCE', '调用来源不合法', 'illegal source of invocation', 'never', '请从小程序中调用云函数：开发者工具的云端测试和本地调试都不是合法的调用来源。', 'Call the function from the mini-program: neither DevTools\' cloud testing nor local debugging is an accepted source.')],
  [-601001, spec('WECHAT_SYSTEM_ERROR', '微信系统错误', 'WeChat system error', 'backoff', ...TRANSIENT)],
  [-601002, spec('CLOUD_ARGS_ERROR', '云调用参数错误', 'the cloud call\'s arguments were rejected', 'never', '请附上请求 ID 反馈：云函数发送的参数被云端拒绝。', 'Report this with the request id: the function sent arguments the cloud refused.')],
  [-601003, spec('CLOUD_NETWORK_ERROR', '云调用网络错误，结果未知', 'network error in the cloud call; the outcome is unknown', 'backoff', ...REFRESH_THEN_RETRY, 'unknown')],
  [-601004, spec('CLOUD_API_PERMISSION_DENIED', '云调用接口权限被拒绝', 'API permission denied', 'never', '请确认云函数部署在插件帐号自己的云开发环境中，且该帐号有此接口的权限。', 'Make sure the function runs in the plugin account\'s own environment and that the account may call this API.')],
  [-601008, spec('CLOUD_SERVER_TIMEOUT', '云调用服务端请求超时，结果未知', 'the server-side request timed out; the outcome is unknown', 'backoff', ...REFRESH_THEN_RETRY, 'unknown')],
  [-601012, spec('CLOUD_UNAUTHORIZED_ENV', '未授权的云开发环境', 'unauthorized environment', 'never', '调用方无权使用该环境：请在云开发控制台的环境共享中授权调用方，或把云函数部署到自己的环境。', 'The caller may not use this environment: grant it under 环境共享 in the cloud console, or deploy the function to its own environment.')],
  // The SDK's text table files this one under -602018, but its constant WX_UNAUTHORIZED_API is -601018.
  [-601018, spec('CLOUD_UNAUTHORIZED_API', '未授权的接口', 'unauthorized API', 'never', '该环境的授权不包括此接口：请检查环境共享的授权范围，或在插件帐号自己的环境中调用。', 'The environment\'s grant does not cover this API: check the 环境共享 grant, or call from the plugin account\'s own environment.')],
  [-501001, spec('CLOUD_SYSTEM_ERROR', '云开发资源系统错误，结果未知', 'cloud resource system error; the outcome is unknown', 'backoff', ...REFRESH_THEN_RETRY, 'unknown')],
  [-501002, spec('CLOUD_TIMEOUT', '云开发服务超时，结果未知', 'the cloud service timed out; the outcome is unknown', 'backoff', ...REFRESH_THEN_RETRY, 'unknown')],
  [-501003, spec('CLOUD_REQUEST_LIMIT', '云开发请求次数超限', 'the cloud environment\'s request limit was exceeded', 'later', '请稍候，或在云开发控制台提高环境配额。', 'Wait, or raise the environment\'s quota in the cloud console.')],
  [-501004, spec('CLOUD_CONCURRENCY_LIMIT', '云开发并发请求超限', 'the cloud environment\'s concurrency limit was exceeded', 'backoff', '会自动退避重试；请减少一次发送的决定数量。', 'Retry with backoff; send fewer decisions at once.')],
  [-501005, spec('CLOUD_INVALID_ENV', '云开发环境无效', 'the cloud environment is invalid', 'never', '请部署到已存在的云开发环境（开发者工具：上传前先选择环境）。', 'Deploy the function to an existing environment (DevTools: choose the environment before uploading).')],
  [-501006, spec('CLOUD_INVALID_COMMON_PARAMS', '云开发公共参数无效', 'invalid common parameters', 'never', '请更新 wx-server-sdk 并重新部署；仍出现请附上请求 ID 反馈。', 'Update wx-server-sdk and redeploy; if it persists, report it with the request id.')],
  [-501007, spec('CLOUD_INVALID_PARAMS', '云开发请求参数无效', 'the cloud rejected the request parameters', 'never', '请附上请求 ID 反馈。', 'Report this with the request id.')],
  [-501008, spec('CLOUD_INVALID_REQUEST_SOURCE', '云开发请求来源无效', 'invalid request source', 'never', '请从小程序或云函数中调用，不要从其他来源调用。', 'Call from the mini-program or from a cloud function, not from another source.')],
  [-501009, spec('CLOUD_RESOURCE_NOT_INITIALIZED', '云开发资源未初始化', 'cloud resource not initialized', 'never', '请在云开发控制台确认该环境已开通并初始化完成，然后再调用。', 'In the cloud console, make sure the environment is activated and fully initialized, then call again.')],
  // Cloud database codes (wx-server-sdk's table); they reach a result only through the trail query of getPluginApplyList.
  [-502001, spec('DATABASE_REQUEST_FAILED', '云数据库请求失败', 'the cloud database request failed', 'backoff', ...TRANSIENT)],
  [-502002, spec('DATABASE_INVALID_OPERATOR', '云数据库操作符无效', 'the cloud database rejected an operator', 'never', '请附上请求 ID 反馈：云函数发送了数据库不接受的查询。', 'Report it with the request id: the function sent a query the database does not accept.')],
  [-502003, spec('DATABASE_PERMISSION_DENIED', '云数据库权限被拒绝', 'the cloud database denied permission', 'never', '云函数对数据库有完全权限，与集合的权限设置无关：请确认云函数部署在插件帐号自己的云开发环境中，且该环境的数据库已开通。', 'Cloud functions have full database access whatever a collection\'s permission says: check that the functions are deployed in the plugin account\'s own environment, with its database activated.')],
  // Raised by the HTTPS transport, not by WeChat: no HTTP answer came back, or one WeChat never sends.
  [-700001, spec('HTTPS_NETWORK_ERROR', '无法连接微信接口（网络错误），结果未知', 'could not reach the WeChat API (network error); the outcome is unknown', 'backoff', '请检查本服务器能否访问 api.weixin.qq.com（DNS、防火墙、代理）；刷新列表确认该决定是否已生效，未生效再重试。', 'Check that this server can reach api.weixin.qq.com (DNS, firewall, proxy); refresh the list to see whether the decision was applied, then retry if not.', 'unknown')],
  // Its retry policy depends on the status (httpRetryPolicy); "never" is what any status outside those rules gets.
  [-700002, spec('HTTP_ERROR', '微信接口地址返回了 HTTP 错误状态', 'the WeChat API address answered with an HTTP error status', 'never', '请查看 httpStatus：404 等 4xx 多为 WECHAT_API_BASE_URL 或代理配置错误；5xx 为上游故障，会自动重试，刷新列表确认决定是否已生效；429 请稍候再调用。', 'See httpStatus: a 4xx such as 404 usually means WECHAT_API_BASE_URL or a proxy is wrong; a 5xx is an upstream failure, retried automatically (refresh the list to see whether the decision was applied); on 429 wait, then call again.')],
  [-700003, spec('HTTPS_RESPONSE_TOO_LARGE', '微信接口的响应过大，已停止读取，结果未知', 'the answer from the WeChat API address was too large and was not read; the outcome is unknown', 'later', '微信接口的响应不会这么大：请检查 WECHAT_API_BASE_URL 或代理；刷新列表确认该决定是否已生效，未生效再重试。', 'WeChat\'s answers are never this large: check WECHAT_API_BASE_URL or the proxy; refresh the list to see whether the decision was applied, then retry if not.', 'unknown')],
  // An answer came back but could not be read (cut short, not JSON, not WeChat's shape): the request may have reached WeChat.
  [-700004, spec('UNREADABLE_ANSWER', '无法读取微信接口的应答，结果未知', 'the answer from the WeChat API address could not be read; the outcome is unknown', 'backoff', ...REFRESH_THEN_RETRY, 'unknown')],
]);

/** Errors this package raises itself, by code. */
export const OWN_ERRORS = {
  INVALID_EVENT: spec('INVALID_EVENT', '请求参数有误', 'the event is invalid', 'never', '请按 issues 中列出的每个问题修改后再调用。', 'Fix each problem listed in issues and call again.'),
  FORBIDDEN: spec('FORBIDDEN', '无权操作：只有插件管理员可以处理申请', 'forbidden: only plugin admins may decide on applications', 'never', '请管理员把 adminEntry 所示的条目加入云函数环境变量 PLUGIN_ADMIN_OPENIDS（三个云函数设为同一值）。', 'Ask an admin to add the entry in adminEntry to PLUGIN_ADMIN_OPENIDS in the functions\' environment variables (the same value on all three functions).'),
  NOT_CONFIGURED: spec('FORBIDDEN', '未配置管理员：云函数环境变量 PLUGIN_ADMIN_OPENIDS 未设置（或没有有效条目），所有调用均被拒绝', 'no admins configured: the function\'s environment variable PLUGIN_ADMIN_OPENIDS is unset (or has no valid entry), so every call is refused', 'never', '请在云开发控制台打开云函数的配置，把环境变量 PLUGIN_ADMIN_OPENIDS 设为管理员列表（逗号分隔，每项为 OPENID 或 APPID:OPENID，三个云函数设为同一值）。', 'In the cloud console, open the functions\' configuration and set PLUGIN_ADMIN_OPENIDS to the admins, comma-separated, each OPENID or APPID:OPENID (the same value on all three functions).'),
  MISCONFIGURED: spec('MISCONFIGURED', '云函数配置有误，请检查环境变量', 'the function is misconfigured: check its environment variables', 'never', '请按 problems 中列出的每个问题修改云函数环境变量（云开发控制台 → 云函数 → 配置），然后再调用。', 'Fix each problem listed in problems in the function\'s environment variables (cloud console → 云函数 → 配置), then call again.'),
  TIMEOUT: spec('TIMEOUT', '微信接口未在时限内响应，结果未知', 'WeChat did not answer within the time limit; the outcome is unknown', 'backoff', '请刷新列表确认该决定是否已生效，未生效再重试；或在云开发控制台调大云函数超时时间。', 'Refresh the list to see whether the decision was applied, then retry if not; or raise the function\'s timeout in the cloud console.', 'unknown'),
  OUTCOME_UNKNOWN: spec('OUTCOME_UNKNOWN', '无法确定此操作是否已生效：微信拒绝了它或应答丢失，而该申请的当前状态无法读取，结果未知', 'whether the decision was applied cannot be told: WeChat refused it or its answer was lost, and the application\'s current status could not be read, so the outcome is unknown', 'backoff', '请刷新列表查看该申请的当前状态：已是所要的状态则无需处理，否则再操作一次。', 'Refresh the list to see the application\'s current status: if it is already as asked there is nothing to do; otherwise send the decision again.', 'unknown'),
  NOT_ATTEMPTED: spec('NOT_ATTEMPTED', '时间不足，未处理此项', 'not attempted: the time limit ran out first', 'backoff', '请重新发送此项。', 'Send this item again.'),
  SKIPPED: spec('SKIPPED', '已跳过：本批次中前面的项遇到了整个帐号的错误，此项未发送', 'skipped: an earlier item of this batch met an account-wide error, so this item was not sent', 'later', '请先按该帐号级错误（见 blockedBy 及其提示）处理，然后重新发送这些项。', 'Fix the account-wide error reported above (see blockedBy and its hint) first, then send these items again.'),
  INTERNAL: spec('INTERNAL', '内部错误，请稍后重试', 'internal error; try again later', 'backoff', '请在云函数日志中按请求 ID 查找详情。', 'Look up the request id in the function\'s logs.'),
  TRAIL_UNREADABLE: spec('TRAIL_UNREADABLE', '无法读取决定记录', 'the decision trail could not be read', 'backoff', '请稍后重试；若一再出现，请在云函数日志中按请求 ID 查找原因（数据库未应答，或函数文件夹缺少 database.js）。', 'Try again shortly; if it persists, look the request id up in the function\'s logs (the database did not answer, or the function folder lacks database.js).'),
  UNKNOWN_WECHAT_ERROR: spec('WECHAT_ERROR', '微信接口返回了未知错误', 'WeChat returned an unknown error', 'never', '请在微信文档中查找该 errCode；raw 中是微信的原文。', 'Look up the errCode in WeChat\'s documentation; raw holds WeChat\'s own text.'),
} as const;

export type OwnErrorName = keyof typeof OWN_ERRORS;

/**
 * Codes that say something about the account, the environment or the function rather than one application: the
 * next item would meet the same error, so a batch starts no new item after one (the rest are SKIPPED).
 */
export const ACCOUNT_WIDE_CODES: ReadonlySet<string> = new Set([
  // Credentials and the HTTPS caller (the token was already refreshed once before these reach a batch).
  'ACCESS_TOKEN_INVALID',
  'ACCESS_TOKEN_EXPIRED',
  'INVALID_APPID',
  'INVALID_APPSECRET',
  'IP_NOT_WHITELISTED',
  'ACCESS_TOKEN_MISSING',
  // Quotas of the account or the environment.
  'DAILY_QUOTA_EXCEEDED',
  'RATE_LIMITED',
  'CLOUD_REQUEST_LIMIT',
  // The account, plugin or function cannot use this API at all.
  'API_UNAUTHORIZED',
  'PLUGIN_NOT_FOUND',
  'PLUGIN_APPID_NOT_FOUND',
  'NO_API_PERMISSION',
  'API_NOT_FOUND',
  'ILLEGAL_INVOCATION_SOURCE',
  'CLOUD_INVALID_ENV',
  'API_BANNED',
  'CLOUD_API_PERMISSION_DENIED',
  'CLOUD_UNAUTHORIZED_ENV',
  'CLOUD_UNAUTHORIZED_API',
  'CLOUD_INVALID_REQUEST_SOURCE',
  'CLOUD_RESOURCE_NOT_INITIALIZED',
]);

/** Whether an error is account-wide (see ACCOUNT_WIDE_CODES): every further item of a batch would meet it too. */
export function isAccountWide(error: ApplyError): boolean {
  return ACCOUNT_WIDE_CODES.has(error.code);
}

function toApplyError(entry: ErrorSpec, errCode: number | null): ApplyError {
  return {
    code: entry.code,
    errCode,
    message: entry.message,
    messageEn: entry.messageEn,
    retryable: entry.retry !== 'never',
    hint: entry.hint,
    hintEn: entry.hintEn,
  };
}

/** The error for one of our own conditions. */
export function ownError(name: OwnErrorName, extra: Partial<ApplyError> = {}): ApplyError {
  return { ...toApplyError(OWN_ERRORS[name], null), ...extra };
}

/** The errCode of HTTP_ERROR: the HTTPS endpoint answered a status other than 2xx. */
export const HTTP_ERROR_CODE = -700002;

/**
 * How an HTTP error status may be retried: a 5xx is the upstream being unwell and may pass (decisions are safe to
 * repeat); 429 asks the caller to slow down, so not at once; any other status (404, 403, 400…) is a wrong address
 * or a proxy refusing, which fails the same way every time.
 */
export function httpRetryPolicy(httpStatus: number): RetryPolicy {
  if (httpStatus >= 500 && httpStatus <= 599) return 'backoff';
  if (httpStatus === 429) return 'later';
  return 'never';
}

/** The error for a WeChat or cloud code, with WeChat's own text; an unknown code keeps its number. */
export function wechatError(errCode: number, raw: string, httpStatus?: number): ApplyError {
  const entry = WECHAT_ERRORS.get(errCode) ?? OWN_ERRORS.UNKNOWN_WECHAT_ERROR;
  const error = { ...toApplyError(entry, errCode), raw };
  if (errCode !== HTTP_ERROR_CODE || httpStatus === undefined) return error;
  return { ...error, retryable: httpRetryPolicy(httpStatus) !== 'never', httpStatus, ...httpStatusHint(httpStatus, raw) };
}

/**
 * HTTP_ERROR's hint for what its status and address say: a redirect is never followed, and a failed token fetch
 * sent no decision, so there is nothing to check in the list.
 */
function httpStatusHint(httpStatus: number, raw: string): Pick<ApplyError, 'hint' | 'hintEn'> | Record<string, never> {
  if (httpStatus >= 300 && httpStatus <= 399) {
    return {
      hint: `接口地址返回了重定向（HTTP ${httpStatus}），为免把 AppSecret 或 access_token 发往别处，不会跟随：请检查 WECHAT_API_BASE_URL 或代理。微信接口从不重定向。`,
      hintEn: `The address answered a redirect (HTTP ${httpStatus}), which is never followed so that the AppSecret or access token cannot be sent elsewhere: check WECHAT_API_BASE_URL or the proxy. WeChat's API never redirects.`,
    };
  }
  if (raw.includes('/cgi-bin/stable_token')) {
    return {
      hint: `获取 access_token 时接口地址返回 HTTP ${httpStatus}，决定尚未发送：${httpStatus >= 500 || httpStatus === 429 ? '稍后重试即可' : '请检查 WECHAT_API_BASE_URL 或代理'}。`,
      hintEn: `Fetching the access token got HTTP ${httpStatus}, so no decision was sent: ${httpStatus >= 500 || httpStatus === 429 ? 'just retry later' : 'check WECHAT_API_BASE_URL or the proxy'}.`,
    };
  }
  return {};
}

/** The codes whose failure leaves it unknown whether the decision was applied (the table's `outcome`). */
export const OUTCOME_UNKNOWN_CODES: ReadonlySet<string> = new Set(
  [...WECHAT_ERRORS.values(), ...Object.values(OWN_ERRORS)].filter((entry) => entry.outcome === 'unknown').map((entry) => entry.code),
);

/**
 * Whether a call that failed with this code may still have been applied (the table's `outcome`; unknown codes:
 * known, since WeChat answered them). HTTP_ERROR by its status: a 5xx gateway may have passed the request on.
 */
export function failureOutcome(errCode: number, httpStatus?: number): Outcome {
  if (errCode === HTTP_ERROR_CODE) return httpStatus !== undefined && httpRetryPolicy(httpStatus) === 'backoff' ? 'unknown' : 'known';
  return WECHAT_ERRORS.get(errCode)?.outcome ?? 'known';
}

/** How a WeChat or cloud code may be retried (unknown codes: never); HTTP_ERROR by its status. */
export function retryPolicyOf(errCode: number, httpStatus?: number): RetryPolicy {
  if (errCode === HTTP_ERROR_CODE && httpStatus !== undefined) return httpRetryPolicy(httpStatus);
  return WECHAT_ERRORS.get(errCode)?.retry ?? 'never';
}
