/**
 * A function's timer trigger as its config.json declares it (`"triggers": [{"name", "type": "timer", "config"}]`),
 * checked against the platform's rules: what the build refuses, what `npm run deploy` uploads and what the local
 * cloud runs. Rules from WeChat's timer trigger docs: at most one trigger per function, a name of up to 60 letters,
 * digits, `-` and `_` starting with a letter, type `timer`, a 7-field cron (src/core/cron.ts).
 */
import type { CronSchedule } from './cron';
import { parseCron } from './cron';

/** A function's timer trigger, from `triggers` in its config.json. */
export interface TimerTrigger {
  functionName: string;
  /** The trigger's name, which a run's event carries as TriggerName. */
  name: string;
  /** The cron text as written. */
  config: string;
  schedule: CronSchedule;
}

/** A function's trigger as config.json has it: none, one, or what is wrong with it. */
export type TriggerRead = { ok: true; trigger: TimerTrigger | null } | { ok: false; error: string };

/** Trigger names the platform takes: up to 60 of letters, digits, `-` and `_`, starting with a letter. */
const TRIGGER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,59}$/;

/**
 * Checks the `triggers` value of a function's config.json (`[{"name", "type": "timer", "config": "<7-field cron>"}]`,
 * at most one, as WeChat allows); `functionName` names it in messages. Never throws.
 */
export function parseTriggers(functionName: string, triggers: unknown): TriggerRead {
  const where = `cloudfunctions/${functionName}/config.json triggers`;
  if (triggers === undefined) return { ok: true, trigger: null };
  if (!Array.isArray(triggers)) return { ok: false, error: `${where} must be an array: [{"name": "…", "type": "timer", "config": "0 0 * * * * *"}]` };
  if (triggers.length === 0) return { ok: true, trigger: null };
  if (triggers.length > 1) return { ok: false, error: `${where} lists ${triggers.length} triggers; a cloud function has at most one` };
  const [item] = triggers as unknown[];
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return { ok: false, error: `${where}[0] must be an object {"name", "type", "config"}` };
  const { name, type, config } = item as Record<string, unknown>;
  if (typeof name !== 'string' || !TRIGGER_NAME.test(name)) {
    return { ok: false, error: `${where}[0].name must be 1–60 letters, digits, - or _, starting with a letter (got ${JSON.stringify(name ?? null)})` };
  }
  if (type !== 'timer') return { ok: false, error: `${where}[0].type must be "timer", the only trigger type (got ${JSON.stringify(type ?? null)})` };
  if (typeof config !== 'string') return { ok: false, error: `${where}[0].config must be a 7-field cron string, e.g. "0 */30 * * * * *"` };
  const parsed = parseCron(config);
  if (!parsed.ok) return { ok: false, error: `${where}[0].config: ${parsed.error}` };
  return { ok: true, trigger: { functionName, name, config, schedule: parsed.schedule } };
}
