/**
 * The admin page: the applications to use the plugin, filtered by status, and the decisions on them — one at a
 * time or several pending ones in one batch. Written with Component() (a page WeChat accepts) so it can be tested.
 */
import type { Application, ApplyError, BatchResult, Decision, DecisionResult, LastDecision, TrailEntry } from '../../services/pluginApplyClient';
import { decide, decideBatch, listApplications, readTrail } from '../../services/pluginApplyClient';
import { countResults } from '../../../src/core/batch';
import { REASON_MAX_CHARS, reasonProblem, visibleLength } from '../../../src/core/reason';
import type { TrailActor } from '../../../src/core/trailRecords';
import type { StatusName } from '../../../src/core/status';
import { STATUS_TEXT } from '../../../src/core/status';

type StatusFilter = '' | StatusName;

/** A tap on an element whose `data-*` attributes are `D`. */
type Tap<D extends WechatMiniprogram.IAnyObject> = WechatMiniprogram.TouchEvent<Record<string, never>, Record<string, never>, D>;

/** What each decision did, for toasts and outcomes. */
const DONE_TEXT: Readonly<Record<Decision['action'], string>> = { dev_agree: '已同意', dev_refuse: '已拒绝', dev_delete: '已删除' };

/** The status a decision leaves behind, for saying "already so" when nothing changed. */
const ALREADY_TEXT: Readonly<Record<Decision['action'], string>> = {
  dev_agree: `已是${STATUS_TEXT.approved[0]}`,
  dev_refuse: `已是${STATUS_TEXT.refused[0]}`,
  dev_delete: '已不在列表中',
};

/** The latest decision on an application, as the row shows it: what, who, when, and our refusal reason. */
interface DecisionView {
  text: string;
  reason: string;
}

/** One record of an application's history. */
interface HistoryEntryView {
  key: string;
  text: string;
  reason: string;
  failed: boolean;
}

interface ItemView extends Application {
  /** Our latest decision from the trail; null when none is recorded or the trail could not be read. */
  decision: DecisionView | null;
  /** Hidden by the search (kept in the list, so that indexes and the selection stay as they are). */
  hidden: boolean;
  statusText: string;
  createTimeText: string;
  selectable: boolean;
  deletable: boolean;
  selected: boolean;
}

interface ErrorView {
  code: string;
  message: string;
  hint: string;
  /** The platform's or WeChat's own text, for reporting. */
  raw: string;
  issues: string[];
  /** FORBIDDEN: the exact entry an admin adds to PLUGIN_ADMIN_OPENIDS for this caller. */
  entry: string;
}

interface OutcomeView {
  appid: string;
  name: string;
  kind: 'changed' | 'unchanged' | 'failed';
  text: string;
}

function errorView(error: ApplyError): ErrorView {
  return {
    code: error.code,
    message: error.message,
    hint: error.hint,
    raw: error.raw ?? '',
    issues: (error.issues ?? []).map((issue) => issue.message),
    // Null when no entry could admit the caller (the platform gave no OPENID): then there is nothing to copy.
    entry: error.code === 'FORBIDDEN' ? (error.adminEntry ?? '') : '',
  };
}

/** Who decided, as the trail names them: the admin's name, the rule, or the caller's identity. */
function actorText(by: TrailActor): string {
  return by.name ?? (by.rule !== null ? `规则 ${by.rule}` : by.appid !== null ? `${by.appid}:${by.openid ?? ''}` : (by.openid ?? '未知'));
}

