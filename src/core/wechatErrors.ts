/**
 * The codes WeChat, the cloud and this package's transports answer with, as data (seed page, platform-wide codes,
 * wx-server-sdk's own table from cloudErrors.ts, and the HTTPS transport's own). What each means is in errorTable.ts.
 */
import type { ErrorEntry } from './errorTable';
import { CLOUD_ERRORS } from './cloudErrors';
import { byHttpStatus, tokenAddressHint } from './httpAnswers';

/** What the CLI says of a failure whose outcome is unknown: what to do next after the command it ran. */
const NEXT = { zh: '{next}', en: '{next}' } as const;

/** The CLI's words for a refusal of the account: only the plugin's own account may use the API. */
const OWN_ACCOUNT_ONLY = {
  zh: '请使用插件自己的帐号：只有插件开发者可以处理插件的使用申请。',
  en: "Use the plugin's own account: only the plugin developer may decide on its applications.",
  list: {
    zh: '请使用插件自己的帐号：只有插件开发者可以读取插件的申请列表。',
    en: "Use the plugin's own account: only the plugin developer may list its applications.",
  },
} as const;

/** The CLI's words for a plugin WeChat does not know: the CLI's PLUGIN_APPID names it. */
const CHECK_PLUGIN_APPID = { zh: '请检查 PLUGIN_APPID：必须是插件自己的 appid。', en: "Check PLUGIN_APPID: it must be the plugin's own appid." } as const;

/** The errCode of HTTP_ERROR: the HTTPS endpoint answered a status other than 2xx. */
export const HTTP_ERROR_CODE = -700002;

/**
 * The errCode of UNREADABLE_ANSWER: an answer came back, after the request may have reached WeChat, but the
 * transport could not read it (cut short, not JSON, not the SDK's protobuf, or without WeChat's errcode).
 */
export const UNREADABLE_ANSWER_CODE = -700004;

/** The errCode of ACCESS_TOKEN_UNAVAILABLE: the HTTPS transport got no access token, so it sent no decision. */
export const ACCESS_TOKEN_UNAVAILABLE_CODE = -700005;

