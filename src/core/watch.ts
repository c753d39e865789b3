/**
 * The core of watchPluginApplyList: one run of the watcher. Only the timer, an admin or `plugin-apply watch` (which
 * holds the account's own AppSecret) may run it; it takes the lease, reads every application (one walk of the list),
 * notices what is worth telling (watchNotices.ts), agrees what the team's rules agree through the decision core,
 * sends one digest (digest.ts) and remembers what the channel took.
 * Pure logic: the WeChat client, the store, the channel, the clock and the log come in as dependencies.
 */
import type { Application } from './applicationList';
import { readAllPages } from './applicationList';
import type { AgreeRule } from './autoAgree';
import { matchingRule } from './autoAgree';
import { callerLogFields, identify, refuseCall } from './callerPolicy';
import type { Deadline } from './deadline';
import { beforeDeadline, remainingMs } from './deadline';
import type { DecisionResult } from './decisions';
import { decideMany } from './batch';
import { renderDigest } from './digest';
import type { ApplyError } from './errorTable';
import { classifyFailure, ownError } from './errorTable';
import { describeThrown } from './log';
import type { InvocationDeps, Steps } from './pipeline';
import { requestFacts, runRequest } from './pipeline';
import { DEFAULT_RETRY } from './retry';
import type { WatchConfig } from './watchConfig';
import type { DecidedElsewhere, Notice, Observation, TimeoutReport } from './watchNotices';
import { effectiveTimeoutMs, lookbackMs, observe, timeoutReport } from './watchNotices';
import type { WatchedApplication, WatchState, WatchStore } from './watchStore';
import { WatchStoreError } from './watchStore';
import type { PluginApplyClient } from './wechatClient';

/** How a digest send ended: taken by the channel, or why not (never carrying the channel's secret). */
export type ChannelAnswer = { ok: true } | { ok: false; code: string; errCode: number | null; detail: string; hint: string };

/** Where digests go (the WeCom robot in the cloud); `send` never rejects. */
export interface DigestChannel {
  send(markdown: string, timeoutMs: number): Promise<ChannelAnswer>;
}

/** An automatic decision, for the decision trail: the decision sent, its result and the rule that made it. */
export interface RuleDecision {
  event: { action: 'dev_agree'; appid: string };
  result: DecisionResult;
  rule: string;
  /** The applicant's nickname as the list showed it, for the record. */
  nickname: string;
}

export interface WatchDeps extends InvocationDeps {
  client: PluginApplyClient;
  store: WatchStore;
  /** Null when PLUGIN_APPLY_WEBHOOK is unset: nothing is sent, and so nothing counts as told. */
  channel: DigestChannel | null;
  /** getWXContext().SOURCE: `wx_trigger` for the timer. */
  source: string | null;
  /**
   * `cli`: run by `plugin-apply watch`, which holds the account's AppSecret and so is the account itself: there is no
   * caller to check. Set only by that command's code, never from an event or the platform's context.
   */
  runBy?: 'cli';
  watch: Omit<WatchConfig, 'problems' | 'webhookUrl'>;
  /** The run's deadline (InvocationDeps'); its `now` is the clock every age is reckoned on. */
  /** Writes the automatic decisions into the decision trail; its failure is reported, never fatal. */
  recordDecisions?: (decisions: readonly RuleDecision[]) => Promise<void>;
}

/** What one run saw, decided, sent and could not do. */
export interface WatchSummary {
  trigger: WatchRunner;
  seen: { listed: number; complete: boolean; pending: number; new: string[]; dueSoon: string[]; timedOut: string[]; decidedElsewhere: DecidedElsewhere[] };
  decided: {
    dryRun: boolean;
    agreed: Array<{ appid: string; rule: string; changed: boolean }>;
    wouldAgree: Array<{ appid: string; rule: string }>;
    failed: Array<{ appid: string; rule: string; code: string }>;
  };
  digest: {
    status: 'sent' | 'nothingToSay' | 'failed' | 'noChannel' | 'noTime';
    notices: number;
    more: number;
    bytes: number;
    error?: Omit<Extract<ChannelAnswer, { ok: false }>, 'ok'>;
  };
  timeout: TimeoutReport;
  /** Documents written this run (the lease and state document included). */
  writes: number;
  /** What it could not do, in words; empty when it did everything. */
  problems: string[];
}

/** Who ran it: the timer, an admin by hand, or `plugin-apply watch`. */
export type WatchRunner = 'timer' | 'admin' | 'cli';

