import type { IncomingMessage } from 'node:http';
import { HttpError } from './httpIo';

/**
 * Who may talk to the local cloud. It listens on 127.0.0.1 only, but a browser on the same machine will send
 * requests on behalf of any web site: a cross-site form or a no-cors fetch can POST (a plain-text body agreed an
 * application), and a site whose DNS name is rebound to 127.0.0.1 can even read the answers. So:
 * - the `Host` must be a loopback name (a rebound name is not);
 * - an `Origin`, when the browser sends one, must be the local cloud's own (the page's);
 * - a body sent to the page's endpoints (`/functions/`, `/_local/`) must be JSON, which no cross-site form can send
 *   without a CORS preflight that the local cloud never grants.
 * The WeChat-protocol endpoints (`/admin`, `/wxa/devplugin`, `/cgi-bin/stable_token`) are spoken by the SDK and by
 * HTTPS clients, which send no Origin; they keep their own formats and get the Host and Origin checks.
 */
const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Paths whose state-changing requests must carry JSON. */
const PAGE_ENDPOINTS = ['/functions/', '/_local/'];

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The hostname of a Host header, lower-cased, without the port ("[::1]" keeps its brackets). */
function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.startsWith('[') ? lower.slice(0, lower.indexOf(']') + 1) : lower.replace(/:\d*$/, '');
}

/** The origins the page itself has on `port`. */
function ownOrigins(port: number): Set<string> {
  return new Set([...LOOPBACK_HOSTNAMES].map((hostname) => `http://${hostname}:${port}`));
}

/** Whether the request carries a body (a declared length above 0, or a chunked one). */
function hasBody(req: IncomingMessage): boolean {
  const length = Number(req.headers['content-length'] ?? 0);
  return (Number.isFinite(length) && length > 0) || req.headers['transfer-encoding'] !== undefined;
}

/** The refusal for a request the local cloud must not serve (see above), or null to serve it. */
export function refusalOf(req: IncomingMessage, path: string, port: number): HttpError | null {
  const host = req.headers.host;
  if (host !== undefined && !LOOPBACK_HOSTNAMES.has(hostnameOf(host))) {
    return new HttpError(
      403,
      `Host "${host}" is not this machine: the local cloud answers only requests addressed to 127.0.0.1, localhost or [::1] (a foreign name here is how DNS rebinding reaches local servers)`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !ownOrigins(port).has(origin.toLowerCase())) {
    return new HttpError(
      403,
      `Origin "${origin}" is not the local cloud's page: requests from other web sites are refused; use the page at http://127.0.0.1:${port}/ or a client that sends no Origin`,
    );
  }
  const method = req.method ?? 'GET';
  if (!SAFE_METHODS.has(method) && PAGE_ENDPOINTS.some((prefix) => path.startsWith(prefix)) && hasBody(req)) {
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      return new HttpError(
        415,
        `${method} ${path} takes a JSON body: send it with "content-type: application/json" (got ${type === '' ? 'none' : `"${type}"`})`,
      );
    }
  }
  return null;
}
