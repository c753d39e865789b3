/**
 * The watcher's own configuration (watchPluginApplyList), read once at cold start beside config.ts's: the automatic
 * rules, the robot, mentions, reminder ages and the assumed timeout. Like config.ts it never throws: each problem
 * names the variable and how to fix it, and any problem makes the watcher answer MISCONFIGURED, doing nothing.
 * The webhook address is a secret: no problem text ever quotes it.
 */
import type { AgreeRule } from './autoAgree';
import { agreeRuleProblems, parseAgreeRules } from './autoAgree';

/** The timeout WeChat's early documentation gives (24 h); a later community answer says 48. Assumed until observed. */
export const DEFAULT_TIMEOUT_HOURS = 24;

/** Reminder ages when PLUGIN_APPLY_REMIND_AT is unset: half-way, and four hours before a 24 h timeout. */
export const DEFAULT_REMIND_AT = '12h,20h';

/** Where a bare robot key is sent (WeCom's group robot API). */
export const WECOM_ROBOT_URL = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=';

/** One reminder age, as written (its label names the notice) and in milliseconds of the configured timeout. */
export interface RemindAge {
  label: string;
  ms: number;
}

export interface WatchConfig {
  rules: AgreeRule[];
  dryRun: boolean;
  /** The robot's full address (a secret); null when PLUGIN_APPLY_WEBHOOK is unset: nothing is sent. */
  webhookUrl: string | null;
  /** WeCom user ids to @mention in each digest. */
  mentions: string[];
  remindAt: RemindAge[];
  timeoutMs: number;
  problems: string[];
}

/** A WeCom user id as a mention may name it (letters, digits and `._@-`), or `@all`. */
const MENTION_PATTERN = /^(?:@all|[A-Za-z0-9._@-]{1,64})$/;

/** A robot key: WeCom's are UUIDs; any run of letters, digits and dashes is accepted. */
const ROBOT_KEY_PATTERN = /^[A-Za-z0-9-]{8,128}$/;

const HOUR_MS = 3_600_000;

/** Reads the watcher's variables from an environment (process.env in the cloud). */
export function readWatchConfig(env: Readonly<Record<string, string | undefined>>): WatchConfig {
  const problems: string[] = [];
  const parsedRules = parseAgreeRules(env.PLUGIN_AUTO_AGREE);
  problems.push(...agreeRuleProblems(parsedRules));

  const dryRunText = (env.PLUGIN_AUTO_AGREE_DRY_RUN ?? '').trim();
  if (!['', '0', '1'].includes(dryRunText))
    problems.push('PLUGIN_AUTO_AGREE_DRY_RUN must be 1 (report what the rules would agree, agreeing nothing) or 0 / unset.');

  const { timeoutMs, problem: timeoutProblem } = readTimeoutSetting(env);
  if (timeoutProblem !== null) problems.push(timeoutProblem);

  const remind = parseRemindAt(env.PLUGIN_APPLY_REMIND_AT, timeoutMs);
  problems.push(...remind.problems);

  const mentions = (env.PLUGIN_APPLY_MENTION ?? '').split(/[,，\s]+/).filter((entry) => entry !== '');
  const badMentions = mentions.filter((entry) => !MENTION_PATTERN.test(entry));
  if (badMentions.length > 0) {
    problems.push(
      `PLUGIN_APPLY_MENTION: ${badMentions.map((entry) => JSON.stringify(entry.slice(0, 40))).join(', ')} is not a WeCom user id (letters, digits, . _ @ -), or @all; separate ids with commas.`,
    );
  }

  const webhook = webhookUrl(env.PLUGIN_APPLY_WEBHOOK);
  if (webhook.problem !== null) problems.push(webhook.problem);

  return {
    rules: parsedRules.rules,
    dryRun: dryRunText === '1',
    webhookUrl: webhook.url,
    mentions: badMentions.length > 0 ? [] : mentions,
    remindAt: remind.ages,
    timeoutMs,
    problems,
  };
}

/** PLUGIN_APPLY_TIMEOUT_HOURS, the timeout assumed until one is observed (getPluginApplyList reads it too). */
export function readTimeoutSetting(env: Readonly<Record<string, string | undefined>>): { timeoutMs: number; problem: string | null } {
  const text = (env.PLUGIN_APPLY_TIMEOUT_HOURS ?? '').trim();
  const hours = text === '' ? DEFAULT_TIMEOUT_HOURS : Number(text);
  if (Number.isFinite(hours) && hours >= 1 && hours <= 720) return { timeoutMs: hours * HOUR_MS, problem: null };
  return {
    timeoutMs: DEFAULT_TIMEOUT_HOURS * HOUR_MS,
    problem: `PLUGIN_APPLY_TIMEOUT_HOURS must be a number of hours between 1 and 720 (e.g. 24 or 48); unset means ${DEFAULT_TIMEOUT_HOURS}.`,
  };
}

/** The robot's address from PLUGIN_APPLY_WEBHOOK: a full http(s) URL as it is, a bare key under WeCom's address. */
export function webhookUrl(raw: string | undefined): { url: string | null; problem: string | null } {
  const text = (raw ?? '').trim();
  if (text === '') return { url: null, problem: null };
  if (ROBOT_KEY_PATTERN.test(text)) return { url: `${WECOM_ROBOT_URL}${text}`, problem: null };
  if (/^https?:\/\/[^\s/?#]+[^\s]*$/.test(text)) {
    // Never quoted: the address carries the key, and a problem text reaches logs and results.
    if (!/[?&]key=[^&\s]+/.test(text))
      return {
        url: null,
        problem: "PLUGIN_APPLY_WEBHOOK is a URL without a key= parameter: paste the robot's whole webhook address from the WeCom group, or just its key.",
      };
    return { url: text, problem: null };
  }
  return {
    url: null,
    problem:
      "PLUGIN_APPLY_WEBHOOK must be the WeCom robot's webhook address (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…) or its key alone (its value is not shown here: it is a secret).",
  };
}

/** Parses PLUGIN_APPLY_REMIND_AT: ages like `12h`, `90m` or `1.5h`, comma-separated, each shorter than the timeout. */
export function parseRemindAt(raw: string | undefined, timeoutMs: number): { ages: RemindAge[]; problems: string[] } {
  const text = raw === undefined || raw.trim() === '' ? DEFAULT_REMIND_AT : raw;
  const ages: RemindAge[] = [];
  const problems: string[] = [];
  for (const entry of text.split(/[,，\s]+/).filter((part) => part !== '')) {
    const match = /^(\d+(?:\.\d+)?)\s*([hm])$/i.exec(entry);
    const ms = match === null ? Number.NaN : Number(match[1]) * (match[2]?.toLowerCase() === 'h' ? HOUR_MS : 60_000);
    if (!(ms > 0 && ms < timeoutMs)) {
      problems.push(
        `PLUGIN_APPLY_REMIND_AT: ${JSON.stringify(entry.slice(0, 40))} must be an age like 12h or 90m, above 0 and below the timeout (${timeoutMs / HOUR_MS} h); e.g. ${DEFAULT_REMIND_AT}.`,
      );
      continue;
    }
    if (!ages.some((age) => age.ms === ms)) ages.push({ label: entry.toLowerCase(), ms });
  }
  return { ages: ages.sort((a, b) => a.ms - b.ms), problems };
}