export type WatchResult =
  { ok: true; ran: true; summary: WatchSummary } | { ok: true; ran: false; reason: 'ANOTHER_RUN_IN_PROGRESS' } | { ok: false; error: ApplyError };

const FN = 'watchPluginApplyList';

/** Time kept back at the end of a run for the digest and the writes. */
const RESERVE_MS = 2000;
/** Longest one digest send may take. */
const SEND_MAX_MS = 5000;

/** The timer: SOURCE exactly `wx_trigger`, and no caller identity at all (a trigger has none). */
function isTimer(deps: WatchDeps): boolean {
  const identity = identify(deps.caller);
  return deps.source === 'wx_trigger' && identity.kind === 'sameAccount' && identity.openid === null;
}

/** Who runs it: `plugin-apply watch`, the timer, or else a caller who must be an admin. */
function runnerOf(deps: WatchDeps): WatchRunner {
  if (deps.runBy === 'cli') return 'cli';
  return isTimer(deps) ? 'timer' : 'admin';
}

/** The watcher's steps on the request pipeline: the timer, the CLI or an admin; one log line per run with what it did. */
const WATCH_STEPS: Steps<WatchDeps, null, WatchResult> = {
  fn: FN,
  admit: (deps) => {
    const refusal =
      runnerOf(deps) === 'admin' ? refuseCall(deps) : deps.configProblems?.length ? ownError('MISCONFIGURED', { problems: [...deps.configProblems] }) : null;
    return refusal === null ? null : { ok: false, error: refusal };
  },
  // The timer's event (Type, TriggerName, Time) and an admin's carry nothing a run needs.
  parse: () => ({ ok: true, value: null }),
  run: (_input, deps, log) => leased(runnerOf(deps), { ...deps, log }),
  describe: (result) => {
    if (!result.ok)
      return { outcome: result.error.code, errCode: result.error.errCode, ...(result.error.raw === undefined ? {} : { detail: result.error.raw }) };
    if (!result.ran) return { outcome: 'BUSY', detail: 'another run holds the lease' };
    return { outcome: 'OK', trigger: result.summary.trigger, ...counts(result.summary) };
  },
  internal: () => ({ ok: false, error: ownError('INTERNAL') }),
};

/** Runs the watcher once; never throws. */
export async function handleWatch(event: unknown, deps: WatchDeps): Promise<WatchResult> {
  return runRequest(WATCH_STEPS, event, deps, requestFacts(deps, { ...callerLogFields(deps.caller), source: deps.source }));
}

/** Takes the lease, runs, and frees it; a run that finds it held leaves at once. */
async function leased(trigger: WatchRunner, deps: WatchDeps): Promise<WatchResult> {
  const runId = `${deps.requestId ?? 'run'}-${Math.random().toString(36).slice(2, 10)}`;
  let state: WatchState | null = null;
  try {
    const taken = await beforeDeadline(deps.store.takeLease(runId, deps.deadline.now(), deps.deadline.at), deps.deadline);
    if (!taken) return { ok: true, ran: false, reason: 'ANOTHER_RUN_IN_PROGRESS' };
    state = await beforeDeadline(deps.store.readState(), deps.deadline);
    return { ok: true, ran: true, summary: await run(trigger, state, runId, deps) };
  } catch (thrown) {
    // Free the lease for the next run (the state as it was); it lapses at the deadline anyway.
    if (state !== null) await beforeDeadline(deps.store.finish(runId, state), deps.deadline).catch(() => undefined);
    if (thrown instanceof WatchStoreError)
      return { ok: false, error: ownError('WATCH_STATE_UNAVAILABLE', { errCode: thrown.errCode, raw: thrown.message.slice(0, 300) }) };
    const failure = classifyFailure(thrown);
    if (failure === null) throw thrown;
    return { ok: false, error: failure.error };
  }
}

function counts(summary: WatchSummary): Record<string, number | string | boolean> {
  return {
    listed: summary.seen.listed,
    complete: summary.seen.complete,
    pending: summary.seen.pending,
    new: summary.seen.new.length,
    dueSoon: summary.seen.dueSoon.length,
    timedOut: summary.seen.timedOut.length,
    agreed: summary.decided.agreed.length,
    wouldAgree: summary.decided.wouldAgree.length,
    digest: summary.digest.status,
    notices: summary.digest.notices,
    writes: summary.writes,
    problems: summary.problems.length,
  };
}

