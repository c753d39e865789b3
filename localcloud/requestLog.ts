/** Query parameters whose values are credentials, by decoded name (lower case): a WeCom robot's key lets anyone post to its group. */
const SECRET_PARAMETERS: ReadonlySet<string> = new Set(['access_token', 'secret', 'key']);

/**
 * The request target as the request log shows it: the value of every credential parameter is `***`. Names are
 * compared decoded, the way the server reads them, so `access%5Ftoken=…` (which the server accepts as the token)
 * is masked too. Everything else is shown as the client sent it.
 */
export function loggedTarget(target: string): string {
  const queryAt = target.indexOf('?');
  if (queryAt === -1) return target;
  const pairs = target
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const [name] = [...new URLSearchParams(pair).keys()];
      if (name === undefined || !SECRET_PARAMETERS.has(name.toLowerCase())) return pair;
      const equals = pair.indexOf('=');
      return `${equals === -1 ? pair : pair.slice(0, equals)}=***`;
    });
  return `${target.slice(0, queryAt)}?${pairs.join('&')}`;
}
