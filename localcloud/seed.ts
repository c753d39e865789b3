import { readFileSync } from 'node:fs';
import type { Application } from './applications';
import { parseApplications } from './applications';
import demoSeed from './demo-seed.json';

/** The shipped demo list (localcloud/demo-seed.json), validated. */
export function demoApplications(): Application[] {
  return parseApplications(demoSeed, 'demo-seed.json');
}

/** Reads a seed file: either an array of applications or `{ "applications": [...] }`. */
export function loadSeedFile(path: string): Application[] {
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const list = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>).applications : value;
  return parseApplications(list, path);
}