/** An ISO time as the admin reads it, in the phone's time zone, to the minute. */
function timeText(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

function decisionView(last: LastDecision | null | undefined): DecisionView | null {
  if (last === undefined || last === null || last.action === null) return null;
  const unchanged = last.changed === false ? '（无需更改）' : '';
  return { text: `${DONE_TEXT[last.action]}${unchanged} · ${actorText(last.by)} · ${timeText(last.at)}`, reason: last.reason ?? '' };
}

function historyEntryView(record: TrailEntry, index: number): HistoryEntryView {
  const what = record.action === null ? '无效请求' : DONE_TEXT[record.action];
  const outcome = record.outcome.code === 'OK' ? (record.outcome.changed === false ? '无需更改' : '成功') : `失败 ${record.outcome.code}`;
  const attempts = record.attempts === undefined ? '' : ` · ${record.attempts} 次`;
  return {
    key: `${record.requestId ?? ''}#${index}`,
    text: `${timeText(record.at)} · ${what} · ${actorText(record.by)} · ${outcome}${attempts}`,
    reason: record.reason ?? '',
    failed: record.outcome.code !== 'OK',
  };
}

/** Whether a search text (lower-cased) matches an application's appid or nickname. */
function matches(item: Application, search: string): boolean {
  return search === '' || item.appid.toLowerCase().includes(search) || item.nickname.toLowerCase().includes(search);
}

function itemView(item: Application & { lastDecision?: LastDecision | null }, selected: ReadonlySet<string>, search: string): ItemView {
  const selectable = item.statusName === 'pending';
  return {
    ...item,
    decision: decisionView(item.lastDecision),
    hidden: !matches(item, search),
    statusText: STATUS_TEXT[item.statusName][0],
    createTimeText: item.createTime === null ? '' : item.createTime.slice(0, 16).replace('T', ' '),
    selectable,
    deletable: item.statusName === 'refused' || item.statusName === 'expired',
    selected: selectable && selected.has(item.appid),
  };
}

/** One line per batch item: what happened to it, in the admin's words. */
function outcomeView(result: DecisionResult, decision: Decision, names: ReadonlyMap<string, string>): OutcomeView {
  const appid = decision.appid ?? '';
  const name = names.get(appid) ?? appid;
  if (result.ok && result.changed) return { appid, name, kind: 'changed', text: DONE_TEXT[decision.action] };
  if (result.ok) return { appid, name, kind: 'unchanged', text: `无需更改（${ALREADY_TEXT[decision.action]}）` };
  return { appid, name, kind: 'failed', text: `${result.error.message}。${result.error.hint}` };
}

function batchSummary(result: BatchResult): string {
  const { changed, unchanged, failed, notAttempted, skipped } = countResults(result.results);
  // Skipped items (after an account-wide error) are neither failed nor not attempted: they are counted apart.
  return `成功 ${changed} · 无需更改 ${unchanged} · 失败 ${failed} · 未处理 ${notAttempted}${skipped > 0 ? ` · 已跳过 ${skipped}` : ''}`;
}

Component({
  data: {
    filter: '' as StatusFilter,
    items: [] as ItemView[],
    loading: false,
    /** A decision is on its way: buttons are disabled so that it is not sent twice. */
    busy: false,
    /** Pending applications listed: what can be selected for a batch. */
    pendingCount: 0,
    selectedCount: 0,
    error: null as ErrorView | null,
    notice: '',
    /** The list was cut short by the function's time limit: what is shown is not everything. */
    partial: false,
    outcomes: [] as OutcomeView[],
    outcomeSummary: '',
    /** What the search box holds, lower-cased. */
    search: '',
    /** Applications the search hides. */
    hiddenCount: 0,
    /** Why the trail could not be read ('' when it was): the list is shown without our decisions. */
    trailUnread: '',
    /** The application whose history is open ('' when none), and that history. */
    historyAppid: '',
    history: [] as HistoryEntryView[],
    historyText: '',
  },

  methods: {
    onLoad(): void {
      void this.refresh();
    },

    onPullDownRefresh(): void {
      // The admin asks again: what went wrong before no longer applies unless it happens again.
      this.setData({ error: null });
      void this.refresh().then(() => wx.stopPullDownRefresh());
    },

    async refresh(): Promise<void> {
      this.setData({ loading: true });
      const filter = this.data.filter;
      const result = await listApplications(filter === '' ? { all: true } : { all: true, status: filter });
      if (!result.ok) {
        this.setData({ loading: false, error: errorView(result.error) });
        return;
      }
      const selected = new Set(this.data.items.filter((item) => item.selected).map((item) => item.appid));
      const items = result.items.map((item) => itemView(item, selected, this.data.search));
      this.setData({
        loading: false,
        hiddenCount: items.filter((item) => item.hidden).length,
        trailUnread: result.trail?.read === false ? result.trail.reason : '',
        partial: result.hasMore,
        items,
        pendingCount: items.filter((item) => item.selectable).length,
        selectedCount: items.filter((item) => item.selected).length,
      });
    },

    onFilter(event: Tap<{ status: StatusFilter }>): void {
      this.setData({ filter: event.currentTarget.dataset.status, error: null, notice: '', outcomes: [], outcomeSummary: '' });
      void this.refresh();
    },

    onSearch(event: WechatMiniprogram.Input): void {
      const search = event.detail.value.trim().toLowerCase();
      const items = this.data.items.map((item) => ({ ...item, hidden: !matches(item, search) }));
      this.setData({ search, items, hiddenCount: items.filter((item) => item.hidden).length });
    },

    /** Opens (or closes) the history of one application: every decision the trail holds on it, newest first. */
    async onHistory(event: Tap<{ appid: string }>): Promise<void> {
      const appid = event.currentTarget.dataset.appid;
      if (this.data.historyAppid === appid) {
        this.setData({ historyAppid: '', history: [], historyText: '' });
        return;
      }
      this.setData({ historyAppid: appid, history: [], historyText: '加载中…' });
      const result = await readTrail({ appid, num: 100 });
      if (this.data.historyAppid !== appid) return;
      if (!result.ok) {
        this.setData({ historyText: `读不到记录：${result.error.message}（${result.error.code}）` });
        return;
      }
      this.setData({ history: result.trail.map(historyEntryView), historyText: result.trail.length === 0 ? '还没有记录' : '' });
    },

    onToggle(event: Tap<{ index: number }>): void {
      const index = event.currentTarget.dataset.index;
      const item = this.data.items[index];
      if (item === undefined || !item.selectable) return;
      const selectedCount = this.data.selectedCount + (item.selected ? -1 : 1);
      this.setData({ [`items[${index}].selected`]: !item.selected, selectedCount });
    },

    /** Sends one decision; the outcome shows as a toast and a notice, a failure in the error panel. */
    async decideOne(decision: Decision): Promise<void> {
      // A second tap before the disabled buttons render must not send a second decision.
      if (this.data.busy) return;
      this.setData({ busy: true, error: null, notice: '', outcomes: [], outcomeSummary: '' });
      wx.showLoading({ title: '处理中', mask: true });
      const result = await decide(decision);
      wx.hideLoading();
      this.setData({ busy: false });
      if (!result.ok) {
        this.setData({ error: errorView(result.error) });
        // The function answered with where the application stands now: show it (the error stays on screen).
        if (result.error.currentStatus !== undefined) await this.refresh();
        return;
      }
      const name = this.data.items.find((item) => item.appid === decision.appid)?.nickname ?? decision.appid ?? '';
      const text = result.changed ? DONE_TEXT[decision.action] : `无需更改（${ALREADY_TEXT[decision.action]}）`;
      wx.showToast({ title: result.changed ? DONE_TEXT[decision.action] : '无需更改', icon: result.changed ? 'success' : 'none' });
      this.setData({ notice: `${name}：${text}` });
      await this.refresh();
    },

    /**
     * Asks for a refusal reason. One longer than the function takes (counted as it counts: a flag or an emoji is
     * one character) is asked again with its count, the text kept; any other problem is the function's own rule's,
     * refused before any call.
     */
    async askReason(title: string): Promise<string | null> {
      let asking = title;
      let content = '';
      for (;;) {
        const answer = await wx.showModal({
          title: asking,
          content,
          editable: true,
          placeholderText: `告诉申请者为什么被拒绝（最多 ${REASON_MAX_CHARS} 字）`,
          confirmText: '拒绝',
        });
        if (!answer.confirm) return null;
        content = answer.content ?? '';
        if (reasonProblem(content) !== 'reason.tooLong') return content;
        asking = `理由 ${visibleLength(content.trim())}/${REASON_MAX_CHARS} 字，请删减`;
      }
    },

    onAgree(event: Tap<{ appid: string }>): void {
      void this.decideOne({ action: 'dev_agree', appid: event.currentTarget.dataset.appid });
    },

    async onRefuse(event: Tap<{ appid: string }>): Promise<void> {
      const appid = event.currentTarget.dataset.appid;
      const reason = await this.askReason('拒绝理由');
      if (reason !== null) await this.decideOne({ action: 'dev_refuse', appid, reason });
    },

    async onDelete(event: Tap<{ appid: string }>): Promise<void> {
      const appid = event.currentTarget.dataset.appid;
      const answer = await wx.showModal({ title: '删除申请', content: `从申请列表中删除 ${appid}？`, confirmText: '删除' });
      if (answer.confirm) await this.decideOne({ action: 'dev_delete', appid });
    },

    onSelectAllPending(): void {
      const items = this.data.items.map((item) => ({ ...item, selected: item.selectable }));
      this.setData({ items, selectedCount: items.filter((item) => item.selected).length });
    },

    onBatchAgree(): void {
      void this.decideSelected(() => ({ action: 'dev_agree' }));
    },

    async onBatchRefuse(): Promise<void> {
      if (this.data.selectedCount === 0) return;
      const reason = await this.askReason(`拒绝所选 ${this.data.selectedCount} 项的理由`);
      if (reason !== null) await this.decideSelected(() => ({ action: 'dev_refuse', reason }));
    },

    /** Decides every selected pending application in one call and lists what happened to each. */
    async decideSelected(shape: () => { action: 'dev_agree' } | { action: 'dev_refuse'; reason: string }): Promise<void> {
      const chosen = this.data.items.filter((item) => item.selected);
      if (chosen.length === 0 || this.data.busy) return;
      const decisions: Decision[] = chosen.map((item) => ({ ...shape(), appid: item.appid }));
      this.setData({ busy: true, error: null, notice: '', outcomes: [], outcomeSummary: '' });
      wx.showLoading({ title: `处理 ${decisions.length} 项`, mask: true });
      const result = await decideBatch(decisions);
      wx.hideLoading();
      this.setData({ busy: false });
      if (!('results' in result)) {
        this.setData({ error: errorView(result.error) });
        return;
      }
      const names = new Map(chosen.map((item) => [item.appid, item.nickname]));
      const outcomes = result.results.map((itemResult, index) => outcomeView(itemResult, decisions[index] ?? { action: 'dev_delete' }, names));
      // Decided items leave the selection; failed ones stay selected so they can be sent again.
      const keep = new Set(outcomes.filter((outcome) => outcome.kind === 'failed').map((outcome) => outcome.appid));
      this.setData({
        outcomes,
        outcomeSummary: batchSummary(result),
        items: this.data.items.map((item) => ({ ...item, selected: item.selected && keep.has(item.appid) })),
      });
      await this.refresh();
    },

    onCopyEntry(): void {
      const entry = this.data.error?.entry ?? '';
      if (entry !== '') void wx.setClipboardData({ data: entry });
    },
  },
});
