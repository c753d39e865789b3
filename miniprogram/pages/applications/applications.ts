/**
 * The admin page: the applications to use the plugin, filtered by status, and the decisions on them — one at a
 * time or several pending ones in one batch. Written with Component() (a page WeChat accepts) so it can be tested.
 */
import type { Application, ApplyError, BatchResult, Decision, DecisionResult } from '../../services/pluginApplyClient';
import { decide, decideBatch, listApplications } from '../../services/pluginApplyClient';
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

interface ItemView extends Application {
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
    entry: error.code === 'FORBIDDEN' ? error.adminEntry ?? '' : '',
  };
}

function itemView(item: Application, selected: ReadonlySet<string>): ItemView {
  const selectable = item.statusName === 'pending';
  return {
    ...item,
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
  const unchanged = result.results.filter((item) => item.ok && !item.changed).length;
  const { succeeded, failed, notAttempted, skipped } = result.summary;
  // Skipped items (after an account-wide error) are neither failed nor not attempted: they are counted apart.
  return `成功 ${succeeded - unchanged} · 无需更改 ${unchanged} · 失败 ${failed} · 未处理 ${notAttempted}${skipped > 0 ? ` · 已跳过 ${skipped}` : ''}`;
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
      const items = result.items.map((item) => itemView(item, selected));
      this.setData({
        loading: false,
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

    /** Asks for a refusal reason; an empty answer is refused by the function's own rule, before any call. */
    async askReason(title: string): Promise<string | null> {
      const answer = await wx.showModal({ title, editable: true, placeholderText: '告诉申请者为什么被拒绝', confirmText: '拒绝' });
      return answer.confirm ? answer.content ?? '' : null;
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
