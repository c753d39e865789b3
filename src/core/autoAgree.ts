/**
 * The team's automatic rules (PLUGIN_AUTO_AGREE): which pending applications the watcher agrees without a person.
 * Only agreeing is ever automatic: a rule can name an applicant or a category, never a refusal or a deletion.
 */
import type { Application } from './applicationList';
import { APPID_PATTERN } from './eventSchema';

/** One rule as written: an applicant's appid, or a category (a whole first level when `second` is null). */
export type AgreeRule = { kind: 'appid'; appid: string; text: string } | { kind: 'category'; first: string; second: string | null; text: string };

/** The rules, or the entries that are neither form (each named, so the watcher decides nothing until fixed). */
export interface ParsedRules {
  rules: AgreeRule[];
  malformed: string[];
}

/** Most characters of a category level a rule may name: WeChat's category names are short. */
const LEVEL_MAX_CHARS = 40;

/** Parses PLUGIN_AUTO_AGREE: comma-separated (full-width too), each `wx…` or `category:一级/二级` or `category:一级`. */
export function parseAgreeRules(raw: string | undefined): ParsedRules {
  const rules: AgreeRule[] = [];
  const malformed: string[] = [];
  for (const entry of (raw ?? '')
    .split(/[,，\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')) {
    const rule = parseRule(entry);
    if (rule === null) malformed.push(entry.length > 80 ? `${entry.slice(0, 80)}…` : entry);
    else rules.push(rule);
  }
  return { rules, malformed };
}

function parseRule(entry: string): AgreeRule | null {
  if (APPID_PATTERN.test(entry)) return { kind: 'appid', appid: entry, text: entry };
  const category = /^category\s*[:：]\s*(.+)$/i.exec(entry)?.[1];
  if (category === undefined) return null;
  const levels = category.split(/[/／]/).map((level) => level.trim());
  const [first = '', second, ...rest] = levels;
  const ok = (level: string): boolean => level !== '' && level.length <= LEVEL_MAX_CHARS;
  if (rest.length > 0 || !ok(first) || (second !== undefined && !ok(second))) return null;
  return { kind: 'category', first, second: second ?? null, text: second === undefined ? `category:${first}` : `category:${first}/${second}` };
}

/** Why each malformed entry is one, naming it and saying how to write a rule. */
export function agreeRuleProblems(parsed: ParsedRules): string[] {
  return parsed.malformed.map(
    (entry) =>
      `PLUGIN_AUTO_AGREE: the rule ${JSON.stringify(entry)} is neither an appid ("wx" and 16 lowercase hex characters) nor category:一级/二级 (or category:一级 for a whole first level). Fix or remove it; until then the watcher agrees nothing.`,
  );
}

/** The first rule that agrees this application, or null. */
export function matchingRule(rules: readonly AgreeRule[], application: Application): AgreeRule | null {
  return (
    rules.find((rule) =>
      rule.kind === 'appid'
        ? rule.appid === application.appid
        : application.categories.some((category) => category.first === rule.first && (rule.second === null || category.second === rule.second)),
    ) ?? null
  );
}
