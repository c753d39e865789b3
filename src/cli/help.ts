/** The help text of `plugin-apply`: the general usage and each command's. */
import { WECHAT_API_BASE_URL } from '../core/config';
import { REASON_MAX_CHARS } from '../core/reason';

/** How long a whole command may take unless `--timeout` says otherwise: generous, it is not a cloud function. */
export const DEFAULT_TIMEOUT_S = 600;

/** Where `watch` keeps its state unless `--state` says otherwise: the current folder, as cron runs it from the job's. */
export const DEFAULT_WATCH_STATE_FILE = '.plugin-apply-watch.json';

/** The longest `--timeout`: a day is past any real batch, and far below where setTimeout overflows (24.8 days). */
export const MAX_TIMEOUT_S = 86_400;

const COMMON_HELP = `  --base-url URL     where WeChat's API is (default ${WECHAT_API_BASE_URL}), e.g. the local cloud
  --json             print JSON on stdout instead of text
  --timeout SECONDS  give up after this long (default ${DEFAULT_TIMEOUT_S}, at most ${MAX_TIMEOUT_S})
  --verbose          write the core's log records (retries…) to stderr as JSON lines
  -h, --help         show this help`;

const CONFIRM_HELP = `  -y, --yes          do not ask before sending (a terminal is asked; anything else never is)
  --dry-run          check everything and show it, call nothing (no credentials needed)`;

const TRAIL_HELP = `  --env ENV          the cloud environment whose decision trail records these decisions (or PLUGIN_CLOUD_ENV);
                     without one, they are not recorded, and the command says so
  --by NAME          who the records name (or PLUGIN_DECIDER_NAME; default plugin-apply@<hostname>)`;

const DECISION_HELP = `  -f, --file F       read appids from F (repeatable)
${TRAIL_HELP}
${CONFIRM_HELP}
${COMMON_HELP}`;

const APPIDS_HELP = `Appids ("wx" + 16 lowercase hex characters) come from the arguments, from --file F (one a line, or separated
by blanks or commas; # starts a comment) and from stdin: "-", or piped in when no other appids are given.
Everything is read and checked first: a word that is not an appid stops the command (exit 2), naming its line,
and nothing is sent. Before sending, the list is read once: the applicants' nicknames show on the question (asked
only on a terminal, unless --yes) and on each result line.`;

const FOOTER = `Environment:
  PLUGIN_APPID, PLUGIN_APPSECRET  required: the plugin's appid and AppSecret (mp.weixin.qq.com → 开发管理 → 开发设置)
  WECHAT_API_BASE_URL             optional: like --base-url
  PLUGIN_CLOUD_ENV                optional: like --env (decisions join the decision trail there)
  PLUGIN_DECIDER_NAME             optional: like --by
  LC_ALL, LC_MESSAGES, LANG       the language of error lines and hints: Chinese for zh*, else English
Exit codes: 0 every decision succeeded (already so counts) · 1 something failed, or the question was answered no ·
2 usage or configuration error · 130/143 stopped by SIGINT/SIGTERM`;

/** `plugin-apply`, `plugin-apply --help`. */
export const GENERAL_HELP = `plugin-apply: decide on applications to use your mini-program plugin (WeChat /wxa/devplugin).

Usage:
  plugin-apply list [--status pending|approved|refused|expired] [--json]
  plugin-apply agree APPID… [--file F] [--dry-run] [--json]
  plugin-apply refuse --reason TEXT APPID… [--file F] [--dry-run] [--json]
  plugin-apply delete APPID… [--file F] [--dry-run] [--json]
  plugin-apply apply --file DECISIONS [--reason TEXT] [--dry-run] [--json]
  plugin-apply history [APPID] [--env ENV] [--num N] [--json]
  plugin-apply watch [--webhook URL] [--state FILE] [--env ENV] [--dry-run] [--json]

Before deciding, the list is read once for the applicants' nicknames; a terminal is asked to confirm (-y/--yes
skips the question). Everything given is checked before anything is sent.
Run "plugin-apply COMMAND -h" for a command's options.

${FOOTER}
`;

