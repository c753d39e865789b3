/** The help text of `plugin-apply`: the general usage and each command's. */
import { WECHAT_API_BASE_URL } from '../core/config';
import { REASON_MAX_CHARS } from '../core/eventSchema';

/** How long a whole command may take unless `--timeout` says otherwise: generous, it is not a cloud function. */
export const DEFAULT_TIMEOUT_S = 600;

/** The longest `--timeout`: a day is past any real batch, and far below where setTimeout overflows (24.8 days). */
export const MAX_TIMEOUT_S = 86_400;

const COMMON_HELP = `  --base-url URL     where WeChat's API is (default ${WECHAT_API_BASE_URL}), e.g. the local cloud
  --json             print JSON on stdout instead of text
  --timeout SECONDS  give up after this long (default ${DEFAULT_TIMEOUT_S}, at most ${MAX_TIMEOUT_S})
  --verbose          write the core's log records (retries…) to stderr as JSON lines
  -h, --help         show this help`;

const DECISION_HELP = `  -f, --file F       read appids from F (repeatable)
  --dry-run          validate everything, call nothing
${COMMON_HELP}`;

const APPIDS_HELP = `Appids ("wx" + 16 lowercase hex characters) come from the arguments, from --file F (one a line, or separated
by blanks or commas; # starts a comment) and from stdin: "-", or piped in when no other appids are given.
Everything is read and checked first: a word that is not an appid stops the command (exit 2), naming its line,
and nothing is sent.`;

const FOOTER = `Environment:
  PLUGIN_APPID, PLUGIN_APPSECRET  required: the plugin's appid and AppSecret (mp.weixin.qq.com → 开发管理 → 开发设置)
  WECHAT_API_BASE_URL             optional: like --base-url
Exit codes: 0 every decision succeeded (already so counts) · 1 something failed · 2 usage or configuration error`;

/** `plugin-apply`, `plugin-apply --help`. */
export const GENERAL_HELP = `plugin-apply: decide on applications to use your mini-program plugin (WeChat /wxa/devplugin).

Usage:
  plugin-apply list [--status pending|approved|refused|expired] [--json]
  plugin-apply agree APPID… [--file F] [--dry-run] [--json]
  plugin-apply refuse --reason TEXT APPID… [--file F] [--dry-run] [--json]
  plugin-apply delete APPID… [--file F] [--dry-run] [--json]

Run "plugin-apply COMMAND -h" for a command's options.

${FOOTER}
`;

/** Each command's `--help`. */
export const COMMAND_HELP = {
  list: `Usage: plugin-apply list [--status pending|approved|refused|expired] [--json]

Lists every application (all pages) as a table, or with --json as an array of normalised items.

Options:
  --status S         only applications with this status
${COMMON_HELP}

${FOOTER}
`,
  agree: `Usage: plugin-apply agree APPID… [--file F] [--dry-run] [--json]

Agrees to pending applications. One already approved counts as success ("unchanged").

${APPIDS_HELP}

Options:
${DECISION_HELP}

${FOOTER}
`,
  refuse: `Usage: plugin-apply refuse --reason TEXT APPID… [--file F] [--dry-run] [--json]

Refuses pending applications with a reason the applicant sees. One already refused counts as success ("unchanged").

${APPIDS_HELP}

Options:
  --reason TEXT      required: why, at most ${REASON_MAX_CHARS} characters
${DECISION_HELP}

${FOOTER}
`,
  delete: `Usage: plugin-apply delete APPID… [--file F] [--dry-run] [--json]

Deletes refused or timed-out applications from the list. One already gone counts as success ("unchanged").

${APPIDS_HELP}

Options:
${DECISION_HELP}

${FOOTER}
`,
} as const;
