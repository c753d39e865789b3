/**
 * How the CLI words a failure: what was thrown, read by the error table's `classifyFailure`, said for someone at the
 * CLI (its hint names a flag or a `plugin-apply` command, never a function or a field of the functions' results).
 */
import type { ApplyError } from '../core/errorTable';
import { classifyFailure, cliHintOf } from '../core/errorTable';
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
 * The error said for someone at the CLI: the error table's hints are written for the cloud functions' callers (raise
 * the function's timeout in the console, reach api.weixin.qq.com, check the list with getPluginDevApplyList), while
 * here the cure is a flag or a `plugin-apply` command, so the table's words for the CLI are said, with this run's
 * URL and --timeout; and a failed list decided nothing, so its outcome is never unknown. `action` is the
 * decision's, when there was one.
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

/** What to do after a command failed with its outcome unknown: a list changed nothing; a decision may have been applied. */
const NEXT = {
  list: { zh: '读取列表不会改变任何申请，可直接重新运行。', en: 'Listing changes nothing, so just run it again.' },
  decide: {
    zh: '请运行 plugin-apply list 查看该决定是否已生效，未生效再重新发送。',
    en: 'Run plugin-apply list to see whether the decision was applied, then send it again if not.',
  },
} as const;

/** The table's CLI words for the error, for this command and action, with their placeholders filled for this run. */
function cliHint(error: ApplyError, context: CliContext, action: string | undefined): Said {
  const words = cliHintOf(error);
  if (words === undefined) return {};
  const agreeToClosed = action === 'dev_agree' && (error.currentStatus === 'refused' || error.currentStatus === 'expired');
  const chosen = (context.command === 'list' ? words.list : agreeToClosed ? words.agreeToClosed : undefined) ?? words;
  const fill = (text: string, lang: Lang): string =>
    text.replace(/\{(next|url|timeout)\}/g, (_, name: string) => {
      if (name === 'next') return NEXT[context.command][lang];
      return name === 'url' ? printable(context.baseUrl) : String(context.timeoutS);
    });
  return { hint: fill(chosen.zh, 'zh'), hintEn: fill(chosen.en, 'en') };
}
