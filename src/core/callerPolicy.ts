/**
 * Who may call: only admins listed in PLUGIN_ADMIN_OPENIDS, identified by the OPENID the platform injects
 * (cloud.getWXContext), never by anything in the event. Denies when unconfigured.
 */
import type { AdminList } from './config';
import type { ApplyError } from './errorTable';
import { ownError } from './errorTable';

/** The caller as the platform identifies it; `openid` is absent for HTTP-triggered and timer calls. */
export interface Caller {
  openid?: string | undefined;
}

/** Null when the caller may proceed, otherwise the FORBIDDEN error to return. */
export function checkCaller(caller: Caller, admins: AdminList): ApplyError | null {
  if (admins.kind === 'unset') return ownError('NOT_CONFIGURED');
  const openid = caller.openid;
  if (typeof openid !== 'string' || openid === '' || !admins.openids.has(openid)) return ownError('FORBIDDEN');
  return null;
}

/** FORBIDDEN for anyone but an admin (with their own OPENID to hand on); then, for admins only, MISCONFIGURED. */
export function refuseCall(deps: { caller: Caller; admins: AdminList; configProblems?: readonly string[] }): ApplyError | null {
  const refusal = checkCaller(deps.caller, deps.admins);
  if (refusal !== null) return { ...refusal, yourOpenid: deps.caller.openid ?? null };
  if (deps.configProblems !== undefined && deps.configProblems.length > 0) return ownError('MISCONFIGURED', { problems: [...deps.configProblems] });
  return null;
}

/** An OPENID fit for a log line: enough to tell callers apart, not enough to identify a person. */
export function maskOpenid(openid: string | undefined): string | null {
  if (openid === undefined || openid === '') return null;
  if (openid.length <= 8) return '*'.repeat(openid.length);
  return `${openid.slice(0, 4)}…${openid.slice(-4)}`;
}
