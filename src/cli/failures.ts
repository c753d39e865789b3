/**
 * How the CLI words a failure: what was thrown, read by the error table's `classifyFailure`, said for someone at the
 * CLI (its hint names a flag or a `plugin-apply` command, never a function or a field of the functions' results).
 */
import type { ApplyError } from '../core/errorTable';
import { classifyFailure, OUTCOME_UNKNOWN_CODES } from '../core/errorTable';
import type { Lang } from './output';
import { printable } from './output';

/** What the CLI's hints need to know: which command ran, where it sent its calls, its --timeout and language. */
export interface CliContext {
  command: 'list' | 'decide';
  baseUrl: string;
  timeoutS: number;
  lang: Lang;
}

/** Codes of the two refusals that mean the credentials themselves are wrong: a configuration error (exit 2). */
export const CREDENTIAL_CODES: ReadonlySet<string> = new Set(['INVALID_APPID', 'INVALID_APPSECRET']);

/** A thrown WeChat or deadline failure as the error table reads it, said for the CLI; anything else is a bug and is thrown on. */
export function cliFailure(thrown: unknown, context: CliContext): ApplyError {
  const failure = classifyFailure(thrown);
  if (failure === null) throw thrown;
  return forCli(failure.error, context);
}

type Said = Partial<Pick<ApplyError, 'message' | 'messageEn' | 'hint' | 'hintEn' | 'raw'>>;

/**
 * The error said for someone at the CLI: the error table's hints are written for the cloud functions (raise the
 * function's timeout in the console, reach api.weixin.qq.com, check the list with getPluginDevApplyList), while
 * here the cure is a flag or a `plugin-apply` command, the URL is whatever --base-url named, and a failed list
 * decided nothing, so its outcome is never unknown. `action` is the decision's, when there was one.
 */
export function forCli(error: ApplyError, context: CliContext, action?: string): ApplyError {
  const said = { ...cliHint(error, context, action), ...(context.command === 'list' ? listWords(error) : {}) };
  return { ...error, ...said };
}

/** Text about a decision's unknown outcome, which a list never has: it sends nothing. */
function listWords(error: ApplyError): Said {
  const strip = (text: string): string => text.replace(/[，,;；]\s*(结果未知|the outcome is unknown)/g, '');
  return { message: strip(error.message), messageEn: strip(error.messageEn), ...(error.raw === undefined ? {} : { raw: strip(error.raw) }) };
}

