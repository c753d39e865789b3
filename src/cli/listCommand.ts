/** `plugin-apply list`: every page of the application list, filtered by status, as a table or JSON. */
import type { Walk } from '../core/applicationList';
import { readAllPages } from '../core/applicationList';
import type { Deadline } from '../core/deadline';
import type { StatusName } from '../core/eventSchema';
import { PAGE_SIZE_MAX } from '../core/eventSchema';
import type { LogSink } from '../core/log';
import type { PluginApplyClient, WeChatApiError } from '../core/wechatClient';
import type { TextSink } from './deps';
import { EXIT } from './exitCodes';
import { errorOf } from './failures';
import type { CliContext } from './output';
import { CREDENTIAL_CODES, describeError, forCli, formatApplicationsTable, formatHints, jsonText } from './output';

/** What `list` was asked for and where it writes. */
export interface ListOptions {
  status: StatusName | undefined;
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
    walk = await readAllPages(client, opts.deadline, { num: PAGE_SIZE_MAX, onRetry });
  } catch (thrown) {
    const error = forCli(errorOf(thrown), opts.context);
    opts.stderr.write(`✗ list failed: ${describeError(error)}\n${formatHints([error])}`);
    return CREDENTIAL_CODES.has(error.code) ? EXIT.usage : EXIT.failed;
  }
  const items = walk.items.filter((item) => opts.status === undefined || item.statusName === opts.status);
  opts.stdout.write(opts.json ? `${jsonText(items)}\n` : formatApplicationsTable(items, opts.status));
  if (!walk.complete) {
    const why =
      walk.cutReason ??
      (walk.stoppedBy === undefined ? 'the time limit ran out while reading pages; raise --timeout' : `page ${walk.nextPage ?? '?'} failed: ${describeError(errorOf(walk.stoppedBy))}`);
    // Running again would only meet a repeating page again; the other cuts may pass.
    opts.stderr.write(`✗ the list is incomplete: ${why}${walk.cutReason === undefined ? '; run again' : ''}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
