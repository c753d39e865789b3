import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isJsonObject } from './httpIo';

/**
 * The openapi names a function may call: `permissions.openapi` of `<functionsDir>/<name>/config.json`.
 * Read on every call (the real cloud caches it for about 10 minutes after an upload); a missing or
 * unreadable config.json grants nothing, as on the platform.
 */
export function allowedOpenApis(functionsDir: string, functionName: string): string[] {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(join(functionsDir, functionName, 'config.json'), 'utf8'));
  } catch {
    return [];
  }
  const permissions = isJsonObject(config) ? config.permissions : undefined;
  const openapi = isJsonObject(permissions) ? permissions.openapi : undefined;
  return Array.isArray(openapi) ? openapi.filter((x): x is string => typeof x === 'string') : [];
}
