/** `plugin-apply list`: every page of the application list, filtered by status, as a table or JSON. */
import type { Walk } from '../core/applicationList';
import { readAllPages } from '../core/applicationList';
import type { Deadline } from '../core/deadline';
import type { StatusName } from '../core/status';
import { PAGE_SIZE_MAX } from '../core/eventSchema';
import type { LogSink } from '../core/log';
import type { PluginApplyClient, WeChatApiError } from '../core/wechatClient';
import type { TextSink } from './deps';
import { EXIT } from './exitCodes';
import type { CliContext } from './failures';
import { cliFailure, CREDENTIAL_CODES } from './failures';
import { describeError, formatApplicationsTable, formatHints, jsonText } from './output';

/** What `list` was asked for and where it writes. */
export interface ListOptions {
  status: StatusName | undefined;
  /** `--from-page`: where the walk starts. */
  firstPage: number;
  json: boolean;
  deadline: Deadline;
  log: LogSink;
  context: CliContext;
  stdout: TextSink;
  stderr: TextSink;
}

/** Reads every page and prints the applications; resolves the exit code. */
export async function listCommand(client: PluginApplyClient, opts: ListOptions): Promise<number> {
  const onRetry = (thrown: WeChatApiError, attempt: number): void =>
    opts.log({ level: 'warn', event: 'retry', action: 'dev_apply_list', errCode: thrown.errCode, attempt });
  let walk: Walk;
  try {
    // Each page is retried on its own inside the walk.
    walk = await readAllPages(client, opts.deadline, { num: PAGE_SIZE_MAX, firstPage: opts.firstPage, onRetry });
  } catch (thrown) {
    const error = cliFailure(thrown, opts.context);
    opts.stderr.write(`✗ list failed: ${describeError(error, opts.context.lang)}\n${formatHints([error], opts.context.lang)}`);
    return CREDENTIAL_CODES.has(error.code) ? EXIT.usage : EXIT.failed;
  }
  const items = walk.items.filter((item) => opts.status === undefined || item.statusName === opts.status);
  opts.stdout.write(opts.json ? `${jsonText(items)}\n` : formatApplicationsTable(items, opts.status));
  if (!walk.complete) {
    const lang = opts.context.lang;
    const failure = walk.stoppedBy === undefined ? null : cliFailure(walk.stoppedBy, opts.context);
    // The core's cut reason names a page to continue from: here that is an option of this command.
    const cut = walk.cutReason?.replace(/continue from page (\d+)/, 'continue with plugin-apply list --from-page $1');
    const why =
      cut ??
      (failure === null
        ? 'the time limit ran out while reading pages; raise --timeout'
        : `page ${walk.nextPage ?? '?'} failed: ${describeError(failure, lang)}`);
    // Running again would only meet a repeating page again; the other cuts may pass.
    opts.stderr.write(`✗ the list is incomplete: ${why}${walk.cutReason === undefined ? '; run again' : ''}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