/** The run itself, once the lease is held and the state read. */
async function run(trigger: WatchRunner, state: WatchState, runId: string, deps: WatchDeps): Promise<WatchSummary> {
  const now = deps.deadline.now();
  const problems: string[] = [];
  const retry = deps.retry ?? DEFAULT_RETRY;
  const work: Deadline = { at: deps.deadline.at - Math.min(RESERVE_MS, 0.4 * remainingMs(deps.deadline)), now: deps.deadline.now };
  const walk = await readAllPages(deps.client, work, { retry });
  if (!walk.complete)
    problems.push(`read ${walk.items.length} applications, not the whole list (${walk.cutReason ?? walk.end}): the rest wait for the next run`);
  const timeout = effectiveTimeoutMs(state, deps.watch.timeoutMs);
  const documents = new Map((await beforeDeadline(deps.store.readApplications(now - lookbackMs(timeout.ms)), deps.deadline)).map((doc) => [doc._id, doc]));
  const seen = observe({ items: walk.items, documents, state, remindAt: deps.watch.remindAt, configuredTimeoutMs: deps.watch.timeoutMs, now });
  // The lease taken, and the state written with it freed.
  let writes = 2;

  const decided = await applyRules(seen, documents, deps, work, now, problems);
  writes += decided.writes;

  const timeoutNote = effectiveTimeoutMs({ ...state, observedTimeout: seen.observedTimeout }, deps.watch.timeoutMs);
  const digest = renderDigest(seen.notices, { mentions: deps.watch.mentions, timeout: timeoutNote });
  let digestStatus: WatchSummary['digest'] = { status: 'nothingToSay', notices: 0, more: 0, bytes: 0 };
  let told: Notice[] = [];
  if (digest !== null) {
    const size = { notices: digest.included.length, more: digest.more, bytes: Buffer.byteLength(digest.markdown) };
    const sendMs = Math.min(SEND_MAX_MS, remainingMs(deps.deadline) - 500);
    if (deps.channel === null) {
      digestStatus = { status: 'noChannel', ...size };
    } else if (sendMs < 200) {
      digestStatus = { status: 'noTime', ...size };
      problems.push('too little time was left to send the digest: it is sent by the next run');
    } else {
      const answer = await deps.channel.send(digest.markdown, sendMs);
      if (answer.ok) {
        digestStatus = { status: 'sent', ...size };
        told = digest.included;
      } else {
        digestStatus = { status: 'failed', ...size, error: { code: answer.code, errCode: answer.errCode, detail: answer.detail, hint: answer.hint } };
        problems.push(`the digest was not sent (${answer.code}): its notices are sent by the next run`);
      }
    }
  }

  writes += await remember(told, seen.statusChanges, documents, deps, now, problems);
  const observedTimeout = seen.observedTimeout;
  await beforeDeadline(deps.store.finish(runId, { lastRunAt: walk.complete ? now : state.lastRunAt, observedTimeout }), deps.deadline);
  const ofKind = (kind: Notice['kind']): string[] => seen.notices.filter((notice) => notice.kind === kind).map((notice) => notice.app.appid);
  return {
    trigger,
    seen: {
      listed: walk.items.length,
      complete: walk.complete,
      pending: seen.pending.length,
      new: ofKind('new'),
      dueSoon: ofKind('remind'),
      timedOut: ofKind('expired'),
      decidedElsewhere: seen.decidedElsewhere,
    },
    decided: decided.summary,
    digest: digestStatus,
    timeout: timeoutReport({ lastRunAt: null, observedTimeout }, deps.watch.timeoutMs),
    writes,
    problems,
  };
}

/**
 * Agrees the pending applications a rule matches, through the decision core (idempotent, retried, within the
 * deadline), and turns their notices into "agreed by rule" ones. Each agreed application's document is written at
 * once, so that its notice is owed even if the digest then fails. A dry run only marks what a rule would agree.
 */