function cliHint(error: ApplyError, context: CliContext, action: string | undefined): Said {
  const next =
    context.command === 'list'
      ? { zh: '读取列表不会改变任何申请，可直接重新运行。', en: 'Listing changes nothing, so just run it again.' }
      : {
          zh: '请运行 plugin-apply list 查看该决定是否已生效，未生效再重新发送。',
          en: 'Run plugin-apply list to see whether the decision was applied, then send it again if not.',
        };
  const url = printable(context.baseUrl);
  switch (error.code) {
    case 'TIMEOUT':
      return {
        hint: `${next.zh}需要更多时间时，请调大 --timeout（本次 ${context.timeoutS} 秒）。`,
        hintEn: `${next.en} To allow more time, raise --timeout (this run: ${context.timeoutS} s).`,
      };
    case 'HTTPS_NETWORK_ERROR':
      return {
        hint: `请检查本机能否访问 ${url}（DNS、防火墙、代理，以及 --base-url / WECHAT_API_BASE_URL 是否写错）。${next.zh}`,
        hintEn: `Check that this machine can reach ${url} (DNS, firewall, proxy, or a mistyped --base-url / WECHAT_API_BASE_URL). ${next.en}`,
      };
    case 'ACCESS_TOKEN_UNAVAILABLE':
      return {
        hint: `请检查本机能否访问 ${url}/cgi-bin/stable_token（DNS、防火墙、代理，以及 --base-url / WECHAT_API_BASE_URL 是否写错）。未发送任何请求，可直接重新运行。`,
        hintEn: `Check that this machine can reach ${url}/cgi-bin/stable_token (DNS, firewall, proxy, or a mistyped --base-url / WECHAT_API_BASE_URL). Nothing was sent, so just run it again.`,
      };
    case 'HTTP_ERROR':
      // The table's general hint points at its httpStatus field; here the status is known and said.
      if (error.httpStatus !== undefined && error.hintEn.startsWith('See httpStatus')) return httpStatusHint(error.httpStatus, url, next);
      return baseUrlHint(error, url);
    case 'HTTPS_RESPONSE_TOO_LARGE':
    case 'ACCESS_TOKEN_MISSING':
      return baseUrlHint(error, url);
    case 'INTERNAL':
      return { hint: '请加 --verbose 重新运行，并附上输出反馈。', hintEn: 'Run again with --verbose and report what it prints.' };
    case 'WATCH_STATE_UNAVAILABLE':
      // plugin-apply watch keeps its records in a local state file, whose own message says what to do.
      return {
        message: '无法读写 watch 的状态文件，本次未读取、未决定、未发送任何内容',
        messageEn: 'could not read or write the watch state file, so this run read, decided and sent nothing',
        hint: error.raw ?? '请检查 --state 指定的文件。',
        hintEn: error.raw ?? 'Check the file --state names.',
      };
    case 'APPLICATION_NOT_PENDING':
      if (action === 'dev_agree' && (error.currentStatus === 'refused' || error.currentStatus === 'expired')) {
        return {
          hint: '已拒绝或已超时的申请不能再同意：需由申请方重新申请，之后再运行 plugin-apply agree。',
          hintEn: 'A refused or timed-out application cannot be agreed to: the applicant must apply again, then run plugin-apply agree.',
        };
      }
      return { hint: '请运行 plugin-apply list：该申请已被处理或已超时。', hintEn: 'Run plugin-apply list: the application was already decided or has timed out.' };
    case 'APPLICATION_NOT_DELETABLE':
      return { hint: '请运行 plugin-apply list：已通过的申请不能删除。', hintEn: 'Run plugin-apply list: approved applications cannot be deleted.' };
    case 'APPLICATION_NOT_FOUND':
      return { hint: '请用 plugin-apply list 核对 appid；它可能已被删除。', hintEn: 'Check the appid against plugin-apply list; it may have been deleted already.' };
    case 'APPLICATION_PENDING':
      return {
        hint: '请先同意或拒绝该申请（plugin-apply refuse --reason 理由 APPID），拒绝后再删除。',
        hintEn: 'Agree to or refuse it first (plugin-apply refuse --reason TEXT APPID), then delete it once refused.',
      };
    case 'PLUGIN_ALREADY_ADDED':
      return { hint: '无需处理：申请方已在使用该插件。', hintEn: 'Nothing to do: the applicant already uses the plugin.' };
    case 'PLUGIN_NOT_FOUND':
    case 'PLUGIN_APPID_NOT_FOUND':
      return { hint: '请检查 PLUGIN_APPID：必须是插件自己的 appid。', hintEn: 'Check PLUGIN_APPID: it must be the plugin\'s own appid.' };
    case 'API_UNAUTHORIZED':
      return context.command === 'list'
        ? { hint: '请使用插件自己的帐号：只有插件开发者可以读取插件的申请列表。', hintEn: 'Use the plugin\'s own account: only the plugin developer may list its applications.' }
        : { hint: '请使用插件自己的帐号：只有插件开发者可以处理插件的使用申请。', hintEn: 'Use the plugin\'s own account: only the plugin developer may decide on its applications.' };
    case 'INVALID_EVENT':
      return { hint: '请按该行下列出的问题修改后再运行。', hintEn: 'Fix each problem listed under its line, then run again.' };
    case 'NOT_ATTEMPTED':
      return { hint: '请对这些 appid 再运行一次（需要时调大 --timeout）。', hintEn: 'Run again for these appids (raise --timeout if time ran out).' };
    case 'SKIPPED':
      return {
        hint: '请先按上面的帐号级错误处理，然后对跳过的 appid 再运行一次。',
        hintEn: 'Fix the account-wide error reported above first, then run again for the skipped appids.',
      };
    default:
      return OUTCOME_UNKNOWN_CODES.has(error.code) ? { hint: next.zh, hintEn: next.en } : {};
  }
}

/** The table's hint with the address said as the CLI has it: --base-url or WECHAT_API_BASE_URL, and the URL used. */
function baseUrlHint(error: ApplyError, url: string): Said {
  return {
    hint: error.hint.replaceAll('WECHAT_API_BASE_URL', `--base-url / WECHAT_API_BASE_URL（本次 ${url}）`).replace('刷新列表', '运行 plugin-apply list '),
    hintEn: error.hintEn.replaceAll('WECHAT_API_BASE_URL', `--base-url / WECHAT_API_BASE_URL (this run: ${url})`).replace('refresh the list', 'run plugin-apply list'),
  };
}

/** HTTP_ERROR's hint for its status: a wrong address or proxy (4xx), a busy upstream (429), a failing one (5xx). */
function httpStatusHint(status: number, url: string, next: { zh: string; en: string }): Said {
  if (status === 429) return { hint: '接口地址返回 HTTP 429（请求过多）：请稍候再运行。', hintEn: 'The address answered HTTP 429 (too many requests): wait, then run again.' };
  if (status >= 500) {
    return { hint: `接口地址返回 HTTP ${status}：上游故障，已自动重试。${next.zh}`, hintEn: `The address answered HTTP ${status}: an upstream failure, already retried. ${next.en}` };
  }
  return {
    hint: `接口地址返回 HTTP ${status}：多为 --base-url / WECHAT_API_BASE_URL（本次 ${url}）或代理配置错误。`,
    hintEn: `The address answered HTTP ${status}: usually a wrong --base-url / WECHAT_API_BASE_URL (this run: ${url}) or proxy.`,
  };
}
