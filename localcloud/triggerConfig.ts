/** Reads the timer trigger of every function folder the local cloud hosts, with the rules of src/core/timerTrigger.ts. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TriggerRead } from '../src/core/timerTrigger';
import { parseTriggers } from '../src/core/timerTrigger';
import { isFunctionName } from './paths';

/** One function folder's trigger, or what keeps it from running. */
export interface FunctionTrigger {
  functionName: string;
  read: TriggerRead;
}

/** The trigger of every function folder in `functionsDir` that has (or misconfigures) one. */
export function readTriggers(functionsDir: string): FunctionTrigger[] {
  let names: string[];
  try {
    names = readdirSync(functionsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && isFunctionName(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
  const found: FunctionTrigger[] = [];
  for (const functionName of names) {
    let config: unknown;
    try {
      config = JSON.parse(readFileSync(join(functionsDir, functionName, 'config.json'), 'utf8'));
    } catch {
      continue; // no config.json, or one the build reports: no trigger either way
    }
    const triggers = typeof config === 'object' && config !== null ? (config as Record<string, unknown>).triggers : undefined;
    const read = parseTriggers(functionName, triggers);
    if (!read.ok || read.trigger !== null) found.push({ functionName, read });
  }
  return found;
}