/** Each command's `--help`. */
export const COMMAND_HELP = {
  list: `Usage: plugin-apply list [--status pending|approved|refused|expired] [--json]

Lists every application (all pages) as a table, or with --json as an array of normalised items.

Options:
  --status S         only applications with this status
  --from-page N      start at page N (100 applications a page), to continue a cut list
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
  apply: `Usage: plugin-apply apply --file DECISIONS [--reason TEXT] [--dry-run] [--json]

Sends a file that mixes actions as one batch, one decision a line:
  agree  wx3f9a1c2b7d4e6058
  refuse wx8b2e4d6f0a1c3e57 资质不全      (the reason is the rest of the line; the applicant sees it)
  delete wxa4b6c8d0e2f41357
Lines starting with # are comments; blank lines are skipped. The file comes from --file (repeatable) or stdin
("-", or piped in when no --file is given). The whole input is checked first: a line that is not a decision, or
two lines that decide one appid differently, stop the command (exit 2) naming each line, and nothing is sent.
What it will do is shown on stderr before it is sent, then one result line per decision.

Options:
  -f, --file F       read decisions from F (repeatable)
  --reason TEXT      the reason of refuse lines that give none, at most ${REASON_MAX_CHARS} characters
${TRAIL_HELP}
${CONFIRM_HELP}
${COMMON_HELP}

${FOOTER}
`,
  history: `Usage: plugin-apply history [APPID] [--env ENV] [--num N] [--json]

Shows the decision trail (collection plugin_apply_decisions in the cloud environment's database), newest first:
every decision of the cloud functions and of this CLI, of one applicant or all. Read through WeChat's database
HTTP API with the plugin's access token.

Options:
  --env ENV          required (or PLUGIN_CLOUD_ENV): the cloud environment
  --num N            how many records (default 20, at most 1000)
${COMMON_HELP}

${FOOTER}
`,
  watch: `Usage: plugin-apply watch [--webhook URL] [--state FILE] [--env ENV] [--dry-run] [--json]

Runs the watcher once over HTTPS, as the watchPluginApplyList function does on its timer, for a team that runs cron
on its own server: reads every application, notices what is new, due soon, timed out unseen or decided elsewhere,
agrees what PLUGIN_AUTO_AGREE's rules agree, and prints the digest on stdout; with a webhook it also sends the digest
to the WeCom group robot. What it has told is kept in a local state file, so the next run tells only what is new.
A lock beside the state file (FILE.lock) keeps two runs from overlapping; one left by a run that died is taken over.

Options:
  --webhook URL      the WeCom robot's webhook address or key (default $PLUGIN_APPLY_WEBHOOK; the variable keeps it
                     out of shell history). Never printed. Without one, the digest printed on stdout counts as told
  --state FILE       where the watcher remembers what it told (default ${DEFAULT_WATCH_STATE_FILE}); readable by
                     its owner only
  --env ENV          the cloud environment whose decision trail records the rules' agrees, the rule as who decided
                     (or PLUGIN_CLOUD_ENV); without one, they are not recorded, and the summary says so
  --dry-run          agree nothing: show what the rules would agree, as PLUGIN_AUTO_AGREE_DRY_RUN=1 does; the digest
                     is still printed and sent
${COMMON_HELP}

Environment besides PLUGIN_APPID and PLUGIN_APPSECRET, as the function reads it (docs/watcher.md):
  PLUGIN_APPLY_WEBHOOK, PLUGIN_AUTO_AGREE, PLUGIN_AUTO_AGREE_DRY_RUN, PLUGIN_APPLY_MENTION, PLUGIN_APPLY_REMIND_AT,
  PLUGIN_APPLY_TIMEOUT_HOURS
Exit codes: 0 the run did everything (nothing to say included) · 1 something was not done (the digest not sent, the
list not read whole, a rule's agree failed, the state file unusable) or another run holds the lock · 2 usage or
configuration error (a variable the watcher refuses included)
`,
  delete: `Usage: plugin-apply delete APPID… [--file F] [--dry-run] [--json]

Deletes refused or timed-out applications from the list. One already gone counts as success ("unchanged").

${APPIDS_HELP}

Options:
${DECISION_HELP}

${FOOTER}
`,
} as const;