async function applyRules(
  seen: Observation,
  documents: Map<string, WatchedApplication>,
  deps: WatchDeps,
  work: Deadline,
  now: number,
  problems: string[],
): Promise<{ summary: WatchSummary['decided']; writes: number }> {
  const summary: WatchSummary['decided'] = { dryRun: deps.watch.dryRun, agreed: [], wouldAgree: [], failed: [] };
  const matched = seen.pending.flatMap((entry) => {
    const rule = matchingRule(deps.watch.rules, entry.app);
    return rule === null ? [] : [{ ...entry, rule }];
  });
  if (matched.length === 0) return { summary, writes: 0 };
  if (deps.watch.dryRun) {
    for (const entry of matched) {
      summary.wouldAgree.push({ appid: entry.app.appid, rule: entry.rule.text });
      const notice = seen.notices.find((candidate) => candidate.key === entry.key && candidate.kind === 'new');
      if (notice?.kind === 'new') notice.wouldAgree = entry.rule.text;
    }
    return { summary, writes: 0 };
  }
  const events = matched.map((entry) => ({ action: 'dev_agree' as const, appid: entry.app.appid }));
  const results = await decideMany(events, {
    client: deps.client,
    deadline: work,
    log: deps.log,
    requestId: deps.requestId,
    retry: deps.retry ?? DEFAULT_RETRY,
  });
  let writes = 0;
  for (const [index, entry] of matched.entries()) {
    const result = results[index];
    if (result === undefined) continue;
    if (!result.ok) {
      summary.failed.push({ appid: entry.app.appid, rule: entry.rule.text, code: result.error.code });
      continue;
    }
    summary.agreed.push({ appid: entry.app.appid, rule: entry.rule.text, changed: result.changed });
    const at = seen.notices.findIndex((notice) => notice.key === entry.key);
    const earlier = at === -1 ? [] : (seen.notices[at]?.marks ?? []);
    if (at !== -1) seen.notices.splice(at, 1);
    // Already agreed by someone else in the meantime: not the rule's doing, and nothing left to tell.
    if (!result.changed) continue;
    const doc = agreedDocument(documents.get(entry.key), entry, entry.rule, earlier, now);
    try {
      await beforeDeadline(deps.store.saveApplication(doc), deps.deadline);
      documents.set(doc._id, doc);
      writes += 1;
    } catch (thrown) {
      problems.push(`could not remember that ${entry.app.appid} was agreed by rule (${describeThrown(thrown)}): the digest still says so`);
    }
    seen.notices.push({
      key: entry.key,
      app: { ...entry.app, status: 2, statusName: 'approved' },
      createdAt: entry.createdAt,
      kind: 'agreed',
      rule: entry.rule.text,
      marks: ['agreed'],
    });
  }
  if (deps.recordDecisions !== undefined) {
    const decisions = matched.flatMap((entry, index) => {
      const result = results[index];
      return result === undefined
        ? []
        : [{ event: events[index] ?? { action: 'dev_agree' as const, appid: entry.app.appid }, result, rule: entry.rule.text, nickname: entry.app.nickname }];
    });
    await deps
      .recordDecisions(decisions)
      .catch((thrown: unknown) => problems.push(`the decision trail did not take the automatic decisions: ${describeThrown(thrown)}`));
  }
  return { summary, writes };
}

function agreedDocument(
  doc: WatchedApplication | undefined,
  entry: { key: string; app: Application; createdAt: number },
  rule: AgreeRule,
  earlier: readonly string[],
  now: number,
): WatchedApplication {
  const told = [...new Set([...(doc?.told ?? []), ...earlier.filter((mark) => mark !== 'agreed')])];
  return { _id: entry.key, appid: entry.app.appid, createdAt: entry.createdAt, status: 2, told, agreedBy: rule.text, updatedAt: now };
}

/**
 * Writes what the channel took (each told application's notices) and the status changes seen, one document per
 * application that changed; returns how many were written. A failed write is a problem, not a failure of the run:
 * its notice may be told again by the next run, which is better than never.
 */
async function remember(
  told: readonly Notice[],
  statusChanges: readonly WatchedApplication[],
  documents: ReadonlyMap<string, WatchedApplication>,
  deps: WatchDeps,
  now: number,
  problems: string[],
): Promise<number> {
  const changed = new Map<string, WatchedApplication>();
  for (const doc of statusChanges) changed.set(doc._id, doc);
  for (const notice of told) {
    const doc = changed.get(notice.key) ?? documents.get(notice.key);
    const marks = [...new Set([...(doc?.told ?? []), ...notice.marks])];
    changed.set(notice.key, {
      _id: notice.key,
      appid: notice.app.appid,
      createdAt: notice.createdAt,
      status: notice.app.status,
      told: marks,
      agreedBy: doc?.agreedBy ?? null,
      updatedAt: now,
    });
  }
  let writes = 0;
  for (const doc of changed.values()) {
    try {
      await beforeDeadline(deps.store.saveApplication(doc), deps.deadline);
      writes += 1;
    } catch (thrown) {
      problems.push(`could not remember ${doc.appid} (${describeThrown(thrown)}): the next run may tell of it again`);
    }
  }
  return writes;
}