/** WeChat and cloud codes, by number. */
export const WECHAT_ERRORS: ReadonlyMap<number, ErrorEntry> = new Map<number, ErrorEntry>([
  // setDevPluginApplyStatus's own codes (seed page).
  [
    -1,
    {
      code: 'SYSTEM_BUSY',
      retry: 'backoff',
      outcome: 'known',
      zh: { message: '微信系统繁忙，请稍后重试', hint: '暂时性错误：会自动退避重试；如持续出现，请检查微信服务状态。' },
      en: { message: 'WeChat is busy; try again shortly', hint: 'Transient: retry with backoff. If it persists, check WeChat service status.' },
    },
  ],
  [
    89236,
    {
      code: 'PLUGIN_NOT_APPLICABLE',
      retry: 'never',
      outcome: 'known',
      zh: { message: '该插件不能申请', hint: '该插件不接受申请：请在管理后台（mp.weixin.qq.com）检查插件设置。' },
      en: {
        message: 'this plugin cannot be applied for',
        hint: 'The plugin does not accept applications; check its settings in the admin console (mp.weixin.qq.com).',
      },
    },
  ],
  [
    89237,
    {
      code: 'PLUGIN_ALREADY_ADDED',
      retry: 'never',
      outcome: 'known',
      zh: { message: '已经添加该插件', hint: '无需处理：申请方已在使用该插件，请刷新列表。' },
      en: { message: 'the applicant has already added this plugin', hint: 'Nothing to do: the applicant already uses the plugin. Refresh the list.' },
      cli: { zh: '无需处理：申请方已在使用该插件。', en: 'Nothing to do: the applicant already uses the plugin.' },
    },
  ],
  [
    89238,
    {
      code: 'PLUGIN_LIMIT_REACHED',
      retry: 'never',
      outcome: 'known',
      zh: { message: '申请或使用的插件已经达到上限', hint: '申请方需先移除其他插件，才能添加本插件。' },
      en: {
        message: 'the applicant has reached its limit of applied or used plugins',
        hint: 'The applicant must remove a plugin before this one can be added.',
      },
    },
  ],
  [
    89239,
    {
      code: 'PLUGIN_NOT_FOUND',
      retry: 'never',
      outcome: 'known',
      zh: { message: '该插件不存在', hint: '请把云函数部署在插件帐号自己的云开发环境中（云调用以该帐号的 appid 身份进行）。' },
      en: {
        message: 'the plugin does not exist',
        hint: "Deploy the function in the plugin account's own cloud environment (cloud calls act for that account's appid).",
      },
      cli: CHECK_PLUGIN_APPID,
    },
  ],
  [
    89240,
    {
      code: 'APPLICATION_NOT_PENDING',
      retry: 'never',
      outcome: 'known',
      zh: { message: '无法进行此操作，只有"待确认"的申请可操作通过/拒绝', hint: '请刷新列表：该申请已被处理或已超时。' },
      en: { message: 'only pending applications can be agreed to or refused', hint: 'Refresh the list: the application was already decided or has timed out.' },
      cli: {
        zh: '请运行 plugin-apply list：该申请已被处理或已超时。',
        en: 'Run plugin-apply list: the application was already decided or has timed out.',
        agreeToClosed: {
          zh: '已拒绝或已超时的申请不能再同意：需由申请方重新申请，之后再运行 plugin-apply agree。',
          en: 'A refused or timed-out application cannot be agreed to: the applicant must apply again, then run plugin-apply agree.',
        },
      },
    },
  ],
  [
    89241,
    {
      code: 'APPLICATION_NOT_DELETABLE',
      retry: 'never',
      outcome: 'known',
      zh: { message: '无法进行此操作，只有"已拒绝/已超时"的申请可操作删除', hint: '请刷新列表：已通过的申请不能删除。' },
      en: { message: 'only refused or timed-out applications can be deleted', hint: 'Refresh the list: approved applications cannot be deleted.' },
      cli: { zh: '请运行 plugin-apply list：已通过的申请不能删除。', en: 'Run plugin-apply list: approved applications cannot be deleted.' },
    },
  ],
  [
    89242,
    {
      code: 'APPLICATION_NOT_FOUND',
      retry: 'never',
      outcome: 'known',
      zh: { message: '该 appid 不在申请列表内', hint: '请对照申请列表（getPluginDevApplyList）检查 appid；它可能已被删除。' },
      en: {
        message: 'this appid is not in the application list',
        hint: 'Check the appid against the list (getPluginDevApplyList); it may have been deleted already.',
      },
      cli: { zh: '请用 plugin-apply list 核对 appid；它可能已被删除。', en: 'Check the appid against plugin-apply list; it may have been deleted already.' },
    },
  ],
  [
    89243,
    {
      code: 'APPLICATION_PENDING',
      retry: 'never',
      outcome: 'known',
      zh: { message: '"待确认"的申请不可删除', hint: '请先同意或拒绝该申请，拒绝后再删除。' },
      en: { message: 'pending applications cannot be deleted', hint: 'Agree to or refuse the application first, then delete it once refused.' },
      cli: {
        zh: '请先同意或拒绝该申请（plugin-apply refuse --reason 理由 APPID），拒绝后再删除。',
        en: 'Agree to or refuse it first (plugin-apply refuse --reason TEXT APPID), then delete it once refused.',
      },
    },
  ],
  [
    89044,
    {
      code: 'PLUGIN_APPID_NOT_FOUND',
      retry: 'never',
      outcome: 'known',
      zh: { message: '不存在该插件 appid', hint: '请把云函数部署在插件帐号自己的云开发环境中，或检查 PLUGIN_APPID。' },
      en: { message: 'no plugin with this appid exists', hint: "Deploy the function in the plugin account's own cloud environment, or check PLUGIN_APPID." },
      cli: CHECK_PLUGIN_APPID,
    },
  ],
  // Platform-wide codes (platform-facts.md).
  [
    40001,
    {
      code: 'ACCESS_TOKEN_INVALID',
      retry: 'later',
      outcome: 'known',
      zh: {
        message: 'access_token 无效',
        hint: '已刷新 access_token 并重试过一次（强制刷新每 30 秒至多一次）；请确认没有其他程序重置 AppSecret 或强制刷新 access_token，然后再次调用。',
      },
      en: {
        message: 'the access_token is invalid',
        hint: 'The token was refreshed and the call retried once already (a forced refresh at most once per 30 s); check that nothing else resets the AppSecret or forces token refreshes, then call again.',
      },
    },
  ],
  [
    40014,
    {
      code: 'ACCESS_TOKEN_INVALID',
      retry: 'later',
      outcome: 'known',
      zh: { message: 'access_token 不合法', hint: '已刷新 access_token 并重试过一次，请再次调用。' },
      en: { message: 'the access_token is not valid', hint: 'The token was refreshed and the call retried once already; call again.' },
    },
  ],
  [
    42001,
    {
      code: 'ACCESS_TOKEN_EXPIRED',
      retry: 'later',
      outcome: 'known',
      zh: { message: 'access_token 已过期', hint: '已刷新 access_token 并重试过一次，请再次调用。' },
      en: { message: 'the access_token has expired', hint: 'The token was refreshed and the call retried once already; call again.' },
    },
  ],
  [
    40013,
    {
      code: 'INVALID_APPID',
      retry: 'never',
      outcome: 'known',
      zh: { message: '不合法的 AppID', hint: '请检查 PLUGIN_APPID：必须是插件自己的 appid。' },
      en: { message: 'invalid AppID', hint: "Check PLUGIN_APPID: it must be the plugin's own appid." },
    },
  ],
  [
    40125,
    {
      code: 'INVALID_APPSECRET',
      retry: 'never',
      outcome: 'known',
      zh: { message: '不合法的 AppSecret', hint: '请检查 PLUGIN_APPSECRET（开发管理 → 开发设置）；重置 AppSecret 后旧值立即失效。' },
      en: { message: 'invalid AppSecret', hint: 'Check PLUGIN_APPSECRET (开发管理 → 开发设置); resetting the AppSecret invalidates the old one.' },
    },
  ],
  // "later", not "never": the quota resets at midnight, and the admin console (or clear_quota) can reset it sooner.
  [
    45009,
    {
      code: 'DAILY_QUOTA_EXCEEDED',
      retry: 'later',
      outcome: 'known',
      zh: { message: '接口调用已达今日上限', hint: '请明天再试，或在管理后台重置接口调用次数后再调用。' },
      en: { message: 'the daily call quota of this API is used up', hint: 'Wait until tomorrow, or reset the quota in the admin console, then call again.' },
    },
  ],
  [
    45011,
    {
      code: 'RATE_LIMITED',
      retry: 'later',
      outcome: 'known',
      zh: { message: '接口调用过于频繁，请稍后再试', hint: '请等到下一分钟再重试。' },
      en: { message: 'calls are too frequent; try again in a minute', hint: 'Wait for the next minute before retrying.' },
    },
  ],
  [
    41001,
    {
      code: 'ACCESS_TOKEN_MISSING',
      retry: 'never',
      outcome: 'known',
      zh: { message: '缺少 access_token 参数', hint: '请求到达微信时没有 access_token：请检查 WECHAT_API_BASE_URL 指向的代理是否去掉了查询参数。' },
      en: {
        message: 'the access_token parameter is missing',
        hint: 'The request reached WeChat without its access_token: check that no proxy on WECHAT_API_BASE_URL strips the query string.',
      },
      cli: {
        zh: '请求到达微信时没有 access_token：请检查 --base-url / WECHAT_API_BASE_URL（本次 {url}） 指向的代理是否去掉了查询参数。',
        en: 'The request reached WeChat without its access_token: check that no proxy on --base-url / WECHAT_API_BASE_URL (this run: {url}) strips the query string.',
      },
    },
  ],
  [
    47001,
    {
      code: 'DATA_FORMAT_ERROR',
      retry: 'never',
      outcome: 'known',
      zh: { message: '数据格式错误', hint: '请附上 raw 中的 rid 反馈：请求体不是微信能读取的 JSON。' },
      en: {
        message: 'data format error: WeChat could not read the request body',
        hint: 'Report this with the rid in raw: WeChat could not read the request body as JSON.',
      },
      cli: {
        zh: '请附上错误行末尾的 rid 反馈：请求体不是微信能读取的 JSON。',
        en: 'Report this with the rid at the end of the error line: WeChat could not read the request body as JSON.',
      },
    },
  ],
  [
    48004,
    {
      code: 'API_BANNED',
      retry: 'never',
      outcome: 'known',
      zh: { message: '该帐号的此接口已被封禁', hint: '请在管理后台（mp.weixin.qq.com）查看封禁通知及解封方式。' },
      en: { message: 'this API is banned for this account', hint: 'See the ban notice and how to appeal it in the admin console (mp.weixin.qq.com).' },
    },
  ],
  [
    48001,
    {
      code: 'API_UNAUTHORIZED',
      retry: 'never',
      outcome: 'known',
      zh: { message: '该帐号没有此接口的权限', hint: '请使用插件自己的帐号：只有插件开发者可以处理插件的使用申请。' },
      en: {
        message: 'this account is not authorized for this API',
        hint: "Use the plugin's own account: only the plugin developer may decide on its applications.",
      },
      cli: OWN_ACCOUNT_ONLY,
    },
  ],
  [
    61007,
    {
      code: 'API_UNAUTHORIZED',
      retry: 'never',
      outcome: 'known',
      zh: { message: '该接口未授权给第三方平台', hint: '请把该接口授权给第三方平台，或使用插件自己的帐号调用。' },
      en: {
        message: 'this API is not authorized to the third-party platform',
        hint: "Authorize the API to the third-party platform, or call it with the plugin's own account.",
      },
      cli: OWN_ACCOUNT_ONLY,
    },
  ],
  [
    61004,
    {
      code: 'IP_NOT_WHITELISTED',
      retry: 'never',
      outcome: 'known',
      zh: { message: '调用方 IP 不在白名单内', hint: '请在管理后台（开发管理 → 开发设置）把本服务器的 IP（见 raw）加入 IP 白名单。' },
      en: {
        message: "the caller's IP address is not in the account's whitelist",
        hint: "Add this server's IP to the IP whitelist in the admin console (开发管理 → 开发设置).",
      },
      cli: {
        zh: '请在管理后台（开发管理 → 开发设置）把本机的 IP（错误行末尾微信的原文中有）加入 IP 白名单。',
        en: "Add this machine's IP (WeChat's text at the end of the error line names it) to the IP whitelist in the admin console (开发管理 → 开发设置).",
      },
    },
  ],
  [
    40164,
    {
      code: 'IP_NOT_WHITELISTED',
      retry: 'never',
      outcome: 'known',
      zh: { message: '调用方 IP 不在白名单内', hint: '请在管理后台（开发管理 → 开发设置）把本服务器的 IP（见 raw）加入 IP 白名单。' },
      en: {
        message: "the caller's IP address is not in the account's whitelist",
        hint: "Add this server's IP to the IP whitelist in the admin console (开发管理 → 开发设置).",
      },
      cli: {
        zh: '请在管理后台（开发管理 → 开发设置）把本机的 IP（错误行末尾微信的原文中有）加入 IP 白名单。',
        en: "Add this machine's IP (WeChat's text at the end of the error line names it) to the IP whitelist in the admin console (开发管理 → 开发设置).",
      },
    },
  ],
  // Cloud-side and cloud database codes (wx-server-sdk's table): cloudErrors.ts.
  ...CLOUD_ERRORS,
  // Raised by the HTTPS transport, not by WeChat: no HTTP answer came back, or one WeChat never sends.
  [
    -700001,
    {
      code: 'HTTPS_NETWORK_ERROR',
      retry: 'backoff',
      outcome: 'unknown',
      zh: {
        message: '无法连接微信接口（网络错误），结果未知',
        hint: '请检查本服务器能否访问 api.weixin.qq.com（DNS、防火墙、代理）；刷新列表确认该决定是否已生效，未生效再重试。',
      },
      en: {
        message: 'could not reach the WeChat API (network error); the outcome is unknown',
        hint: 'Check that this server can reach api.weixin.qq.com (DNS, firewall, proxy); refresh the list to see whether the decision was applied, then retry if not.',
      },
      cli: {
        zh: '请检查本机能否访问 {url}（DNS、防火墙、代理，以及 --base-url / WECHAT_API_BASE_URL 是否写错）。{next}',
        en: 'Check that this machine can reach {url} (DNS, firewall, proxy, or a mistyped --base-url / WECHAT_API_BASE_URL). {next}',
      },
    },
  ],
  // Its retry policy, outcome and hint follow the status (byHttpStatus); "never" is what a status outside its rules gets.
  [
    HTTP_ERROR_CODE,
    {
      code: 'HTTP_ERROR',
      retry: 'never',
      outcome: 'known',
      zh: {
        message: '微信接口地址返回了 HTTP 错误状态',
        hint: '请查看 httpStatus：404 等 4xx 多为 WECHAT_API_BASE_URL 或代理配置错误；5xx 为上游故障，会自动重试，刷新列表确认决定是否已生效；429 请稍候再调用。',
      },
      en: {
        message: 'the WeChat API address answered with an HTTP error status',
        hint: 'See httpStatus: a 4xx such as 404 usually means WECHAT_API_BASE_URL or a proxy is wrong; a 5xx is an upstream failure, retried automatically (refresh the list to see whether the decision was applied); on 429 wait, then call again.',
      },
      cli: {
        zh: '请查看 httpStatus：404 等 4xx 多为 --base-url / WECHAT_API_BASE_URL（本次 {url}） 或代理配置错误；5xx 为上游故障，会自动重试，运行 plugin-apply list 确认决定是否已生效；429 请稍候再调用。',
        en: 'See httpStatus: a 4xx such as 404 usually means --base-url / WECHAT_API_BASE_URL (this run: {url}) or a proxy is wrong; a 5xx is an upstream failure, retried automatically (run plugin-apply list to see whether the decision was applied); on 429 wait, then call again.',
      },
      byAnswer: byHttpStatus,
    },
  ],
  // Raised by the HTTPS transport when stable_token gave no usable token: no decision left, so the outcome is known.
  [
    ACCESS_TOKEN_UNAVAILABLE_CODE,
    {
      code: 'ACCESS_TOKEN_UNAVAILABLE',
      retry: 'later',
      outcome: 'known',
      zh: {
        message: '无法获取 access_token，未向微信发送任何请求',
        hint: '未发送任何请求：请检查本服务器能否访问 WECHAT_API_BASE_URL 的 /cgi-bin/stable_token，稍后再试。',
      },
      en: {
        message: 'no access token could be fetched, so nothing was sent to WeChat',
        hint: "Nothing was sent: check that this server reaches WECHAT_API_BASE_URL's /cgi-bin/stable_token, then try again later.",
      },
      cli: {
        zh: '请检查本机能否访问 {url}/cgi-bin/stable_token（DNS、防火墙、代理，以及 --base-url / WECHAT_API_BASE_URL 是否写错）。未发送任何请求，可直接重新运行。',
        en: 'Check that this machine can reach {url}/cgi-bin/stable_token (DNS, firewall, proxy, or a mistyped --base-url / WECHAT_API_BASE_URL). Nothing was sent, so just run it again.',
      },
      byAnswer: tokenAddressHint,
    },
  ],
  [
    -700003,
    {
      code: 'HTTPS_RESPONSE_TOO_LARGE',
      retry: 'later',
      outcome: 'unknown',
      zh: {
        message: '微信接口的响应过大，已停止读取，结果未知',
        hint: '微信接口的响应不会这么大：请检查 WECHAT_API_BASE_URL 或代理；刷新列表确认该决定是否已生效，未生效再重试。',
      },
      en: {
        message: 'the answer from the WeChat API address was too large and was not read; the outcome is unknown',
        hint: "WeChat's answers are never this large: check WECHAT_API_BASE_URL or the proxy; refresh the list to see whether the decision was applied, then retry if not.",
      },
      cli: {
        zh: '微信接口的响应不会这么大：请检查 --base-url / WECHAT_API_BASE_URL（本次 {url}）或代理。{next}',
        en: "WeChat's answers are never this large: check --base-url / WECHAT_API_BASE_URL (this run: {url}) or the proxy. {next}",
      },
    },
  ],
  // Raised by both transports: an answer nobody can read says nothing of whether WeChat applied the request.
  [
    UNREADABLE_ANSWER_CODE,
    {
      code: 'UNREADABLE_ANSWER',
      retry: 'backoff',
      outcome: 'unknown',
      zh: {
        message: '微信接口的应答无法读取（被截断、不是 JSON 或缺少 errcode），结果未知',
        hint: '会自动退避重试；请刷新列表确认该决定是否已生效，未生效再重试。持续出现时请附上 raw 反馈（HTTPS 方式请检查 WECHAT_API_BASE_URL 或代理）。',
      },
      en: {
        message: 'the answer from the WeChat API could not be read (cut short, not JSON, or without an errcode); the outcome is unknown',
        hint: 'Retried with backoff; refresh the list to see whether the decision was applied, then retry if not. If it persists, report it with raw (over HTTPS, check WECHAT_API_BASE_URL or the proxy).',
      },
      cli: NEXT,
    },
  ],
]);
